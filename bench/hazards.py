"""`make bench-hazards`: the hazard clock and the rectification rates against the raw engine.

Targets (issue "Hazard rectification loop"): the daily clock over 500,000 open hazards in at
most 30 s on SQLite and on PostgreSQL, a second run the same day doing nothing in at most
2 s; the rectification-rate page at 1,000,000 households and 500,000 hazards at p95 ≤ 300 ms.

The data is built once per engine and kept: a SQLite file under BENCH_HAZARDS_DIR (default
/tmp/bench-var-hazards) with a pristine copy beside it, and the PostgreSQL database
ruhu_bench_hazards (BENCH_HAZARDS_DB) on BENCH_PG (a server on loopback; skipped if
unreachable), used only as a template. A later run applies the code's new migrations to the
kept data (and keeps them); BENCH_HAZARDS_REBUILD=1 builds it again. The build:
  - migrate (the hazard catalogue and the loop's policies come with it); a company with
    BRANCHES branches, a head-office manager, and in each branch an inspection lead (with
    an e-mail: late company copies alert them), inspectors and repairers (services);
  - BENCH_ROWS households (default 1,000,000) from `ruhu synth households`, split in
    BRANCHES files and loaded with `ruhu import-households`, one file per branch;
  - BENCH_HAZARDS open hazards (default 500,000) and BENCH_CLOSED closed ones (default as
    many: a year of a company that size also closed cases, and the rates count both; so the
    rate page reads 1,000,000 hazards, the harder reading of the target), written
    set-based in SQL (COPY on PostgreSQL, executemany in one transaction on SQLite), not
    through the services, which would take hours: found over the 12 months before the bench
    day, levels 1/2/3 at 15/45/40 %, open states 40 % noticed, 10 % renoticed, 10 %
    dispatched, 5 % pm_lettered, 5 % sealed and 30 % waiting on a person (found,
    renotice_due, limit_due, limited, stop_noticed, seal_due, handed_over, arranged,
    rectified); closed ones resolved on the spot 50 %, rectified 42 %, supply terminated
    5 %, withdrawn 3 %. Of the 300,000 cases the clock waits on, DUE_SHARE (a quarter) have
    a deadline passed in the week before the bench day, as after an outage of the job: the
    first run moves about 75,000 cases. Every hazard points at one Attachment row (its
    before-photo) and has its history: one HazardStep per step taken (about 3.4 steps a
    case) and one audit row. Each open case past its first notice has its rectification
    notice (no M2M links: nothing timed reads them); 2 % of the company copies due in the
    last week are late and not yet alerted, so the clock's copy alerts have work too.
    The rates' monthly tally, where the code keeps one, is then counted again from the
    cases (`hazard_tally_rebuild`, as after any bulk load). On PostgreSQL the build ends
    with VACUUM ANALYZE (this server runs without autovacuum, which in production would
    have analysed the tables); on SQLite it runs no ANALYZE of the hazard tables, as the
    application never does.

Each measurement starts from the pristine data: SQLite copies the pristine file over the
working one; PostgreSQL creates ruhu_bench_hazards_run from the template (STRATEGY
FILE_COPY) and drops it after. Then, per engine, in the same run:
  (a) `hazard_clock_run(today=BENCH_DAY)` in a child process (time-machine at 02:00 on the
      bench day, the job's hour): the first run's wall time, cases moved (run.moved), then a
      second run the same day (its time, and it must move nothing); the child's peak RSS
      (wait4); REPEATS times, each on fresh data; medians;
  (b) the raw engine doing the same work through the DB-API in one transaction, committed,
      on fresh data: per rung an INSERT … SELECT of the steps, one of the audit rows and
      one UPDATE of the due cases, then the clock-run row and the copy alerts (the outbox
      rows written with the recipient in clear: the app encrypts it); the ratio (a)/(b);
  (c) `rectification_rates(start=Jan 1, end=BENCH_DAY)` for the head-office manager and a
      branch lead (selector, median of SELECTOR_REPEATS), and the page /hazards/rates/ and
      the API /api/v1/hazards/rates through Django's test client in-process, logged in
      (the whole middleware stack, session and template; no gunicorn): WARMUP requests,
      then REQUESTS timed ones (fewer past REQUEST_BUDGET seconds, never fewer than LEAST),
      p50/p95; next to the raw engine counting the same cases with a plain GROUP BY (the
      page runs two: by branch and level, and by level) and, where the code keeps the
      monthly HazardTally, next to the raw engine reading it as the selector does (the
      whole months from the tally, the part-month counted from the cases).
BENCH_ENGINES=sqlite (or postgresql) runs one engine; BENCH_PROFILE=1 adds a cProfile of
one clock run (fresh data) in a child of its own; BENCH_REPEATS overrides REPEATS.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
OPEN = int(os.environ.get("BENCH_HAZARDS", "500000"))
CLOSED = int(os.environ.get("BENCH_CLOSED", str(OPEN)))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
SELECTOR_REPEATS, SELECTOR_BUDGET = 10, 20.0  # at most 10 calls, or fewer after 20 s
REQUESTS, REQUEST_BUDGET, WARMUP = 100, 60.0, 5  # the same for requests
LEAST = 10  # timed calls whatever the budget
BRANCHES, INSPECTORS, REPAIRERS = 4, 5, 2  # inspectors and repairers per branch
DUE_SHARE = 0.25
LATE_COPY_SHARE = 0.02
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
DATABASE = os.environ.get("BENCH_HAZARDS_DB", "ruhu_bench_hazards")
RUN_DATABASE = f"{DATABASE}_run"
FOLDER = Path(os.environ.get("BENCH_HAZARDS_DIR", "/tmp/bench-var-hazards"))
REBUILD = os.environ.get("BENCH_HAZARDS_REBUILD") == "1"
ENGINES = os.environ.get("BENCH_ENGINES", "sqlite,postgresql").split(",")
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 17)  # a Thursday
NIGHT = dt.datetime(2026, 12, 17, 2, 0, tzinfo=SHANGHAI)  # when the clock runs
OFFICE_HOURS = dt.datetime(2026, 12, 17, 10, 0, tzinfo=SHANGHAI)  # when the rates are read
YEAR_START = DAY.replace(month=1, day=1)
COMPANY, BRANCH = "bench-hz-co", "bench-hz"  # branches bench-hz-1 … bench-hz-4
OFFICE, LEAD = "bench-hz-office", "bench-hz-lead-1"
PASSWORD = "Rectify-Within-Seven-Days"
SEED = 2026
RUHU = [sys.executable, "-m", "ruhu.cli"]
HERE = [sys.executable, "-m", "bench.hazards"]
TARGETS = {"first": 30.0, "second": 2.0, "p95": 0.300}

# the clock's rungs written out by hand for the raw SQL, as the `clock` rows of
# ruhu.hazards.workflow declare them: (waiting state, step, next state, due on the day itself)
RUNGS = (
    ("noticed", "renotice_due", "renotice_due", False),
    ("renoticed", "limit_due", "limit_due", False),
    ("pm_lettered", "seal_due", "seal_due", False),
    ("sealed", "handed_over", "handed_over", True),
)
# open states and their shares; the rest wait on a person
OPEN_STATES = {
    "noticed": 40, "renoticed": 10, "dispatched": 10, "pm_lettered": 5, "sealed": 5,
    "found": 4, "renotice_due": 4, "limit_due": 3, "limited": 3, "stop_noticed": 2,
    "seal_due": 2, "handed_over": 2, "arranged": 6, "rectified": 4,
}  # fmt: skip
RESOLUTIONS = {"on_spot": 50, "rectified": 42, "supply_terminated": 5, "withdrawn": 3}
# the steps behind each state (kind, to_state), the case's history
LADDER = [
    ("noticed", "noticed"), ("renotice_due", "renotice_due"), ("renoticed", "renoticed"),
    ("limit_due", "limit_due"), ("limited", "limited"), ("stop_noticed", "stop_noticed"),
    ("pm_lettered", "pm_lettered"), ("seal_due", "seal_due"), ("sealed", "sealed"),
    ("handed_over", "handed_over"),
]  # fmt: skip
FOUND = [("found", "found")]


def _path(state: str, resolution: str = "") -> list[tuple[str, str]]:
    if state == "closed":
        ends = {
            "on_spot": [("fixed_on_spot", "closed")],
            "rectified": [("noticed", "noticed"), ("arranged", "arranged"),
                          ("rectified", "rectified"), ("closed", "closed")],
            "supply_terminated": [*LADDER, ("outcome", "closed")],
            "withdrawn": [("withdrawn", "closed")],
        }  # fmt: skip
        return FOUND + ends[resolution]
    if state == "found":
        return FOUND
    if state == "dispatched":
        return [*FOUND, ("dispatched", "dispatched")]
    if state in ("arranged", "rectified"):
        tail = [("arranged", "arranged")] + ([("rectified", "rectified")] * (state == "rectified"))
        return [*FOUND, ("noticed", "noticed"), *tail]
    rung = next(n for n, (_kind, to) in enumerate(LADDER) if to == state)
    return FOUND + LADDER[: rung + 1]


# ---------------------------------------------------------------- in the child processes


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruhu.settings")
    import django

    django.setup()


def child_state() -> None:
    """How much of the data is there."""
    _django()
    from ruhu.accounts.models import OrgUnit
    from ruhu.hazards.models import Hazard
    from ruhu.premises.models import Household

    branches = OrgUnit.objects.filter(code__startswith=f"{BRANCH}-", kind="branch")
    print(json.dumps({"branches": branches.count(),
                      "households": Household.objects.filter(branch__in=branches).count(),
                      "hazards": Hazard.objects.count(),
                      "open": Hazard.objects.exclude(state="closed").count()}))  # fmt: skip


def child_setup() -> None:
    """The company, its branches and people, through the services. (The parent runs this
    child with a fast password hasher: nobody logs in with a password here.)"""
    _django()
    from django.db import transaction

    from ruhu.accounts.models import OrgUnit
    from ruhu.accounts.services import org_unit_create, user_create

    if OrgUnit.objects.filter(code=COMPANY).exists():
        return
    with transaction.atomic():
        company = org_unit_create(acting_user=None, kind="company", code=COMPANY, name="bench")
        user_create(acting_user=None, username=OFFICE, full_name="总部经理", role="manager",
                    org_unit=company, password=PASSWORD)  # fmt: skip
        for b in range(1, BRANCHES + 1):
            branch = org_unit_create(acting_user=None, kind="branch", code=f"{BRANCH}-{b}",
                                     name=f"第{b}分公司", parent=company)  # fmt: skip
            user_create(acting_user=None, username=f"{BRANCH}-lead-{b}", full_name=f"主管{b}",
                        role="inspection_lead", org_unit=branch, password=PASSWORD,
                        email=f"lead{b}@bench.example")  # fmt: skip
            for n in range(INSPECTORS):
                user_create(acting_user=None, username=f"{BRANCH}-insp-{b}-{n}",
                            full_name=f"安检员{b}-{n}", role="inspector", org_unit=branch,
                            password=PASSWORD, badge_no=f"H{b}-{n:03d}")  # fmt: skip
            for n in range(REPAIRERS):
                user_create(acting_user=None, username=f"{BRANCH}-fix-{b}-{n}",
                            full_name=f"维修员{b}-{n}", role="repairer", org_unit=branch,
                            password=PASSWORD)  # fmt: skip


class Writer:
    """Set-based inserts on the Django connection: COPY on PostgreSQL, executemany on
    SQLite (values adapted the way Django stores them there)."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"

    def _sqlite_value(self, value):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, dt.datetime):
            return str(value.astimezone(dt.UTC).replace(tzinfo=None))
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, uuid.UUID):
            return value.hex
        return value

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [tuple(self._sqlite_value(v) for v in row) for row in rows],
                )


HAZARD_COLUMNS = (
    "id", "branch_id", "household_id", "hazard_type_id", "level", "item", "description",
    "route", "state", "found_on", "found_by_id", "found_visit_id", "found_position",
    "before_photo_id", "due_on", "since", "assignee_id", "serious", "supply_hold",
    "step_count", "rectified_on", "closed_on", "resolution", "created_at", "updated_at",
)  # fmt: skip
STEP_COLUMNS = (
    "id", "hazard_id", "number", "kind", "from_state", "to_state", "effective_on", "at",
    "actor_id", "due_on", "note", "payload_sha256", "chained",
)  # fmt: skip
AUDIT_COLUMNS = (
    "occurred_at", "actor_id", "actor_label", "action", "target_type_id", "target_id",
    "target_repr", "branch_id", "changes", "reason", "via",
)  # fmt: skip
NOTICE_COLUMNS = (
    "id", "branch_id", "household_id", "community", "kind", "number", "issued_on",
    "issued_by_id", "deadline", "delivery_method", "delivered_on", "delivered_by_id",
    "tracking_number", "recipient", "copy_due_at", "copy_received_at", "copy_alerted_at",
    "created_at", "render_error",
)  # fmt: skip
HOLDS = {"limited": "limited", "stop_noticed": "limited", "pm_lettered": "limited",
         "seal_due": "limited", "sealed": "sealed", "handed_over": "sealed"}  # fmt: skip
CLOCK_GAPS = {"noticed": 7, "renoticed": 7, "pm_lettered": 7, "sealed": 0}  # days to deadline


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI).astimezone(dt.UTC)


def _open_dates(rng: random.Random, state: str) -> tuple[dt.date, dt.date | None]:
    """(since, due_on) of an open case in `state` on the bench day."""
    if state in CLOCK_GAPS:
        gap, inclusive = CLOCK_GAPS[state], state == "sealed"
        if rng.random() < DUE_SHARE:  # the deadline passed in the last week
            due = DAY - dt.timedelta(days=rng.randint(0 if inclusive else 1, 6 + (not inclusive)))
        else:
            due = DAY + dt.timedelta(days=rng.randint(1 if inclusive else 0, max(gap, 7)))
        return min(DAY, due - dt.timedelta(days=gap)), due
    since = DAY - dt.timedelta(days=rng.randint(0, 20 if state == "dispatched" else 90))
    return since, (since + dt.timedelta(days=5)) if state == "dispatched" else None


def child_hazards() -> None:
    """OPEN open and CLOSED closed hazards with their steps, audit rows and notices,
    written set-based in one transaction, CHUNK cases at a time."""
    _django()
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from ruhu.accounts.models import OrgUnit, User
    from ruhu.common.models import Attachment
    from ruhu.hazards.models import Hazard, HazardType
    from ruhu.premises.models import Household

    rng = random.Random(SEED)
    branches = list(
        OrgUnit.objects.filter(code__startswith=f"{BRANCH}-", kind="branch").order_by("code")
    )
    households = {
        b.pk: list(Household.objects.filter(branch=b).values_list("pk", flat=True))
        for b in branches
    }
    people = {
        (b.pk, role): list(
            User.objects.filter(branch=b, role=role).order_by("pk").values_list("pk", flat=True)
        )
        for b in branches
        for role in ("inspector", "repairer")
    }
    types: dict[int, list[int]] = {1: [], 2: [], 3: []}
    for pk, level in HazardType.objects.values_list("pk", "default_level"):
        types[level].append(pk)
    content_type = ContentType.objects.get_for_model(Hazard).pk
    photo = Attachment.objects.create(
        kind="photo", file="attachments/bench-hazard-before.jpg", sha256="0" * 64,
        original_sha256="0" * 64, size=48_000, content_type="image/jpeg", extension=".jpg",
    )  # fmt: skip
    writer = Writer(connection)
    open_states, open_weights = list(OPEN_STATES), list(OPEN_STATES.values())
    resolutions, resolution_weights = list(RESOLUTIONS), list(RESOLUTIONS.values())
    total, chunk = OPEN + CLOSED, 50_000
    descriptions = ["软管老化龟裂", "燃气表锈蚀", "管道穿越卧室", "热水器无烟道", "其他"]
    oldest = DAY - dt.timedelta(days=364)
    with transaction.atomic():
        for start in range(1, total + 1, chunk):
            cases, steps, audits, notices = [], [], [], []
            for pk in range(start, min(start + chunk, total + 1)):
                branch = branches[pk % len(branches)].pk
                household = rng.choice(households[branch])
                finder = rng.choice(people[(branch, "inspector")])
                level = rng.choices((1, 2, 3), (15, 45, 40))[0]
                is_open = pk <= OPEN
                resolution, assignee, rectified_on, closed_on = "", None, None, None
                if is_open:
                    state = rng.choices(open_states, open_weights)[0]
                    since, due_on = _open_dates(rng, state)
                    found_on = since - dt.timedelta(days=rng.randint(0, (since - oldest).days))
                    route = "repair" if state == "dispatched" else "notice"
                    if state == "dispatched" and rng.random() < 0.7:
                        assignee = rng.choice(people[(branch, "repairer")])
                    hold = HOLDS.get(state, "limited" if state == "rectified" and
                                     rng.random() < 0.3 else "")  # fmt: skip
                else:
                    state, due_on, hold = "closed", None, ""
                    resolution = rng.choices(resolutions, resolution_weights)[0]
                    found_on = DAY - dt.timedelta(days=rng.randint(0, 364))
                    route = "on_spot" if resolution == "on_spot" else "notice"
                    days = 0 if resolution in ("on_spot", "withdrawn") else rng.randint(8, 60)
                    closed_on = since = min(DAY, found_on + dt.timedelta(days=days))
                    if resolution in ("on_spot", "rectified"):
                        rectified_on = closed_on
                path = _path(state, resolution)
                created, updated = _at(found_on, 10), _at(since, 11)
                cases.append((
                    pk, branch, household, rng.choice(types[level]), level, "",
                    rng.choice(descriptions), route, state, found_on, finder, None, None,
                    photo.pk, due_on, since, assignee, level == 1 and route != "on_spot", hold,
                    len(path), rectified_on, closed_on, resolution, created, updated,
                ))  # fmt: skip
                previous, span = "", (since - found_on).days
                for number, (kind, to_state) in enumerate(path, 1):
                    effective = found_on + dt.timedelta(
                        days=span * (number - 1) // max(1, len(path) - 1)
                    )
                    last = number == len(path)
                    steps.append((
                        uuid.UUID(int=rng.getrandbits(128), version=4), pk, number, kind,
                        previous, to_state, effective, _at(effective, 11, number),
                        None if kind in ("renotice_due", "limit_due", "seal_due",
                                         "handed_over") else finder,
                        due_on if last else None, "", "", False,
                    ))  # fmt: skip
                    previous = to_state
                audits.append((
                    created, finder, "", "hazard.found", content_type, str(pk), f"#{pk}",
                    branch, json.dumps({"state": ["", "found"]}), "", "visit",
                ))  # fmt: skip
                if route == "notice" and is_open and state != "found":
                    issued = since if state == "noticed" else min(since, found_on + dt.timedelta(1))
                    copy_due = _at(issued, 18) + dt.timedelta(hours=48)
                    received, alerted = copy_due - dt.timedelta(hours=20), None
                    if copy_due > NIGHT:
                        received = None
                    elif copy_due > NIGHT - dt.timedelta(days=7):
                        if rng.random() < LATE_COPY_SHARE:
                            received = None
                    elif rng.random() < 0.01:
                        received, alerted = None, copy_due + dt.timedelta(hours=8)
                    notices.append((
                        pk, branch, household, "", "rectify", f"HZB{pk:010d}", issued, finder,
                        issued + dt.timedelta(days=7), "handed", issued, finder, "", "",
                        copy_due, received, alerted, _at(issued, 16), "",
                    ))  # fmt: skip
            writer.write("hazards_hazard", HAZARD_COLUMNS, cases)
            writer.write("hazards_hazardstep", STEP_COLUMNS, steps)
            writer.write("common_auditevent", AUDIT_COLUMNS, audits)
            writer.write("hazards_hazardnotice", NOTICE_COLUMNS, notices)
            print(f"  {min(start + chunk - 1, total):,} hazards written", flush=True)
        if writer.postgres:
            with connection.cursor() as cursor:
                for table in ("hazards_hazard", "hazards_hazardnotice"):
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT max(id) FROM {table}))")  # fmt: skip
    try:  # the rates' monthly tally, where the code keeps one: count the cases loaded
        from ruhu.hazards.services.tally import hazard_tally_rebuild
    except ImportError:
        pass
    else:
        hazard_tally_rebuild()
    if writer.postgres:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _flush_queue() -> None:
    """Drop the dispatch jobs the copy alerts queued: no consumer runs here."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush()


def _due_counts() -> dict[str, int]:
    from ruhu.hazards.models import Hazard, HazardNotice

    counts = {}
    for waiting, _step, to, inclusive in RUNGS:
        due = {"due_on__lte" if inclusive else "due_on__lt": DAY}
        counts[to] = Hazard.objects.filter(state=waiting, **due).count()
    counts["copy_alerts"] = HazardNotice.objects.filter(
        copy_due_at__lt=NIGHT, copy_received_at__isnull=True, copy_alerted_at__isnull=True
    ).count()
    return counts


def child_clock() -> None:
    """The first clock run of the bench day and a second one the same day."""
    import gc

    import time_machine

    with time_machine.travel(NIGHT, tick=True):
        _django()
        from ruhu.hazards.services.clock import hazard_clock_run

        due = _due_counts()
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        first = hazard_clock_run(today=DAY)
        first_s, first_cpu = time.perf_counter() - wall, time.process_time() - cpu
        wall = time.perf_counter()
        second = hazard_clock_run(today=DAY)
        second_s = time.perf_counter() - wall
        _flush_queue()
        print(json.dumps({"due": due, "first": first_s, "first_cpu": first_cpu,
                          "moved": first.moved, "second": second_s,
                          "moved_again": second.moved}))  # fmt: skip


def child_profile() -> None:
    import cProfile
    import pstats

    import time_machine

    with time_machine.travel(NIGHT, tick=True):
        _django()
        from ruhu.hazards.services.clock import hazard_clock_run

        profile = cProfile.Profile()
        profile.enable()
        run = hazard_clock_run(today=DAY)
        profile.disable()
        _flush_queue()
        print(f"--- one clock run, moved {run.moved}, by cumulative time")
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(
            r"ruhu/|bulk_create|execute\b|executemany|_batched_insert|commit|update\b", 35
        )
        print("--- by own time")
        stats.sort_stats("tottime").print_stats(20)


def _timings(call, most: int, budget: float, warmup: int = 1) -> tuple[list[float], Any]:
    """Warm-up calls (at most `warmup`, fewer once they took a tenth of `budget`), then
    `most` timed calls, or fewer once `budget` seconds are spent, but at least LEAST."""
    began = time.perf_counter()
    for _ in range(warmup):
        call()
        if time.perf_counter() - began > budget / 10:
            break
    times: list[float] = []
    result = None
    began = time.perf_counter()
    while len(times) < most and (len(times) < LEAST or time.perf_counter() - began < budget):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return times, result


def _median_of(call) -> tuple[float, Any]:
    times, result = _timings(call, SELECTOR_REPEATS, SELECTOR_BUDGET)
    return statistics.median(times), result


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    count = len(ordered)
    return {f"p{p}": ordered[min(count - 1, int(p / 100 * count))] for p in (50, 95, 99)} | {
        "max": ordered[-1],
        "n": count,
    }


def child_rates() -> None:
    """The selector, the page and the API for the head office and one branch lead."""
    import time_machine

    with time_machine.travel(OFFICE_HOURS, tick=True):
        _django()
        from django.db import connection
        from django.test import Client

        from ruhu.accounts.models import User
        from ruhu.hazards.selectors import rectification_rates

        query = f"start={YEAR_START}&end={DAY}"
        out: dict = {"plans": {}}
        for who, username in (("head office", OFFICE), ("branch lead", LEAD)):
            user = User.objects.get(username=username)
            by_branch, rows = _median_of(
                lambda user=user: rectification_rates(acting_user=user, start=YEAR_START,
                                                      end=DAY))  # fmt: skip
            by_level, _ = _median_of(
                lambda user=user: rectification_rates(acting_user=user, start=YEAR_START,
                                                      end=DAY, by_branch=False))  # fmt: skip
            result = {
                "selector": by_branch, "selector_levels": by_level, "groups": len(rows),
                "found": sum(r.found for r in rows),
                "rectified": sum(r.rectified for r in rows),
            }  # fmt: skip
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            for label, url in (("page", f"/hazards/rates/?{query}"),
                               ("api", f"/api/v1/hazards/rates?{query}")):  # fmt: skip

                def get(url=url, client=client):
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code)

                latencies, _ = _timings(get, REQUESTS, REQUEST_BUDGET, WARMUP)
                result[label] = _percentiles(latencies)
            out[who] = result
        # how the engine runs the rate queries
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (COSTS OFF) "
        with connection.cursor() as cursor:
            for label, (sql, params) in raw_rate_sql("%s", None).items():  # the naive count
                cursor.execute(explain + sql, params)
                out["plans"][label] = " | ".join(str(row[-1]) for row in cursor.fetchall())
        print(json.dumps(out))


# ---------------------------------------------------------------- the raw engine


def raw_rate_sql(
    mark: str, branch_id: int | None, start: dt.date = YEAR_START, end: dt.date = DAY
) -> dict[str, tuple[str, list]]:
    """The rates by hand, counting the cases: by branch and level, and by level, of the
    hazards found in [start, end], withdrawn ones left out (`branch_id`: one branch's)."""
    where = f"found_on >= {mark} AND found_on <= {mark} AND resolution <> {mark}"
    params: list = [start.isoformat(), end.isoformat(), "withdrawn"]
    if branch_id is not None:
        where = f"branch_id = {mark} AND " + where
        params = [branch_id, *params]
    rectified = f"SUM(CASE WHEN resolution IN ({mark}, {mark}) THEN 1 ELSE 0 END)"
    counts = f"COUNT(*), {rectified}"
    both = [*["on_spot", "rectified"], *params]
    return {
        "count by branch and level": (f"SELECT branch_id, level, {counts} FROM hazards_hazard "
                                      f"WHERE {where} GROUP BY branch_id, level "
                                      "ORDER BY branch_id, level", both),
        "count by level": (f"SELECT level, {counts} FROM hazards_hazard WHERE {where} "
                           "GROUP BY level ORDER BY level", both),
    }  # fmt: skip


TALLY_LAST = (DAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the last whole month


def raw_tally_sql(mark: str, branch_id: int | None) -> dict[str, list[tuple[str, list]]]:
    """The rates by hand as the application reads them once it keeps a monthly tally: the
    whole months from the tally, the part-month at the end (from the 1st of the bench
    day's month) counted from the cases."""
    where = f"month >= {mark} AND month <= {mark}"
    params: list = [YEAR_START.isoformat(), TALLY_LAST.isoformat()]
    if branch_id is not None:
        where = f"branch_id = {mark} AND " + where
        params = [branch_id, *params]
    edge = raw_rate_sql(mark, branch_id, DAY.replace(day=1), DAY)
    return {
        "tally by branch and level": [
            (f"SELECT branch_id, level, SUM(found), SUM(rectified) FROM hazards_hazardtally "
             f"WHERE {where} GROUP BY branch_id, level", params),
            edge["count by branch and level"]],
        "tally by level": [
            (f"SELECT level, SUM(found), SUM(rectified) FROM hazards_hazardtally "
             f"WHERE {where} GROUP BY level", params),
            edge["count by level"]],
    }  # fmt: skip


def raw_clock_statements(postgres: bool) -> list[tuple[str, str, list]]:
    """(label, sql, params) of the clock's work by hand, set-based: per rung the steps, the
    audit rows (each reading the case before it moves), then the move; the clock-run row;
    the copy alerts (one e-mail a day to each lead listing the branch's newly late copies,
    every number listed) and the copies marked alerted."""
    mark = "%s" if postgres else "?"
    now = NIGHT.astimezone(dt.UTC)
    now_value = now if postgres else str(now.replace(tzinfo=None))
    today = DAY if postgres else DAY.isoformat()
    uuid_sql = "gen_random_uuid()" if postgres else "lower(hex(randomblob(16)))"
    statements = []
    for waiting, step, to, inclusive in RUNGS:
        due = f"state = {mark} AND due_on {'<=' if inclusive else '<'} {mark}"
        if postgres:
            effective = "due_on" if inclusive else "due_on + 1"
            note = "''" if inclusive else "'期限 ' || to_char(due_on, 'YYYY-MM-DD') || ' 已过'"
            changes = (f"jsonb_build_object('state', jsonb_build_array({mark}::text, "
                       f"{mark}::text), 'due_on', jsonb_build_array(due_on, NULL), 'since', "
                       f"jsonb_build_array(since, {mark}::date))")  # fmt: skip
            false, target = "false", "id::text"
        else:
            effective = "due_on" if inclusive else "date(due_on, '+1 day')"
            note = "''" if inclusive else "'期限 ' || due_on || ' 已过'"
            changes = (
                f"json_object('state', json_array({mark}, {mark}), 'due_on', "
                f"json_array(due_on, NULL), 'since', json_array(since, {mark}))"
            )
            false, target = "0", "CAST(id AS TEXT)"
        statements += [
            (f"steps {to}",
             f"INSERT INTO hazards_hazardstep ({', '.join(STEP_COLUMNS)}) "
             f"SELECT {uuid_sql}, id, step_count + 1, {mark}, {mark}, {mark}, {effective}, "
             f"{mark}, NULL, NULL, {note}, '', {false} FROM hazards_hazard WHERE {due}",
             [step, waiting, to, now_value, waiting, today]),
            (f"audit {to}",
             f"INSERT INTO common_auditevent ({', '.join(AUDIT_COLUMNS)}) "
             f"SELECT {mark}, NULL, 'system', {mark}, "
             "(SELECT id FROM django_content_type WHERE app_label = 'hazards' "
             f"AND model = 'hazard'), {target}, '#' || {target}, branch_id, {changes}, '', "
             f"'clock' FROM hazards_hazard WHERE {due}",
             [now_value, f"hazard.{step}", waiting, to, today, waiting, today]),
            (f"move {to}",
             f"UPDATE hazards_hazard SET state = {mark}, due_on = NULL, since = {mark}, "
             f"updated_at = {mark}, step_count = step_count + 1 WHERE {due}",
             [to, today, now_value, waiting, today]),
        ]  # fmt: skip
    late = f"copy_due_at < {mark} AND copy_received_at IS NULL AND copy_alerted_at IS NULL"
    listed = "string_agg(n.number, '、')" if postgres else "group_concat(n.number, '、')"
    outbox = (
        "INSERT INTO common_outboxmessage (id, channel, recipient, recipient_bidx, subject, "
        "body, dedupe_key, status, attempts, next_attempt_at, last_error, provider_ref, "
        "created_at, cause_id, branch_id) "
        f"SELECT {uuid_sql}, 'email', u.email, '', '整改通知书公司联逾期未交回', "
        f"'以下《安全隐患整改通知书》的公司联已超过交回时限：' || {listed} || '。', "
        f"'hazard-copy-late:' || u.id || ':' || {mark}, 'pending', 0, {mark}, '', '', "
        f"{mark}, '', u.branch_id FROM accounts_user u JOIN hazards_hazardnotice n ON "
        "n.branch_id = u.branch_id WHERE u.role = 'inspection_lead' AND u.is_active AND "
        f"u.email <> '' AND n.{late.replace(' AND ', ' AND n.')} "
        "GROUP BY u.id, u.email, u.branch_id"
    )
    statements += [
        ("clock run", f"INSERT INTO hazards_clockrun (ran_for, started_at, finished_at, moved) "
                      f"VALUES ({mark}, {mark}, {mark}, '{{}}')", [today, now_value, now_value]),
        ("copy alerts", outbox, [DAY.isoformat(), now_value, now_value, now_value]),
        ("copies alerted", f"UPDATE hazards_hazardnotice SET copy_alerted_at = {mark} "
                           f"WHERE {late}", [now_value, now_value]),
    ]  # fmt: skip
    return statements


def raw_clock_sqlite(path: Path) -> tuple[float, dict[str, int]]:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=ON")
        start = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        moved = {}
        for label, sql, params in raw_clock_statements(postgres=False):
            moved[label] = con.execute(sql, params).rowcount
        con.execute("COMMIT")
        return time.perf_counter() - start, moved
    finally:
        con.close()


def raw_clock_postgres(dsn: str) -> tuple[float, dict[str, int]]:
    import psycopg

    with psycopg.connect(dsn) as con:
        start = time.perf_counter()
        moved = {}
        for label, sql, params in raw_clock_statements(postgres=True):
            moved[label] = con.execute(sql, params).rowcount
        con.commit()
        return time.perf_counter() - start, moved


def raw_rates(connect, mark: str, branch_id: int | None, tally: bool) -> dict[str, float]:
    """Each way of reading the rates by hand: a warm-up, then the median of
    SELECTOR_REPEATS (or fewer)."""
    con = connect()
    try:
        ways = {label: [statement] for label, statement in raw_rate_sql(mark, branch_id).items()}
        if tally:
            ways |= raw_tally_sql(mark, branch_id)
        out = {}
        for label, statements in ways.items():
            out[label] = _median_of(
                lambda statements=statements: [con.execute(s, p).fetchall() for s, p in statements]
            )[0]
        return out
    finally:
        con.close()


# ---------------------------------------------------------------- the parent


def _env(var_dir: Path, database_url: str = "", redis_url: str = "", **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["RUHU_VAR_DIR"] = str(var_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:  # a queue and cache keys of our own on a shared Redis
        env |= {"REDIS_URL": redis_url, "RUHU_QUEUE_NAME": "ruhu-bench-hazards",
                "RUHU_CACHE_PREFIX": "ruhu-bench-hazards"}  # fmt: skip
    env.update(extra)
    return env


def _child(step: str, env: dict[str, str]) -> dict:
    done = subprocess.run([*HERE, step], env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_rss(step: str, env: dict[str, str]) -> tuple[dict, float]:
    """A child's JSON and its peak RSS in MB (wait4)."""
    process = subprocess.Popen([*HERE, step], env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), process.args)
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def synthesise() -> list[Path]:
    """The households, one CSV per branch."""
    parts = [FOLDER / f"households-{ROWS}-{b}.csv" for b in range(1, BRANCHES + 1)]
    if all(part.exists() for part in parts):
        return parts
    FOLDER.mkdir(parents=True, exist_ok=True)
    whole = FOLDER / f"households-{ROWS}.csv"
    subprocess.run([*RUHU, "synth", "households", "--count", str(ROWS), "--out", str(whole),
                    "--seed", str(SEED)], check=True, env=_env(FOLDER / "synth"),
                   stdout=subprocess.DEVNULL)  # fmt: skip
    with whole.open(encoding="utf-8") as source:
        header = source.readline()
        share = -(-ROWS // BRANCHES)
        for part in parts:
            with part.open("w", encoding="utf-8") as out:
                out.write(header)
                for _ in range(share):
                    line = source.readline()
                    if not line:
                        break
                    out.write(line)
    whole.unlink()
    return parts


class Engine:
    """Where one engine's data lives, how to build it and how to lay a fresh copy."""

    name = ""
    env: dict[str, str]
    run_env: dict[str, str]

    def wipe(self) -> None: ...
    def before_migrate(self) -> None: ...
    def kept(self) -> bool:
        return True

    def built(self) -> None: ...
    def restore(self) -> None: ...
    def release(self) -> None: ...
    def raw_clock(self) -> tuple[float, dict[str, int]]: ...
    def raw_rates(self, branch_id: int | None) -> dict[str, float]: ...
    def has_tally(self) -> bool: ...
    def lead_branch(self) -> int: ...


class SQLite(Engine):
    name = "SQLite"

    def __init__(self) -> None:
        self.folder = FOLDER / "sqlite"
        self.var = self.folder / "var"
        self.database = self.var / "ruhu.sqlite3"
        self.pristine = self.folder / "pristine.sqlite3"
        self.env = self.run_env = _env(self.var)

    def wipe(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def built(self) -> None:
        con = sqlite3.connect(self.database)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        shutil.copyfile(self.database, self.pristine)

    def restore(self) -> None:
        for suffix in ("-wal", "-shm"):
            Path(f"{self.database}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.pristine, self.database)

    def raw_clock(self) -> tuple[float, dict[str, int]]:
        return raw_clock_sqlite(self.database)

    def raw_rates(self, branch_id: int | None) -> dict[str, float]:
        return raw_rates(lambda: sqlite3.connect(self.database), "?", branch_id, self.has_tally())

    def has_tally(self) -> bool:
        con = sqlite3.connect(self.database)
        try:
            return bool(con.execute("SELECT 1 FROM sqlite_master WHERE name = "
                                    "'hazards_hazardtally'").fetchone())  # fmt: skip
        finally:
            con.close()

    def before_migrate(self) -> None:
        if self.pristine.exists():
            self.restore()

    def kept(self) -> bool:
        return self.pristine.exists()

    def lead_branch(self) -> int:
        con = sqlite3.connect(self.database)
        try:
            return con.execute("SELECT branch_id FROM accounts_user WHERE username = ?",
                               [LEAD]).fetchone()[0]  # fmt: skip
        finally:
            con.close()


class PostgreSQL(Engine):
    name = "PostgreSQL"

    def __init__(self) -> None:
        self.template_dsn = f"{PG_SERVER}/{DATABASE}"
        self.dsn = f"{PG_SERVER}/{RUN_DATABASE}"
        self.env = _env(FOLDER / "pg", self.template_dsn, REDIS)
        self.run_env = _env(FOLDER / "pg", self.dsn, REDIS)

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
            for sql in statements:
                con.execute(sql)

    def create_if_missing(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
            if not con.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               [DATABASE]).fetchone():  # fmt: skip
                con.execute(f"CREATE DATABASE {DATABASE}")

    def wipe(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)",
                    f"CREATE DATABASE {DATABASE}")  # fmt: skip

    def restore(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {RUN_DATABASE} WITH (FORCE)",
                    f"CREATE DATABASE {RUN_DATABASE} TEMPLATE {DATABASE} "
                    "STRATEGY FILE_COPY")  # fmt: skip

    def release(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {RUN_DATABASE} WITH (FORCE)")

    def raw_clock(self) -> tuple[float, dict[str, int]]:
        return raw_clock_postgres(self.dsn)

    def raw_rates(self, branch_id: int | None) -> dict[str, float]:
        import psycopg

        return raw_rates(lambda: psycopg.connect(self.dsn), "%s", branch_id, self.has_tally())

    def has_tally(self) -> bool:
        import psycopg

        with psycopg.connect(self.dsn) as con:
            row = con.execute("SELECT to_regclass('hazards_hazardtally')").fetchone()
            return bool(row and row[0])

    def lead_branch(self) -> int:
        import psycopg

        with psycopg.connect(self.dsn) as con:
            row = con.execute("SELECT branch_id FROM accounts_user WHERE username = %s", [LEAD])
            return row.fetchone()[0]


def prepare(engine: Engine, parts: list[Path]) -> None:
    """Make sure the engine's pristine data holds the households and hazards."""
    env = engine.env
    engine.before_migrate()
    check = [*RUHU, "migrate", "--check", "-v", "0"]
    pending = subprocess.run(check, env=env, stdout=subprocess.DEVNULL).returncode != 0
    subprocess.run([*RUHU, "migrate", "-v", "0"], env=env, check=True)
    state = _child("state", env)
    wanted = {"branches": BRANCHES, "households": ROWS, "hazards": OPEN + CLOSED, "open": OPEN}
    if state == wanted and not REBUILD and engine.kept():
        if pending:  # the code's new migrations, applied to the kept data: keep them too
            print(f"{engine.name}: new migrations applied to the kept data")
            engine.built()
        return
    print(f"{engine.name}: building the benchmark's data (once; kept for later runs)")
    engine.wipe()
    started = time.perf_counter()
    subprocess.run([*RUHU, "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([*RUHU, "createcachetable"], env=env, check=True)
    fast = "django.contrib.auth.hashers.MD5PasswordHasher"
    subprocess.run([*HERE, "setup"], env={**env, "RUHU_PASSWORD_HASHERS": fast}, check=True)
    for b, part in enumerate(parts, 1):
        subprocess.run([*RUHU, "import-households", str(part), "--branch", f"{BRANCH}-{b}"],
                       env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    print(f"{engine.name}: {ROWS:,} households in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    subprocess.run([*HERE, "hazards"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"{engine.name}: {OPEN + CLOSED:,} hazards with their history in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    engine.built()


def measure_clock(engine: Engine) -> dict:
    result: dict = {"clock": [], "raw": [], "rss": []}
    for _ in range(REPEATS):
        engine.restore()
        clock, rss = _child_rss("clock", engine.run_env)
        result["clock"].append(clock)
        result["rss"].append(rss)
    for _ in range(REPEATS):
        engine.restore()
        result["raw"].append(engine.raw_clock())
    return result


def measure_rates(engine: Engine) -> dict:
    engine.restore()
    result = {"rates": _child("rates", engine.run_env)}
    result["raw"] = {"head office": engine.raw_rates(None),
                     "branch lead": engine.raw_rates(engine.lead_branch())}  # fmt: skip
    return result


def run_engine(engine: Engine, parts: list[Path]) -> None:
    prepare(engine, parts)
    print(f"\n{engine.name}: {ROWS:,} households in {BRANCHES} branches, {OPEN + CLOSED:,} "
          f"hazards ({OPEN:,} open, {CLOSED:,} closed); load average "
          f"{os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    try:
        report_clock(measure_clock(engine))
        report_rates(measure_rates(engine))
        if os.environ.get("BENCH_PROFILE"):
            engine.restore()
            subprocess.run([*HERE, "profile"], env=engine.run_env, check=True)
    finally:
        engine.release()


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def report_clock(result: dict) -> None:
    clocks, raws = result["clock"], result["raw"]
    due, moved = clocks[0]["due"], clocks[0]["moved"]
    first = statistics.median(c["first"] for c in clocks)
    second = statistics.median(c["second"] for c in clocks)
    cpu = statistics.median(c["first_cpu"] for c in clocks)
    raw = statistics.median(seconds for seconds, _ in raws)
    raw_moved = raws[0][1]
    cases = sum(v for k, v in moved.items() if k != "copy_alerts")
    again = sum(sum(c["moved_again"].values()) for c in clocks)
    print(f"  the clock for {DAY}, due: "
          + ", ".join(f"→{k} {v:,}" for k, v in due.items() if k != "copy_alerts")
          + f"; late company copies {due['copy_alerts']:,}")  # fmt: skip
    print("  moved by the app: " + ", ".join(f"{k} {v:,}" for k, v in moved.items()))
    raw_cases = sum(v for k, v in raw_moved.items() if k.startswith("move"))
    if moved != due or raw_cases != cases:
        print(f"  WARNING: due {due}, app moved {moved}, raw moved {raw_moved}")
    runs = " ".join(f"{c['first']:.2f}" for c in clocks)
    print(f"  {'':46} {'median':>9} {'raw':>9} {'ratio':>6}  target")
    print(f"  {'clock, first run (' + format(cases, ',') + ' cases)':46} {first:8.2f}s "
          f"{raw:8.2f}s {first / raw:6.1f}  ≤ {TARGETS['first']:.0f} s "
          f"{_mark(first <= TARGETS['first'])}   runs {runs} s, CPU {cpu:.2f} s")  # fmt: skip
    print(f"  {'clock, second run same day (moved ' + str(again) + ')':46} {second:8.3f}s "
          f"{'':9} {'':6}  ≤ {TARGETS['second']:.0f} s "
          f"{_mark(second <= TARGETS['second'] and again == 0)}")  # fmt: skip
    print(f"  {'clock process, peak RSS':46} {max(result['rss']):7.0f}MB")
    sys.stdout.flush()


def report_rates(result: dict) -> None:
    """Each figure next to the raw engine counting the cases (the plain GROUP BY) and, where
    the code keeps a monthly tally, next to the raw engine reading it the same way."""
    rates, raws = result["rates"], result["raw"]
    tally = "tally by level" in raws["head office"]
    print(f"  rates {YEAR_START} – {DAY}: {'median':>14} {'raw count':>9} {'ratio':>6}"
          + (f" {'raw tally':>9} {'ratio':>6}" if tally else ""))  # fmt: skip
    for who in ("head office", "branch lead"):
        r, raw = rates[who], raws[who]
        print(f"  for the {who}: {r['groups']} groups, {r['found']:,} found, "
              f"{r['rectified']:,} rectified")  # fmt: skip

        def against(ours: float, *labels: str, raw: dict = raw) -> str:
            text = ""
            for way in ("count", "tally") if tally else ("count",):
                theirs = sum(raw[f"{way} {label}"] for label in labels)
                text += f" {theirs * 1e3:7.1f}ms {ours / theirs:6.1f}"
            return text

        for label, ours, labels in (
            ("rectification_rates (by branch, level)", r["selector"], ["by branch and level"]),
            ("rectification_rates (by level)", r["selector_levels"], ["by level"]),
        ):
            print(f"    {label:44} {ours * 1e3:7.1f}ms" + against(ours, *labels))
        for label, name, labels in (
            ("page", "/hazards/rates/ (both queries)", ["by branch and level", "by level"]),
            ("api", "/api/v1/hazards/rates", ["by branch and level"]),
        ):
            p = r[label]
            print(f"    {name + ' p50':44} {p['p50'] * 1e3:7.1f}ms" + against(p["p50"], *labels)
                  + f"  p95 {p['p95'] * 1e3:.0f} ms ≤ 300 ms {_mark(p['p95'] <= TARGETS['p95'])}"
                  f" (p99 {p['p99'] * 1e3:.0f} ms, {p['n']} requests)")  # fmt: skip
    for label, plan in rates["plans"].items():
        print(f"  plan of the raw {label}: {plan}")
    sys.stdout.flush()


def main() -> None:
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step:
        {"state": child_state, "setup": child_setup, "hazards": child_hazards,
         "clock": child_clock, "rates": child_rates, "profile": child_profile}[step]()  # fmt: skip
        return
    from bench.quiet import quiet_machine

    with quiet_machine():
        run_engines()


def run_engines() -> None:
    import psycopg

    print(f"data in {FOLDER}; {REPEATS} repeats")
    parts = synthesise()
    if "sqlite" in ENGINES:
        run_engine(SQLite(), parts)
    if "postgresql" not in ENGINES:
        return
    pg = PostgreSQL()
    try:
        pg.create_if_missing()
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL at {PG_SERVER} unreachable, its half was not run: {exc}")
        return
    with psycopg.connect(f"{PG_SERVER}/postgres") as con:
        autovacuum = con.execute("SHOW autovacuum").fetchone()
        buffers = con.execute("SHOW shared_buffers").fetchone()
    print(f"\nPostgreSQL server: autovacuum {autovacuum and autovacuum[0]}, shared_buffers "
          f"{buffers and buffers[0]}; Redis for the cache and the job queue")  # fmt: skip
    run_engine(pg, parts)
    print(f"(the data is kept for the next run: {FOLDER}, {DATABASE} on {PG_SERVER})")


if __name__ == "__main__":
    main()
