"""`make bench-plan`: a monthly plan for a million households against the raw engine.

Target: the monthly plan of a branch of 1,000,000 households (BENCH_ROWS overrides) and 500
inspectors in at most 10 s on SQLite and on PostgreSQL, peak RSS at most 500 MB.

The data (`ruhu synth households` through `ruhu import-households`, 500 inspectors with a
valid training) is built once per engine and kept: a SQLite file under BENCH_PLAN_DIR
(default /tmp/bench-var-plan) and the PostgreSQL database ruhu_bench_plan on BENCH_PG (a
server on loopback; skipped if unreachable). A later run that finds the data reuses it;
BENCH_PLAN_REBUILD=1 builds it again. Then, for each engine, in the same run:
  (a) `plan_generate` for January 2027 as seen on 2026-12-18 (time-machine; the synthetic
      last inspections end 2026-11-27, so about 340,000 households are due and the 300,000
      visits 500 inspectors can make in its 20 working days bind), in a child process: a
      first generation on an empty plan (also the warm-up), then REPEATS regenerations,
      each replacing the planned tasks; their median wall time, the child's CPU time and
      its peak RSS (wait4);
  (b) the raw engine: a hand-written SELECT of the same due households with the columns the
      plan reads, every row fetched through a DB-API cursor (sqlite3, psycopg); a warm-up,
      then the median of REPEATS; on SQLite also forced to scan the table (NOT INDEXED);
and prints both, the ratio (a)/(b) and the plan's summary (planned, unplanned, loads).
BENCH_ENGINES=sqlite (or postgresql) runs one engine; BENCH_PROFILE=1 adds a cProfile of
one more generation in a child of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
INSPECTORS = 500
PASSWORD = "Gas-Safety-Calendar-2027"
REPEATS = 3
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = "ruhu_bench_plan"
FOLDER = Path(os.environ.get("BENCH_PLAN_DIR", "/tmp/bench-var-plan"))
REBUILD = os.environ.get("BENCH_PLAN_REBUILD") == "1"
ENGINES = os.environ.get("BENCH_ENGINES", "sqlite,postgresql").split(",")
TODAY = dt.datetime(2026, 12, 18, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MONTH = dt.date(2027, 1, 1)
TRAINED_ON = dt.date(2026, 6, 1)  # before the real today and valid all of January 2027
BRANCH, COMPANY = "bench-plan", "bench-plan-co"
RUHU = [sys.executable, "-m", "ruhu.cli"]
HERE = [sys.executable, "-m", "bench.plan"]
PLAN_CHILDREN = (
    "inspection_plantask",
    "inspection_unplannedhousehold",
    "inspection_communitynotice",
)
DUE_COLUMNS = (
    "id, community, building, category, vulnerable, special_cycle_months, "
    "last_inspected_on, first_conversion, gas_since"
)


# ---------------------------------------------------------------- in the child processes


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruhu.settings")
    import django

    django.setup()


def child_state() -> None:
    """How much of the data is there: households of the branch, qualified inspectors."""
    _django()
    from ruhu.accounts.models import OrgUnit, User
    from ruhu.premises.models import Household

    branch = OrgUnit.objects.filter(code=BRANCH).first()
    households = Household.objects.filter(branch=branch).count() if branch else 0
    inspectors = User.objects.filter(branch=branch, role="inspector").count() if branch else 0
    print(json.dumps({"branch": bool(branch), "households": households, "inspectors": inspectors}))


def child_branch() -> None:
    _django()
    from ruhu.accounts.models import OrgUnit
    from ruhu.accounts.services import org_unit_create

    if not OrgUnit.objects.filter(code=BRANCH).exists():
        company = org_unit_create(acting_user=None, kind="company", code=COMPANY, name="bench")
        org_unit_create(acting_user=None, kind="branch", code=BRANCH, name="bench", parent=company)


def child_staff() -> None:
    """500 inspectors through the services, one training of every topic for all of them.
    (The parent runs this child with a fast password hasher: the plan never logs in.)"""
    _django()
    from django.db import transaction

    from ruhu.accounts.models import OrgUnit, User
    from ruhu.accounts.services import user_create
    from ruhu.inspection.models import TrainingTopic
    from ruhu.inspection.services.training import training_record_create

    company, branch = OrgUnit.objects.get(code=COMPANY), OrgUnit.objects.get(code=BRANCH)
    with transaction.atomic():
        lead = User.objects.filter(username="bench-plan-lead").first() or user_create(
            acting_user=None, username="bench-plan-lead", full_name="安检主管", role="admin",
            org_unit=company, password=PASSWORD,
        )  # fmt: skip
        have = set(
            User.objects.filter(branch=branch, role="inspector").values_list("username", flat=True)
        )
        people = [
            user_create(
                acting_user=None,
                username=f"bench-insp-{n:03d}",
                full_name=f"安检员{n}",
                role="inspector",
                org_unit=branch,
                password=PASSWORD,
                badge_no=f"P-{n:03d}",
            )
            for n in range(INSPECTORS)
            if f"bench-insp-{n:03d}" not in have
        ]
        if people:
            training_record_create(
                acting_user=lead, inspectors=people, trained_on=TRAINED_ON,
                topics=list(TrainingTopic.values), trainer="培训中心",
            )  # fmt: skip


def _forget_plans(branch) -> None:
    """Drop the plans an earlier run left, in SQL (untimed), so that the first generation
    starts from none. On PostgreSQL, vacuum what that left: this server may run without
    autovacuum, and a plan table bloated by earlier runs would slow every later one."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in PLAN_CHILDREN:
            cursor.execute(
                f"DELETE FROM {table} WHERE plan_id IN "
                "(SELECT id FROM inspection_plan WHERE branch_id = %s)",
                [branch.pk],
            )
        cursor.execute("DELETE FROM inspection_plan WHERE branch_id = %s", [branch.pk])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {', '.join(PLAN_CHILDREN)}, inspection_plan")


def _generate(branch) -> tuple[float, float, object]:
    """One plan_generate: wall seconds, CPU seconds of this process, the plan."""
    import gc

    from ruhu.inspection.services.plans import plan_generate

    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    plan = plan_generate(acting_user=None, branch=branch, month=MONTH)
    return time.perf_counter() - wall, time.process_time() - cpu, plan


def child_timed() -> None:
    """A first generation (empty plan; also the warm-up), then REPEATS regenerations; prints
    the timings, the last plan's summary and the raw query's inputs."""
    import time_machine

    with time_machine.travel(TODAY, tick=True):
        _django()
        from django.db import connection

        from ruhu.accounts.models import OrgUnit

        branch = OrgUnit.objects.get(code=BRANCH)
        _forget_plans(branch)
        first, _cpu, plan = _generate(branch)
        walls, cpus = [], []
        for _ in range(REPEATS):
            wall, cpu, plan = _generate(branch)
            walls.append(wall)
            cpus.append(cpu)
        autovacuum = "on"
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW autovacuum")
                autovacuum = cursor.fetchone()[0]
        result = {"first": first, "walls": walls, "cpus": cpus, "summary": plan.summary}
        result |= {"raw": raw_query_inputs(branch.pk), "autovacuum": autovacuum}
        print(json.dumps(result))


def child_profile() -> None:
    import cProfile
    import pstats

    import time_machine

    with time_machine.travel(TODAY, tick=True):
        _django()
        from ruhu.accounts.models import OrgUnit
        from ruhu.inspection.services.plans import plan_generate

        branch = OrgUnit.objects.get(code=BRANCH)
        profile = cProfile.Profile()
        profile.enable()
        plan_generate(acting_user=None, branch=branch, month=MONTH)
        profile.disable()
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(r"ruhu|executemany|execute\b|fetchmany", 30)
        stats.sort_stats("tottime").print_stats(15)


def raw_query_inputs(branch_id: int) -> dict:
    """The dates the hand-written query compares with, from the branch's cycle policy on
    the plan's first day (the month's end is the plan's horizon)."""
    import calendar

    from ruhu.premises.due import Cycles, latest_inspection_still_due

    month_end = MONTH.replace(day=calendar.monthrange(MONTH.year, MONTH.month)[1])
    cycles = Cycles.of_branch(branch_id, max(MONTH, TODAY.date() + dt.timedelta(days=7)))

    def cutoff(months: int) -> str:
        return latest_inspection_still_due(month_end, months).isoformat()

    return {
        "branch_id": branch_id,
        "first_conversion_before": (
            month_end - dt.timedelta(days=cycles.first_conversion_days)
        ).isoformat(),
        "categories": {
            category: [cutoff(months), cutoff(min(months, cycles.vulnerable))]
            for category, months in cycles.months.items()
            if category != "special"
        },
        "special": {
            "default": [cutoff(cycles.months["special"]),
                        cutoff(min(cycles.months["special"], cycles.vulnerable))],
            "low": cycles.special_min,
            "high": cycles.special_max,
            "own": {months: [cutoff(months), cutoff(min(months, cycles.vulnerable))]
                    for months in range(cycles.special_min, cycles.special_max + 1)},
        },
    }  # fmt: skip


# ---------------------------------------------------------------- the raw engine


def raw_sql(inputs: dict, mark: str) -> tuple[str, list]:
    """SELECT the due households by hand: never inspected (a first-time conversion once its
    days are up), or last inspected on or before the cut-off of its category's cycle (the
    shorter vulnerable cycle for vulnerable households; a special site's own cycle, clamped
    to the policy's range). `mark` is the driver's placeholder."""
    sql = [f"SELECT {DUE_COLUMNS} FROM premises_household WHERE branch_id = {mark} AND ("]
    params: list = [inputs["branch_id"]]
    sql.append(f"(last_inspected_on IS NULL AND (first_conversion = {mark} "
               f"OR gas_since IS NULL OR gas_since <= {mark}))")  # fmt: skip
    params += [False, inputs["first_conversion_before"]]
    for category, (normal, vulnerable) in inputs["categories"].items():
        sql.append(f" OR (category = {mark} AND (last_inspected_on <= {mark} "
                   f"OR (vulnerable = {mark} AND last_inspected_on <= {mark})))")  # fmt: skip
        params += [category, normal, True, vulnerable]
    special = inputs["special"]
    low, high, own = special["low"], special["high"], special["own"]

    def case(which: int) -> str:  # the special site's cut-off: 0 plain, 1 vulnerable
        text = (f"CASE WHEN special_cycle_months IS NULL THEN {mark} "
                f"WHEN special_cycle_months <= {mark} THEN {mark} "
                f"WHEN special_cycle_months >= {mark} THEN {mark}")  # fmt: skip
        params.extend([special["default"][which], low, own[str(low)][which], high,
                       own[str(high)][which]])  # fmt: skip
        for months in range(low + 1, high):
            text += f" WHEN special_cycle_months = {mark} THEN {mark}"
            params.extend([months, own[str(months)][which]])
        return text + " END"

    sql.append(f" OR (category = {mark} AND (last_inspected_on <= ")
    params.append("special")
    sql.append(case(0))
    sql.append(f" OR (vulnerable = {mark} AND last_inspected_on <= ")
    params.append(True)
    sql.append(case(1) + "))))")
    return "".join(sql), params


def _fetch_all(execute) -> tuple[float, int]:
    start = time.perf_counter()
    rows = execute().fetchall()
    return time.perf_counter() - start, len(rows)


def raw_sqlite(path: Path, inputs: dict, *, scan: bool = False) -> tuple[float, int]:
    """The hand-written query through sqlite3; `scan`: told to read the table in order
    (NOT INDEXED) instead of the planner's choice."""
    sql, params = raw_sql(inputs, "?")
    if scan:
        sql = sql.replace("FROM premises_household", "FROM premises_household NOT INDEXED")
    con = sqlite3.connect(path)
    try:
        return _fetch_all(lambda: con.execute(sql, params))
    finally:
        con.close()


def _is_date(value) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


def raw_postgres(dsn: str, inputs: dict) -> tuple[float, int]:
    import psycopg

    sql, params = raw_sql(inputs, "%s")
    params = [
        dt.date.fromisoformat(p) if isinstance(p, str) and p[:2] == "20" else p for p in params
    ]
    with psycopg.connect(dsn) as con:
        return _fetch_all(lambda: con.execute(sql, params))


def median_raw(raw, inputs: dict) -> tuple[float, int]:
    """A warm-up, then the median of REPEATS runs."""
    raw(inputs)
    runs = [raw(inputs) for _ in range(REPEATS)]
    return statistics.median(seconds for seconds, _ in runs), runs[-1][1]


# ---------------------------------------------------------------- the parent


def _env(var_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["RUHU_VAR_DIR"] = str(var_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def _child(step: str, env: dict[str, str]) -> dict:
    done = subprocess.run([*HERE, step], env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def synthesise() -> Path:
    path = FOLDER / f"households-{ROWS}.csv"
    if not path.exists():
        FOLDER.mkdir(parents=True, exist_ok=True)
        subprocess.run([*RUHU, "synth", "households", "--count", str(ROWS), "--out", str(path),
                        "--seed", "2026"], check=True, env=_env(FOLDER / "synth"))  # fmt: skip
    return path


def prepare(engine: str, env: dict[str, str], wipe, households: Path) -> None:
    """Make sure the engine's database holds the branch, its households and inspectors."""
    subprocess.run([*RUHU, "migrate", "-v", "0"], env=env, check=True)
    state = _child("state", env)
    if REBUILD or state["households"] not in (0, ROWS):
        print(f"{engine}: rebuilding the benchmark's database")
        wipe()
        subprocess.run([*RUHU, "migrate", "-v", "0"], env=env, check=True)
        state = {"households": 0, "inspectors": 0}
    if state["households"] == 0:
        print(f"{engine}: loading {ROWS:,} households (once; kept for later runs)")
        subprocess.run([*HERE, "branch"], env=env, check=True)
        started = time.perf_counter()
        subprocess.run([*RUHU, "import-households", str(households), "--branch", BRANCH],
                       env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        print(f"{engine}: loaded in {time.perf_counter() - started:.0f} s")
    if state["inspectors"] < INSPECTORS:
        fast = "django.contrib.auth.hashers.MD5PasswordHasher"
        subprocess.run([*HERE, "staff"], env={**env, "RUHU_PASSWORD_HASHERS": fast}, check=True)


def timed(env: dict[str, str]) -> tuple[dict, float]:
    """The generations in a child, and the child's peak RSS in MB (wait4)."""
    process = subprocess.Popen([*HERE, "timed"], env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, process.args)
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def report(engine: str, result: dict, peak: float, raws: dict[str, tuple[float, int]]) -> None:
    summary = result["summary"]
    plan_s = statistics.median(result["walls"])
    listed = summary["planned"] + summary["unplanned"] + summary["kept"]
    print(f"{engine}, {ROWS:,} households, {summary['inspectors']} inspectors, "
          f"{summary['working_days']} working days from {summary['first_day']}:")  # fmt: skip
    runs = " ".join(f"{w:.2f}" for w in result["walls"])
    print(f"  plan_generate {MONTH:%Y-%m}: first (empty plan) {result['first']:.2f} s, then "
          f"regenerations {runs} s")  # fmt: skip
    print(f"    median {plan_s:6.2f} s   (CPU of the planning process "
          f"{statistics.median(result['cpus']):.2f} s)   peak RSS {peak:4.0f} MB")  # fmt: skip
    for label, (raw_s, rows) in raws.items():
        print(f"  raw engine, {label:<38} {raw_s:6.2f} s  ratio plan/raw {plan_s / raw_s:5.1f}")
        if rows != listed:
            print(f"  WARNING: the raw query found {rows:,} due households, the plan {listed:,}")
    low, high, ratio = summary["load_min"], summary["load_max"], summary["load_ratio"]
    reasons = ", ".join(f"{k} {v:,}" for k, v in summary["unplanned_reasons"].items())
    print(f"  due {listed:,}: planned {summary['planned']:,}, unplanned {summary['unplanned']:,} "
          f"({reasons or '-'}), kept {summary['kept']:,}; "
          f"loads {low}–{high} a inspector (ratio {ratio})")  # fmt: skip
    verdict = "met" if plan_s <= 10 and peak <= 500 else "MISSED"
    print(f"  target ≤ 10 s and ≤ 500 MB: {verdict}")
    if result.get("autovacuum") == "off":
        print("  (this server runs with autovacuum off; the benchmark vacuums its plan tables)")


def run_engine(engine: str, env: dict[str, str], wipe, households: Path, raws: dict) -> None:
    prepare(engine, env, wipe, households)
    result, peak = timed(env)
    measured = {label: median_raw(raw, result["raw"]) for label, raw in raws.items()}
    report(engine, result, peak, measured)
    if os.environ.get("BENCH_PROFILE"):
        subprocess.run([*HERE, "profile"], env=env, check=True)
    sys.stdout.flush()


def main() -> None:
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step:
        {"state": child_state, "branch": child_branch, "staff": child_staff,
         "timed": child_timed, "profile": child_profile}[step]()  # fmt: skip
        return
    from bench.quiet import quiet_machine

    with quiet_machine():
        run_engines()


def run_engines() -> None:
    import psycopg

    print(f"data in {FOLDER}")
    households = synthesise()

    folder = FOLDER / "sqlite"

    def wipe_sqlite() -> None:
        shutil.rmtree(folder, ignore_errors=True)

    if "sqlite" in ENGINES:
        path = folder / "ruhu.sqlite3"
        raws = {
            "same SELECT, fetch all (planner's plan)": lambda inputs: raw_sqlite(path, inputs),
            "same SELECT, NOT INDEXED (table scan)": lambda i: raw_sqlite(path, i, scan=True),
        }
        run_engine("SQLite", _env(folder), wipe_sqlite, households, raws)

    if "postgresql" not in ENGINES:
        return
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
            if not con.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               [DATABASE]).fetchone():  # fmt: skip
                con.execute(f"CREATE DATABASE {DATABASE}")
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL at {PG_SERVER} unreachable, its half was not run: {exc}")
        return

    def wipe_postgres() -> None:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            con.execute(f"CREATE DATABASE {DATABASE}")

    dsn = f"{PG_SERVER}/{DATABASE}"
    raws = {"same SELECT, fetch all": lambda inputs: raw_postgres(dsn, inputs)}
    run_engine("PostgreSQL", _env(FOLDER / "pg", dsn), wipe_postgres, households, raws)
    print(f"(the databases are kept for the next run: {FOLDER}, {DATABASE} on {PG_SERVER})")


if __name__ == "__main__":
    main()
