"""The query half of `make bench-scale`: household search timings and the EXPLAINs.

Search goes through the real API (POST /api/v1/households/search with a bearer token, the
first page and its count) as a head-office user and as a branch user, with terms taken from
random households: an exact phone, an exact name, an address fragment (community and
building, as someone types it), a community. EXPLAIN (ANALYZE, BUFFERS) is taken of every
statement one branch's `plan_generate` runs (inside a transaction rolled back) and of the
count and page queries of the household lists (the count as `ruhu.common.pagination`
takes it: exact up to its cap); a plan that reads a big table in full is flagged.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

PASSWORD = "Gas-Safety-Calendar-2027"
HEAD_OFFICE, BRANCH_USER = "scale-head", "scale-reviewer"
TODAY = dt.datetime(2026, 12, 18, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MONTH = dt.date(2027, 1, 1)
TRAINED_ON = dt.date(2026, 6, 1)
TERMS = int(os.environ.get("BENCH_SCALE_TERMS", "60"))
BIG_TABLES = ("premises_household", "inspection_plantask", "inspection_unplannedhousehold")
HERE = [sys.executable, "-m", "bench.scale"]
SERVER_CURSOR = re.compile(
    r"^\s*DECLARE\s+\S+\s+(?:\w+\s+)*?CURSOR\s+(?:WITH(?:OUT)?\s+HOLD\s+)?FOR\s+", re.I
)
WALK = 20_000  # rows a plan may read and throw away before it is flagged


def django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruhu.settings")
    import django as framework

    framework.setup()


def _terms(households) -> dict[str, list[str]]:
    return {
        "phone": [h.phone for h in households if h.phone],
        "name": [h.name for h in households],
        "address": [f"{h.community}{h.building}" for h in households],
        "community": [h.community for h in households],
    }


def _sample(branch_id: int | None) -> list:
    from ruhu.premises.models import Household

    qs = Household.objects.order_by()
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    bounds = qs.values_list("pk", flat=True)
    low, high = bounds.order_by("pk").first(), bounds.order_by("-pk").first()
    picks = random.Random(7).sample(range(low, high + 1), min(TERMS, high - low + 1))
    return list(qs.filter(pk__in=picks))


def child_search() -> None:
    """p50 / p95 of each kind of search for each user; prints them as JSON."""
    django()
    from django.test import Client

    from ruhu.accounts.models import User
    from ruhu.accounts.services.tokens import token_issue

    client = Client()
    results = {}
    for username in (HEAD_OFFICE, BRANCH_USER):
        user = User.objects.get(username=username)
        _token, raw = token_issue(acting_user=user, user=user, name="bench")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        for kind, terms in _terms(_sample(user.branch_id)).items():
            times, found = [], []
            for term in terms[:3] + terms:  # the first three again: a warm-up
                started = time.perf_counter()
                response = client.post(
                    "/api/v1/households/search",
                    {"q": term},
                    content_type="application/json",
                    **headers,
                )
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.content[:200]
                found.append(response.json()["count"])
            times = times[3:]
            results[f"{kind}, {'head office' if user.branch_id is None else 'branch'}"] = {
                "p50": statistics.median(times),
                "p95": statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0],
                "n": len(times),
                "found": statistics.median(found[3:]),
            }
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"results": results, "rss": rss}))


def run_searches(env: dict[str, str]) -> dict:
    done = subprocess.run([*HERE, "search"], env=env, check=True, stdout=subprocess.PIPE, text=True)
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    print("\nhousehold search, POST /api/v1/households/search (first page + count):")
    print(f"  {'kind, user':28} {'p50 ms':>8} {'p95 ms':>8} {'terms':>6} {'found (median)':>15}")
    for label, figures in outcome["results"].items():
        print(
            f"  {label:28} {figures['p50']:8.1f} {figures['p95']:8.1f} {figures['n']:6} "
            f"{figures['found']:15,.0f}"
        )
    worst = max(f["p95"] for f in outcome["results"].values())
    return {"search_p95": worst, "search_rss": outcome["rss"]}


# ---------------------------------------------------------------- EXPLAIN


def _explain(cursor, sql: str) -> str:
    cursor.execute("SAVEPOINT explain")
    try:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())
    except Exception as exc:
        return f"(not explained: {type(exc).__name__}: {exc})"
    finally:
        cursor.execute("ROLLBACK TO SAVEPOINT explain")


def _scans(plan: str) -> list[str]:
    """Big tables read in full, and index walks that filter out more than WALK rows. A
    sequential scan stopped by a LIMIT (a capped count, decision 0032) after reading fewer
    than WALK rows is not a full read."""
    found = [
        f"Seq Scan on {t}"
        for t in BIG_TABLES
        for read in _seq_scan_rows(plan, t)
        if read is None or read > WALK
    ]
    removed = [int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan)]
    if removed and max(removed) > WALK:
        found.append(f"{max(removed):,} rows filtered out")
    return found


def _seq_scan_rows(plan: str, table: str) -> list[int | None]:
    """Rows each sequential scan of `table` read (returned and filtered out, over its loops;
    None when not analysed)."""
    reads = []
    lines = plan.splitlines()
    for number, line in enumerate(lines):
        if not re.search(rf"Seq Scan on {table}\b", line):
            continue
        actual = re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", line)
        if not actual:
            reads.append(None)
            continue
        rows, loops = int(actual[1]), int(actual[2])
        removed = next(
            (int(m[1]) for later in lines[number + 1 : number + 4]
             if (m := re.search(r"Rows Removed by Filter: (\d+)", later))),
            0,
        )  # fmt: skip
        reads.append((rows + removed) * loops)
    return reads


def _list_queries(user, branch_id: int) -> dict[str, object]:
    from ruhu.premises.models import Household
    from ruhu.premises.selectors import household_list

    households = Household.objects.defer("phone", "id_number")  # its plan is the same for any
    sample = households.filter(branch_id=branch_id).order_by("pk")[1000:1001].get()
    cases = {
        "all": {},
        "category": {"category": "commercial"},
        "community": {"community": sample.community},
        "vulnerable": {"vulnerable": True},
        "group rental": {"group_rental": True},
        "key customers": {"key_customer": True},
        "overdue": {"overdue": True},
        "search phone": {"q": "13912345678"},
        "search name": {"q": sample.name},
        "search address": {"q": f"{sample.community}{sample.building}"},
    }
    return {name: household_list(acting_user=user, **filters) for name, filters in cases.items()}


def child_explain() -> None:
    import time_machine

    with time_machine.travel(TODAY, tick=True):
        django()
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        from ruhu.accounts.models import User
        from ruhu.common.pagination import COUNT_CAP, ListPaginator
        from ruhu.inspection.services.plans import plan_generate

        branch = User.objects.get(username=BRANCH_USER).branch  # the last branch
        statements: list[tuple[str, str]] = []
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                plan_generate(acting_user=None, branch=branch, month=MONTH)
            statements += [("plan", q["sql"]) for q in captured.captured_queries]
            transaction.set_rollback(True)
        for username in (BRANCH_USER, HEAD_OFFICE):
            user = User.objects.get(username=username)
            who = "branch" if user.branch_id else "head office"
            for name, qs in _list_queries(user, branch.pk).items():
                # the statements of the list page's first page and its count, as the page
                # runs them (decision 0032: a capped count; a search's keys with its count)
                with CaptureQueriesContext(connection) as captured:
                    list(ListPaginator(qs, 50, cap=COUNT_CAP).get_page(1))
                statements += [(f"list {name}, {who}", q["sql"]) for q in captured]
        flagged = []
        with transaction.atomic(), connection.cursor() as cursor:
            for number, (where, sql) in enumerate(statements, 1):
                sql = SERVER_CURSOR.sub("", sql)  # the due households, read by .iterator()
                if not re.match(r"\s*(SELECT|WITH|UPDATE|DELETE|INSERT)", sql, re.I):
                    continue
                plan = _explain(cursor, sql)
                scans = _scans(plan)
                if scans:
                    flagged.append(f"#{number} {where}: {', '.join(scans)}")
                head = sql if len(sql) < 600 else sql[:600] + f" … ({len(sql):,} characters)"
                print(f"\n--- #{number} {where}{'   ⚠ ' + ', '.join(scans) if scans else ''}")
                print(head)
                print(plan)
            transaction.set_rollback(True)
    verdict = "; ".join(flagged) if flagged else "none (no Seq Scan, no long filtered walk)"
    print(
        f"\n{len(statements)} statements explained; flagged on {', '.join(BIG_TABLES)}: {verdict}"
    )


def run_explains(env: dict[str, str]) -> None:
    print(
        "\nEXPLAIN (ANALYZE, BUFFERS) of one branch's plan and of the household lists:", flush=True
    )
    subprocess.run([*HERE, "explain"], env=env, check=True)


# ---------------------------------------------------------------- what a partition would buy


def child_partition() -> None:
    """The last branch's due households (the plan's big read, the hand-written SELECT of
    bench/plan.py) and its first list page with its count, from the whole table and from a
    copy of the branch alone, indexed alike: what a branch's partition would hold."""
    import time_machine

    with time_machine.travel(TODAY, tick=True):
        django()
        from django.db import connection

        from bench.plan import raw_query_inputs, raw_sql
        from ruhu.accounts.models import User

        branch_id = User.objects.get(username=BRANCH_USER).branch_id
        inputs = json.loads(json.dumps(raw_query_inputs(branch_id)))  # as bench.plan has them
        due_sql, params = raw_sql(inputs, "%s")
        params = [dt.date.fromisoformat(p) if _is_date(p) else p for p in params]
        page = "SELECT * FROM {t} WHERE branch_id = %s ORDER BY account_no LIMIT 50"
        count = "SELECT COUNT(*) FROM {t} WHERE branch_id = %s"
        figures: dict[str, dict[str, float]] = {}
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("DROP TABLE IF EXISTS bench_branch_alone")
            cursor.execute(
                "CREATE TABLE bench_branch_alone AS SELECT * FROM premises_household "
                "WHERE branch_id = %s ORDER BY id",
                [branch_id],
            )
            for columns in ("branch_id, last_inspected_on", "branch_id, account_no"):
                cursor.execute(f"CREATE INDEX ON bench_branch_alone ({columns})")
            cursor.execute("VACUUM ANALYZE bench_branch_alone")
            copied = time.perf_counter() - started
            for table in ("premises_household", "bench_branch_alone"):
                runs = {"due households, fetched": (due_sql, params),
                        "first list page": (page, [branch_id]),
                        "list count": (count, [branch_id])}  # fmt: skip
                for label, (sql, args) in runs.items():
                    sql = sql.replace("premises_household", table).replace("{t}", table)
                    times = []
                    for _ in range(4):  # a warm-up, then three
                        began = time.perf_counter()
                        cursor.execute(sql, args)
                        cursor.fetchall()
                        times.append(time.perf_counter() - began)
                    figures.setdefault(label, {})[table] = statistics.median(times[1:])
            cursor.execute("DROP TABLE bench_branch_alone")
    print(json.dumps({"figures": figures, "copied": copied}))


def _is_date(value) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


def run_partition(env: dict[str, str]) -> None:
    done = subprocess.run([*HERE, "partition"], env=env, check=True, stdout=subprocess.PIPE,
                          text=True)  # fmt: skip
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    print("\nwhat a branch's partition would buy (the last branch; median of 3, warm):")
    print(f"  {'':28} {'whole table':>12} {'branch alone':>13} {'ratio':>6}")
    for label, by_table in outcome["figures"].items():
        whole, alone = by_table["premises_household"], by_table["bench_branch_alone"]
        print(f"  {label:28} {whole * 1000:10.1f}ms {alone * 1000:11.1f}ms "
              f"{whole / alone if alone else 0:6.2f}")  # fmt: skip
    print(f"  (copying the branch out and indexing it took {outcome['copied']:.1f} s)")
