"""`python -m bench.ledger`: `ruhu ledger verify` against the raw engine reading the same rows.

Two parts (BENCH_LEDGER_PARTS, default both), each on SQLite and then PostgreSQL (BENCH_PG,
a server on loopback; BENCH_LEDGER_ENGINES=sqlite or postgresql runs one), each in a child
process with its own var dir and fresh database, all inside `bench.quiet.quiet_machine()`:

synthetic: ENTRIES chained records (default 200,000; BENCH_LEDGER_ENTRIES) of a benchmark
kind whose loaders read visit-sized canonical JSON (~1.5 KB, 2–4 attachment hashes) from a
plain table. Times, median of 3 each:
  (a) the floor (bench.reading): the raw engine reading the entries and the records
      range by range with the range loader's own query (DB-API cursor, the records as
      bytes), and hashlib over the bytes verify hashes (each record, each entry's text);
  (b) ledger_verify in one process with the kind's range loader (decision 0026), with its
      loader by ids, and with BENCH_LEDGER_WORKERS processes (default one per CPU);
  (c) freezing visits one transaction each, as a service would: the record plus
      ledger_append, against the raw engine writing the record and a ready-made entry row.
visits: VISITS real frozen visits (default 100,000; BENCH_LEDGER_VISITS) in the inspection
tables, chained (bench/ledger_visits.py); the floor is the engine reading the entries and,
range by range, the four tables' rows with the cited files' hashes by the keys verify
reads them by (each column a Python value, no record built), and hashlib over the same
bytes; then ledger_verify in one process and with BENCH_LEDGER_WORKERS processes.
PostgreSQL databases are named BENCH_PG_PREFIX (default ruhu_bench) + "_ledger_<part>".
Prints each figure in entries/s beside the floor and its ratio to the floor. Targets (on a
quiet machine, SQLite, one process): ≥ 150,000 synthetic entries/s, ≥ 80,000 visits/s.
BENCH_LEDGER_CLOCK=cpu times reads and verify by this process's CPU (SQLite on a busy
machine; on PostgreSQL the server's work would go uncounted).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from bench.reading import CLOCK, CPU_CLOCK

if TYPE_CHECKING:
    from ruhu.common.ledger import LedgerRecord

ENTRIES = int(os.environ.get("BENCH_LEDGER_ENTRIES", "200000"))
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_PG_PREFIX", "ruhu_bench") + "_ledger"
REPEATS = 3
WORKERS = int(os.environ.get("BENCH_LEDGER_WORKERS", str(os.cpu_count() or 2)))
APPENDS = 2000
BATCH = 5000
ENGINES = os.environ.get("BENCH_LEDGER_ENGINES", "sqlite,postgresql").split(",")
PARTS = os.environ.get("BENCH_LEDGER_PARTS", "synthetic,visits").split(",")
VISITS = int(os.environ.get("BENCH_LEDGER_VISITS", "100000"))
KIND = "benchvisit"

# 16 checklist items make a record of ~1.5 KB (1.4–1.8 KB), inside PostgreSQL's TOAST
# threshold (~2 KB): at ~2 KB half the records get compressed and reading them costs twice.
ITEMS = [
    "meter_seal", "meter_reading", "riser_pipe", "valve_front", "valve_stove", "hose_age",
    "hose_clamps", "stove_flame_failure", "water_heater_flue", "leak_test_joints",
    "leak_test_meter", "alarm_present", "ventilation", "concealed_pipe", "bedroom_gas",
    "fire_source_distance",
]  # fmt: skip


def visit(rng: random.Random, n: int) -> tuple[bytes, list[str]]:
    """A frozen visit as its canonical JSON (about 1.5 KB) and its attachment hashes."""
    from ruhu.common.ledger import canonical_json

    day = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}"
    attachments = [hashlib.sha256(rng.randbytes(16)).hexdigest() for _ in range(rng.randint(2, 4))]
    address = f"翠苑小区{n % 90}幢{n % 6}单元{n % 30}01室"
    record = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "household": {"account_no": f"A{n:09d}", "address": address},
        "inspector": {"id": rng.randint(1, 500), "badge_no": f"A-{rng.randint(1, 999):03d}"},
        "started_at": f"{day}T0{rng.randint(1, 8)}:12:05+00:00",
        "ended_at": f"{day}T0{rng.randint(1, 8)}:41:37+00:00",
        "result": rng.choice(["passed", "hazard", "absent"]),
        "checklist": [
            {"item": item, "result": rng.choice(["ok", "ok", "ok", "fail", "n/a"]),
             "note": "" if rng.random() < 0.9 else "软管老化，已告知用户更换"}
            for item in ITEMS
        ],
        "readings": {"meter": f"{rng.randint(0, 99999)}.{rng.randint(0, 999):03d}",
                     "pressure_kpa": f"{rng.uniform(1.8, 2.6):.2f}"},
        "hazards": [{"code": "HOSE_OLD", "level": "general", "deadline": day}]
        if rng.random() < 0.2 else [],
        "signature": {"signed_by": "户主", "signed_at": f"{day}T08:45:00+00:00"},
        "attachments": attachments,
        "version": 1,
    }  # fmt: skip
    return canonical_json(record), attachments


def load_visits(ids: list[str]) -> dict[str, LedgerRecord]:
    """The benchmark kind's loader by ids: records by bigint primary key, as a Django
    model's, as plain tuples (LedgerRecord is one).

    PostgreSQL gets the ids as one array parameter: an IN list of thousands of placeholders
    costs psycopg's client-side binding more than the query costs the server."""
    from django.db import connection

    from ruhu.common.ledger import LedgerRecord

    pks = [int(i) for i in ids if i.isdigit()]
    if connection.vendor == "postgresql":
        where, params = "id = ANY(%s)", [pks]
    else:
        where, params = f"id IN ({', '.join(['%s'] * len(pks))})", pks
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, canonical, attachments FROM bench_visit WHERE {where}", params)
        return {
            str(pk): LedgerRecord(canonical.encode(), tuple(attachments.split(",")))
            for pk, canonical, attachments in cursor.fetchall()
        }


def range_sql(vendor: str) -> str:
    """The benchmark kind's range query: (seq, canonical bytes, attachment hashes)."""
    if vendor == "postgresql":
        canonical = "convert_to(b.canonical, 'UTF8')"
        key = "(CASE WHEN e.record_id ~ '^[0-9]{1,18}$' THEN e.record_id::bigint END)"
    else:
        canonical, key = "CAST(b.canonical AS BLOB)", "CAST(e.record_id AS INTEGER)"
    return (
        f"SELECT e.seq, {canonical}, b.attachments FROM common_ledgerentry e "
        f"JOIN bench_visit b ON b.id = {key} WHERE e.kind = %s AND e.seq > %s AND e.seq <= %s"
    )


def range_visits(kind: str, after: int, until: int) -> list[tuple[int, bytes, str]]:
    """The benchmark kind's range loader (decision 0026): the records of the entries with
    after < seq <= until, joined by key, as the database's rows: (seq, bytes, hashes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(range_sql(connection.vendor), [kind, after, until])
        return cursor.fetchall()


def fill(count: int) -> float:
    """The records and their chain, written straight into the tables; returns KB/record."""
    from django.db import connection, transaction

    from ruhu.common.ledger import ZERO_HASH, entry_hash_of

    # the primary key of a Django model (BigAutoField); on SQLite, the rowid
    key = "bigint" if connection.vendor == "postgresql" else "integer"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE bench_visit (id {key} PRIMARY KEY, canonical text NOT NULL, "
            "attachments text NOT NULL)"
        )
    rng = random.Random(2026)
    prev, size = ZERO_HASH, 0
    now = "2026-03-01T00:00:00+00:00"
    with transaction.atomic():
        for start in range(0, count, BATCH):
            records, entries = [], []
            for n in range(start + 1, min(start + BATCH, count) + 1):
                canonical, attachments = visit(rng, n)
                record_id, sha = str(n), hashlib.sha256(canonical).hexdigest()
                entry_hash = entry_hash_of(prev_hash=prev, kind=KIND, record_id=record_id,
                                           record_sha256=sha, attachments=attachments)  # fmt: skip
                records.append((n, canonical.decode(), ",".join(attachments)))
                entries.append((n, KIND, record_id, sha, json.dumps(attachments), prev,
                                entry_hash, now))  # fmt: skip
                prev, size = entry_hash, size + len(canonical)
            _insert(connection, records, entries)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return size / count / 1024


ENTRY_COLUMNS = (
    "seq, kind, record_id, record_sha256, attachments, prev_hash, entry_hash, appended_at"
)


def _insert(connection, records, entries) -> None:
    if connection.vendor == "postgresql":
        raw = connection.connection.cursor()
        with raw.copy("COPY bench_visit (id, canonical, attachments) FROM STDIN") as copy:
            for row in records:
                copy.write_row(row)
        with raw.copy(f"COPY common_ledgerentry ({ENTRY_COLUMNS}) FROM STDIN") as copy:
            for row in entries:
                copy.write_row(row)
        return
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO bench_visit VALUES (%s, %s, %s)", records)
        cursor.executemany(
            f"INSERT INTO common_ledgerentry ({ENTRY_COLUMNS}) VALUES ({', '.join(['%s'] * 8)})",
            entries,
        )


def raw_read_and_hash() -> tuple[float, float]:
    """Seconds the engine takes to read the entries and their records range by range, as
    verify reads them (the range loader's query, which builds nothing), and hashlib over
    the bytes verify hashes (bench.reading)."""
    from django.db import connection

    from bench.reading import timed_hashes, timed_reads

    reading, entries = timed_reads(KIND, ENTRIES, [range_sql(connection.vendor)])
    records = [row[1] for row in range_visits(KIND, 0, ENTRIES)]
    return reading, timed_hashes(entries, records)


def timed_verify(workers: int, kind: str, count: int) -> tuple[float, float]:
    """Seconds of ledger_verify, and of them the seconds the loader took (one process)."""
    from ruhu.common import ledger, ledger_chain

    spent = 0.0
    by_range = ledger_chain._range_loaders.get(kind)
    by_ids = ledger_chain._loaders[kind]

    def timed(load):
        def loader(*args):
            nonlocal spent
            start = CLOCK()
            found = load(*args)
            spent += CLOCK() - start
            return found

        return loader

    ledger_chain._loaders[kind] = timed(by_ids)
    if by_range is not None:
        ledger_chain._range_loaders[kind] = timed(by_range)
    try:
        start = CLOCK()
        result = ledger.ledger_verify(batch_size=BATCH, workers=workers)
        elapsed = CLOCK() - start
    finally:
        ledger_chain._loaders[kind] = by_ids
        if by_range is not None:
            ledger_chain._range_loaders[kind] = by_range
    assert result.ok and result.checked == count, result
    return elapsed, spent


def timed_appends(count: int, *, raw: bool) -> float:
    """Seconds for `count` frozen visits, one transaction each: the record and its entry
    through ledger_append, or (raw) the record and a precomputed entry row in a plain table,
    with no head to read and no lock: what the engine's commits alone cost."""
    from django.db import connection, transaction

    from ruhu.common.ledger import ledger_append

    rng = random.Random(7)
    first = ENTRIES + 1 + (count if raw else 0)
    visits = [(n, *visit(rng, n)) for n in range(first, first + count)]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_chain (seq bigint UNIQUE, kind varchar(32), "
            "record_id varchar(64), record_sha256 varchar(64), attachments text, "
            "prev_hash varchar(64), entry_hash varchar(64) UNIQUE, appended_at varchar(40))"
        )
    start = time.perf_counter()
    for n, canonical, attachments in visits:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_visit VALUES (%s, %s, %s)",
                [n, canonical.decode(), ",".join(attachments)],
            )
            if raw:
                sha = hashlib.sha256(canonical).hexdigest()
                cursor.execute(
                    f"INSERT INTO bench_chain VALUES ({', '.join(['%s'] * 8)})",
                    [n, KIND, str(n), sha, json.dumps(attachments), sha, f"{n:064x}", "now"],
                )
            else:
                ledger_append(
                    kind=KIND, record_id=str(n), canonical=canonical, attachments=attachments
                )
    return time.perf_counter() - start


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def _line(label: str, seconds: float, count: int, floor: float, extra: str = "") -> None:
    print(f"  {label:<36} {seconds:7.2f} s {count / seconds:10,.0f} /s  "
          f"ratio to floor {seconds / floor:5.2f}{extra}")  # fmt: skip


def _parallel_line(runs: list[tuple[float, float]], count: int, floor: float) -> None:
    label = f"ledger_verify, {WORKERS} processes"
    if CPU_CLOCK:  # the workers' CPU is not this process's
        print(f"  {label:<36} not timed by BENCH_LEDGER_CLOCK=cpu")
    else:
        _line(label, _median(runs)[0], count, floor)


def _floor(read_s: float, hash_s: float, count: int) -> float:
    floor = read_s + hash_s
    print(f"  {'raw engine read':<36} {read_s:7.2f} s {count / read_s:10,.0f} /s")
    print(f"  {'hashlib over the same bytes':<36} {hash_s:7.2f} s {count / hash_s:10,.0f} /s")
    print(f"  {'floor (read + hash)':<36} {floor:7.2f} s {count / floor:10,.0f} /s")
    return floor


def child_synthetic() -> None:
    from django.db import connection

    from ruhu.common import ledger_chain
    from ruhu.common.ledger import ledger_verify, register_ledger_kind

    register_ledger_kind(KIND, load_visits, ranges=range_visits)
    started = time.perf_counter()
    kb = fill(ENTRIES)
    filled = time.perf_counter() - started
    ranged = [timed_verify(1, KIND, ENTRIES) for _ in range(REPEATS)]
    parallel = [timed_verify(WORKERS, KIND, ENTRIES) for _ in range(REPEATS)]
    del ledger_chain._range_loaders[KIND]
    by_ids = [timed_verify(1, KIND, ENTRIES) for _ in range(REPEATS)]
    register_ledger_kind(KIND, load_visits, ranges=range_visits)
    read_s, hash_s = _median([raw_read_and_hash() for _ in range(REPEATS)])
    appends = timed_appends(APPENDS, raw=False)
    raw_appends = timed_appends(APPENDS, raw=True)
    assert ledger_verify().checked == ENTRIES + APPENDS

    print(
        f"{connection.vendor}, synthetic: {ENTRIES:,} entries, records {kb:.2f} KB on "
        f"average (filled in {filled:.0f} s), median of {REPEATS}:"
    )
    floor = _floor(read_s, hash_s, ENTRIES)
    for label, runs in (("ledger_verify, range loader", ranged),
                        ("ledger_verify, loader by ids", by_ids)):  # fmt: skip
        seconds, loader = _median(runs)
        _line(label, seconds, ENTRIES, floor, f"  (loader {loader:.2f} s)")
    _parallel_line(parallel, ENTRIES, floor)
    print("  target: ≥ 150,000 entries/s in one process on SQLite (range loader)")
    print(f"  {APPENDS:,} frozen visits, one transaction each: raw engine "
          f"{raw_appends * 1e6 / APPENDS:6.0f} µs, with ledger_append "
          f"{appends * 1e6 / APPENDS:6.0f} µs, ratio {appends / raw_appends:5.2f}")  # fmt: skip


def child_visits() -> None:
    from django.db import connection

    from bench import ledger_visits

    kb, filled = ledger_visits.fill(VISITS)
    alone = [timed_verify(1, "visit", VISITS) for _ in range(REPEATS)]
    parallel = [timed_verify(WORKERS, "visit", VISITS) for _ in range(REPEATS)]
    read_s, hash_s = _median([ledger_visits.raw_read_and_hash(VISITS) for _ in range(REPEATS)])
    print(
        f"{connection.vendor}, real visits: {VISITS:,} frozen visits (their four tables), "
        f"records {kb:.2f} KB on average (filled in {filled:.0f} s), median of {REPEATS}:"
    )
    floor = _floor(read_s, hash_s, VISITS)
    seconds, loader = _median(alone)
    _line("ledger_verify, 1 process", seconds, VISITS, floor, f"  (loader {loader:.2f} s)")
    _parallel_line(parallel, VISITS, floor)
    print("  target: ≥ 80,000 visits/s in one process on SQLite")


def child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruhu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if os.environ["BENCH_LEDGER_CHILD"] == "visits":
        child_visits()
    else:
        child_synthetic()
    sys.stdout.flush()


def _env(var_dir: Path, part: str, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["RUHU_VAR_DIR"] = str(var_dir)
    env["BENCH_LEDGER_CHILD"] = part
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _fresh(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name}")
        con.execute(f"CREATE DATABASE {name}")


def main() -> None:
    if os.environ.get("BENCH_LEDGER_CHILD"):
        child()
        return
    import psycopg

    from bench.quiet import quiet_machine

    command = [sys.executable, "-m", "bench.ledger"]
    with quiet_machine(), tempfile.TemporaryDirectory(prefix="ruhu-bench-ledger-") as name:
        folder = Path(name)
        for part in PARTS:
            if "sqlite" in ENGINES:
                env = _env(folder / f"sqlite-{part}", part)
                subprocess.run(command, env=env, check=True)
            if "postgresql" not in ENGINES:
                continue
            database = f"{DATABASE}_{part}"
            try:
                _fresh(database)
            except psycopg.OperationalError as exc:
                print(f"PostgreSQL at {PG_SERVER} unreachable, its half was not run: {exc}")
                continue
            try:
                env = _env(folder / f"pg-{part}", part, f"{PG_SERVER}/{database}")
                subprocess.run(command, env=env, check=True)
            finally:
                with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
                    con.execute(f"DROP DATABASE IF EXISTS {database}")


if __name__ == "__main__":
    main()
