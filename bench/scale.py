"""`make bench-scale`: ten million households in 40 branches on PostgreSQL (opt-in).

Targets (issue 15, item 4): the import of 10,000,000 households ≤ 15 minutes, a monthly plan
for 5,000 inspectors ≤ 2 minutes, peak RSS of the largest process ≤ 1 GB, household search
p95 ≤ 20 ms; every query of the plan and of the household lists uses its indexes.

Steps, all inside `quiet_machine()`, against a fresh database BENCH_SCALE_DB (default
ruhu_bench_scale) on BENCH_PG (loopback):
  1. `ruhu migrate`; the company, BENCH_SCALE_BRANCHES branches (default 40), their
     inspectors (BENCH_SCALE_INSPECTORS in all, default 5,000) with a valid training,
     a head-office user and a reviewer of the last branch, each with an API token;
  2. BENCH_SCALE_HOUSEHOLDS households (default 10,000,000) from `ruhu.premises.synth` (the
     generator behind `ruhu synth households`): one stream, so account numbers stay unique,
     cut into one CSV a branch under a temporary folder (removed at the end);
  3. `ruhu import-households FILE --branch CODE` for each branch in turn, as a utility's
     first load would run them: each import's wall time, the sum, the peak RSS (wait4, the
     import's workers included); then VACUUM (ANALYZE), what autovacuum would do after such a
     load (this machine's server runs without it): the visibility map for index-only counts,
     the trigram index's pending entries merged, fresh statistics;
  4. the monthly plans of January 2027 as seen on 2026-12-18: `plan_generate` per branch in
     BENCH_SCALE_JOBS processes (default one per core), as a deployment's job workers would
     run the branches' plans side by side: first drafts, then BENCH_SCALE_REPEATS rounds of
     regeneration (default 3); each round's wall time from the first start to the last end,
     its median; the planning processes' peak RSS;
  5. household search through the API (POST /api/v1/households/search, bearer token, first
     page and its count): exact phone, exact name, address and community, each as a head-
     office user and as a branch user, p50 / p95 per kind (bench/scale_queries.py);
  6. what a branch's partition would buy: the last branch's due households (the plan's big
     read) and its first list page with the count, from the whole table and from a copy of
     the branch alone indexed alike (decision 0028);
  7. EXPLAIN (ANALYZE, BUFFERS) of every statement one branch's plan runs and of the
     household lists' count and page queries, printed, each flagged if it reads a big table
     in full or throws away more than 20,000 rows on an index walk.
BENCH_SCALE_KEEP=1 keeps the database and its var directory with the personal-data keys
(BENCH_SCALE_VAR, default /tmp/bench-var-scale); BENCH_SCALE_REUSE=1 then reuses its
households and staff and starts at step 4; BENCH_SCALE_IMPORT_ONLY=1 stops after step 3
(every branch's import seconds printed). Run time at 10M: about 50 minutes on this 2-core
machine while others used it (the import 34 of them), 11 GB of disk (a 8.7 GB database,
2 GB of CSV); a dev run with BENCH_SCALE_HOUSEHOLDS=200000 BENCH_SCALE_BRANCHES=4
BENCH_SCALE_INSPECTORS=100 takes about 3 minutes.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import scale_queries as queries

HOUSEHOLDS = int(os.environ.get("BENCH_SCALE_HOUSEHOLDS", "10000000"))
BRANCHES = int(os.environ.get("BENCH_SCALE_BRANCHES", "40"))
INSPECTORS = int(os.environ.get("BENCH_SCALE_INSPECTORS", "5000"))
JOBS = int(os.environ.get("BENCH_SCALE_JOBS", str(os.cpu_count() or 1)))
REPEATS = int(os.environ.get("BENCH_SCALE_REPEATS", "3"))
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_SCALE_DB", "ruhu_bench_scale")
KEEP = os.environ.get("BENCH_SCALE_KEEP") == "1"
REUSE = os.environ.get("BENCH_SCALE_REUSE") == "1"
IMPORT_ONLY = os.environ.get("BENCH_SCALE_IMPORT_ONLY") == "1"
SEED = 2026
KEPT_VAR = Path(os.environ.get("BENCH_SCALE_VAR", "/tmp/bench-var-scale"))
COMPANY = "scale-co"
RUHU = [sys.executable, "-m", "ruhu.cli"]
HERE = [sys.executable, "-m", "bench.scale"]
TARGETS = {"import_s": 15 * 60, "plan_s": 120, "rss_mb": 1024, "search_p95_ms": 20}


def branch_code(index: int) -> str:
    return f"scale-{index:02d}"


# ---------------------------------------------------------------- in the child processes


def child_setup() -> None:
    """The company, its branches, inspectors trained for every topic, two office users."""
    queries.django()
    from django.db import transaction

    from ruhu.accounts.models import User
    from ruhu.accounts.services import org_unit_create, user_create
    from ruhu.inspection.models import TrainingTopic
    from ruhu.inspection.services.training import training_record_create

    per_branch = INSPECTORS // BRANCHES
    with transaction.atomic():
        company = org_unit_create(acting_user=None, kind="company", code=COMPANY, name="规模")
        lead = user_create(
            acting_user=None,
            username=queries.HEAD_OFFICE,
            full_name="总部",
            role="admin",
            org_unit=company,
            password=queries.PASSWORD,
        )
        for index in range(BRANCHES):
            branch = org_unit_create(
                acting_user=None,
                kind="branch",
                code=branch_code(index),
                name=f"分公司{index}",
                parent=company,
            )
            people = [
                user_create(
                    acting_user=None,
                    username=f"scale-{index:02d}-{n:03d}",
                    full_name=f"安检员{n}",
                    role="inspector",
                    org_unit=branch,
                    password=queries.PASSWORD,
                    badge_no=f"S{index:02d}-{n:03d}",
                )
                for n in range(per_branch)
            ]
            if people:
                training_record_create(
                    acting_user=lead,
                    inspectors=people,
                    trained_on=queries.TRAINED_ON,
                    topics=list(TrainingTopic.values),
                    trainer="培训中心",
                )
            if index == BRANCHES - 1:  # the last branch: its accounts come last
                user_create(
                    acting_user=None,
                    username=queries.BRANCH_USER,
                    full_name="复核",
                    role="reviewer",
                    org_unit=branch,
                    password=queries.PASSWORD,
                )
        User.objects.filter(username__in=[queries.HEAD_OFFICE, queries.BRANCH_USER]).update(
            must_change_password=False
        )


def child_plan() -> None:
    """`plan_generate` for the branches named on the command line, one after the other;
    prints each one's wall time, this process's span and its peak RSS."""
    import time_machine

    codes = sys.argv[2:]
    with time_machine.travel(queries.TODAY, tick=True):
        queries.django()
        from ruhu.accounts.models import OrgUnit
        from ruhu.inspection.services.plans import plan_generate

        branches = list(OrgUnit.objects.filter(code__in=codes).order_by("code"))
        started, walls, summaries = time.time(), [], []
        for branch in branches:
            wall = time.perf_counter()
            plan = plan_generate(acting_user=None, branch=branch, month=queries.MONTH)
            walls.append(time.perf_counter() - wall)
            summaries.append(plan.summary)
        ended = time.time()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"start": started, "end": ended, "walls": walls, "rss": peak, "summaries": summaries}
        )
    )


# ---------------------------------------------------------------- the parent


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {"RUHU_VAR_DIR": str(var_dir), "DATABASE_URL": f"{PG_SERVER}/{DATABASE}"}
    return env | extra


def _psql(sql: str, database: str = "postgres"):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{database}", autocommit=True) as con:
        cursor = con.execute(sql)
        return cursor.fetchall() if cursor.description else None


def synthesise(folder: Path) -> list[Path]:
    """One stream of households (account numbers stay unique) cut into a CSV a branch."""
    from ruhu.premises import synth

    per_branch, extra = divmod(HOUSEHOLDS, BRANCHES)
    stream = synth.rows(HOUSEHOLDS, SEED)
    paths = []
    for index in range(BRANCHES):
        path = folder / f"{branch_code(index)}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(synth.header())
            writer.writerows(next(stream) for _ in range(per_branch + (index < extra)))
        paths.append(path)
    return paths


def import_all(paths: list[Path], env: dict[str, str]) -> dict:
    walls, peak = [], 0.0
    for index, path in enumerate(paths):
        started = time.perf_counter()
        process = subprocess.Popen(
            [*RUHU, "import-households", str(path), "--branch", branch_code(index)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        said = process.stdout.read().strip()
        _pid, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"import of {path.name} failed: {said}")
        walls.append(time.perf_counter() - started)
        peak = max(peak, usage.ru_maxrss / 1024)
        path.unlink()
        if index in (0, 1, 2) or index == len(paths) - 1 or index % 10 == 9:
            print(f"  import {index + 1:>2}/{len(paths)}: {walls[-1]:6.1f} s  ({said})", flush=True)
    print("  every branch, s: " + " ".join(f"{wall:.1f}" for wall in walls), flush=True)
    started = time.perf_counter()
    _psql("VACUUM (ANALYZE)", DATABASE)
    return {"walls": walls, "rss": peak, "analyze": time.perf_counter() - started}


def plan_round(env: dict[str, str]) -> dict:
    """Every branch's plan once, in JOBS processes side by side."""
    codes = [branch_code(index) for index in range(BRANCHES)]
    children = [
        subprocess.Popen(
            [*HERE, "plan", *codes[job::JOBS]], env=env, stdout=subprocess.PIPE, text=True
        )
        for job in range(min(JOBS, BRANCHES))
    ]
    results = []
    for child in children:
        output, _ = child.communicate()
        if child.returncode:
            raise SystemExit("a planning process failed")
        results.append(json.loads(output.strip().splitlines()[-1]))
    walls = [wall for result in results for wall in result["walls"]]
    return {
        "wall": max(r["end"] for r in results) - min(r["start"] for r in results),
        "branch_max": max(walls),
        "branch_median": statistics.median(walls),
        "rss": max(r["rss"] for r in results),
        "summaries": [s for r in results for s in r["summaries"]],
    }


def report_plans(first: dict, rounds: list[dict]) -> dict:
    median = statistics.median(r["wall"] for r in rounds) if rounds else first["wall"]
    rss = max(r["rss"] for r in [first, *rounds])
    summaries = (rounds[-1] if rounds else first)["summaries"]
    planned = sum(s["planned"] for s in summaries)
    unplanned = sum(s["unplanned"] for s in summaries)
    inspectors = sum(s["inspectors"] for s in summaries)
    print(
        f"\nmonthly plans, {BRANCHES} branches, {inspectors:,} inspectors, {JOBS} processes "
        f"side by side:"
    )
    print(
        f"  first drafts {first['wall']:.1f} s; regenerations "
        + " ".join(f"{r['wall']:.1f}" for r in rounds)
        + " s"
    )
    print(
        f"  median {median:.1f} s (target ≤ {TARGETS['plan_s']} s); one branch: median "
        f"{first['branch_median']:.2f} s, slowest {first['branch_max']:.2f} s; "
        f"× {BRANCHES} in one process ≈ {first['branch_median'] * BRANCHES:.0f} s"
    )
    print(f"  planned {planned:,}, unplanned {unplanned:,}; planning process peak RSS {rss:.0f} MB")
    return {"plan_s": median, "rss": rss}


def run() -> None:
    folder = Path(tempfile.mkdtemp(prefix="ruhu-bench-scale-"))
    # a kept database keeps its personal-data keys beside it, for BENCH_SCALE_REUSE
    env = _env(KEPT_VAR if KEEP or REUSE else folder / "var")
    print(
        f"{HOUSEHOLDS:,} households in {BRANCHES} branches, {INSPECTORS:,} inspectors; "
        f"database {DATABASE}; files under {folder}"
    )
    settings = _psql(
        "SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', "
        "'shared_buffers', 'work_mem', 'max_parallel_workers_per_gather')"
    )
    print("PostgreSQL: " + ", ".join(f"{name} {value}" for name, value in settings or []))
    figures: dict = {}
    try:
        reuse = REUSE and _psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")
        if not reuse:
            _psql(f"DROP DATABASE IF EXISTS {DATABASE}")
            _psql(f"CREATE DATABASE {DATABASE}")
            subprocess.run([*RUHU, "migrate", "-v", "0"], env=env, check=True)
            fast = "django.contrib.auth.hashers.MD5PasswordHasher"
            started = time.perf_counter()
            subprocess.run([*HERE, "setup"], env={**env, "RUHU_PASSWORD_HASHERS": fast}, check=True)
            print(f"staff and branches: {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            paths = synthesise(folder)
            size = sum(path.stat().st_size for path in paths) / 1e9
            print(
                f"synthesised {HOUSEHOLDS:,} households ({size:.2f} GB of CSV) in "
                f"{time.perf_counter() - started:.0f} s (untimed for the import)"
            )
            imported = import_all(paths, env)
            total = sum(imported["walls"])
            print(
                f"import: {total:.0f} s in all ({total / 60:.1f} min, target ≤ 15 min), "
                f"{HOUSEHOLDS / total:,.0f} households/s; per branch median "
                f"{statistics.median(imported['walls']):.1f} s, first "
                f"{imported['walls'][0]:.1f} s, last {imported['walls'][-1]:.1f} s; peak RSS "
                f"{imported['rss']:.0f} MB; then VACUUM (ANALYZE) {imported['analyze']:.0f} s"
            )
            figures |= {"import_s": total, "import_rss": imported["rss"]}
            size = _psql(f"SELECT pg_size_pretty(pg_database_size('{DATABASE}'))")
            print(f"database size {size[0][0] if size else '?'}")
        if IMPORT_ONLY:
            return
        if reuse:
            subprocess.run([*RUHU, "migrate", "-v", "0"], env=env, check=True)
        first = plan_round(env)
        rounds = [plan_round(env) for _ in range(REPEATS)]
        figures |= report_plans(first, rounds)
        figures |= queries.run_searches(env)
        queries.run_partition(env)
        queries.run_explains(env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if not KEEP:
            _psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    verdicts(figures)


def verdicts(figures: dict) -> None:
    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print(f"\n10M targets at {HOUSEHOLDS:,} households:")
    if "import_s" in figures:
        print(
            f"  import {figures['import_s'] / 60:.1f} min ≤ 15: "
            f"{mark(figures['import_s'] <= TARGETS['import_s'])}"
        )
    print(
        f"  monthly plan {figures['plan_s']:.1f} s ≤ 120: "
        f"{mark(figures['plan_s'] <= TARGETS['plan_s'])}"
    )
    rss = max(figures.get("import_rss", 0), figures["rss"], figures.get("search_rss", 0))
    print(
        f"  peak RSS of the largest process {rss:.0f} MB ≤ 1024: {mark(rss <= TARGETS['rss_mb'])}"
    )
    p95 = figures["search_p95"]
    print(
        f"  household search, worst kind's p95 {p95:.1f} ms ≤ 20: "
        f"{mark(p95 <= TARGETS['search_p95_ms'])}"
    )


def main() -> None:
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step:
        steps = {
            "setup": child_setup,
            "plan": child_plan,
            "search": queries.child_search,
            "explain": queries.child_explain,
            "partition": queries.child_partition,
        }
        steps[step]()
        return
    from bench.quiet import quiet_machine

    with quiet_machine():
        run()


if __name__ == "__main__":
    main()
