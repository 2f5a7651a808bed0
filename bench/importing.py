"""`make bench-import`: the household import against the raw engine loading the same file.

Synthesises ROWS rows (default 1,000,000; BENCH_ROWS overrides), then, for SQLite and for
PostgreSQL, times (a) the raw engine loading that file into a plain table with the same
columns and a unique index (sqlite3 executemany in one transaction; COPY), (b) the real
`ruhu import-households` command in a fresh database, with all validation and encryption,
once on an empty table and once more with the unchanged file, and (c) the floor: the engine
alone loading the rows the import wrote into an empty copy of the real schema, with the
import's bulk-mode steps. The round runs REPEATS times (BENCH_REPEAT, default 3); each
round's ratios are taken within it, and the medians are printed: seconds, rows/s, the
import's ratio to the floor (the target) and to the raw load, and the peak RSS of the
import's largest process. Runs inside `bench.quiet.quiet_machine()`.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.quiet import quiet_machine

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
REPEATS = int(os.environ.get("BENCH_REPEAT", "3"))
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
RUHU = [sys.executable, "-m", "ruhu.cli"]
DB = os.environ.get("BENCH_PG_PREFIX", "ruhu_bench")  # a shared server: a prefix of its own
DATABASES = (f"{DB}_raw", DB, f"{DB}_floor")


def synthesise(folder: Path) -> Path:
    path = folder / "households.csv"
    subprocess.run([*RUHU, "synth", "households", "--count", str(ROWS), "--out", str(path),
                    "--seed", "2026"], check=True, env=_env(folder / "synth"))  # fmt: skip
    return path


def _env(var_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["RUHU_VAR_DIR"] = str(var_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def raw_sqlite(path: Path, folder: Path) -> float:
    con = sqlite3.connect(folder / "raw.sqlite3")
    con.execute("PRAGMA journal_mode=WAL")
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        con.execute(f"CREATE TABLE plain ({', '.join(f'{c} text' for c in header)})")
        con.execute("CREATE UNIQUE INDEX plain_account ON plain (account_no)")
        start = time.perf_counter()
        with con:
            con.executemany(f"INSERT INTO plain VALUES ({', '.join('?' * len(header))})", reader)
        elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def raw_postgres(path: Path, dsn: str) -> float:
    with psycopg.connect(dsn) as con, open(path, encoding="utf-8") as fh:
        header = fh.readline().strip().split(",")
        con.execute(f"CREATE TABLE plain ({', '.join(f'{c} text' for c in header)})")
        con.execute("CREATE UNIQUE INDEX plain_account ON plain (account_no)")
        start = time.perf_counter()
        with con.cursor().copy("COPY plain FROM STDIN WITH (FORMAT csv)") as copy:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        con.commit()
        return time.perf_counter() - start


def ruhu_import(path: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds of the real command, and the peak RSS (MB) of the largest of its processes
    (the importing process or one of its workers: wait4 reports the maximum of the tree)."""
    subprocess.run([*RUHU, "shell", "-c", BRANCH], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    process = subprocess.Popen([*RUHU, "import-households", str(path), "--branch", "bench"],
                               env=env)  # fmt: skip
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, process.args)
    return elapsed, usage.ru_maxrss / 1024


BRANCH = (
    "from ruhu.accounts.models import OrgUnit\n"
    "from ruhu.accounts.services import org_unit_create\n"
    "if not OrgUnit.objects.filter(code='bench').exists():\n"
    "    c = org_unit_create(acting_user=None, kind='company', code='bench-co', name='bench')\n"
    "    org_unit_create(acting_user=None, kind='branch', code='bench', name='bench', parent=c)\n"
)


SEARCH = """
import csv, itertools, random, statistics, time
from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.services import user_create
from ruhu.premises.selectors import household_list
user = User.objects.filter(username="bench-hq").first() or user_create(
    acting_user=None, username="bench-hq", full_name="bench", role="admin",
    org_unit=OrgUnit.objects.get(code="bench-co"), password="bench-password-2026")
with open(PATH, encoding="utf-8", newline="") as fh:
    phones = [row[2] for row in itertools.islice(csv.reader(fh), 1, 20001) if row[2]]
sample = random.Random(7).sample(phones, 200)
timings = []
for phone in sample:
    start = time.perf_counter()
    found = list(household_list(acting_user=user, q=phone)[:50])
    timings.append(time.perf_counter() - start)
    assert found, phone
timings.sort()
print(f"  exact phone search      p50 {statistics.median(timings) * 1e3:6.1f} ms   "
      f"p95 {timings[int(len(timings) * 0.95)] * 1e3:6.1f} ms  (200 searches)")
"""


def phone_search(path: Path, env: dict[str, str], engine: str) -> None:
    script = SEARCH.replace("PATH", repr(str(path))).replace("  exact", f"{engine}: exact")
    subprocess.run([*RUHU, "shell", "-c", script], env=env, check=True)


# The floor: the engine alone loading the very rows the import wrote (already checked,
# encrypted and hashed) into an empty copy of the real schema, with the import's bulk-mode
# steps (secondary indexes and foreign keys dropped, then made again). No import of this
# schema can be faster; the distance from it to the import is the import's own work.
SECONDARY_SQLITE = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = "
    "'premises_household' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' "
    "AND sql NOT LIKE '% WHERE %'"
)


def floor_sqlite(source: Path, empty: Path) -> float:
    with sqlite3.connect(source) as con:
        columns = [row[1] for row in con.execute("PRAGMA table_info(premises_household)")]
        rows = con.execute(f"SELECT {', '.join(columns)} FROM premises_household").fetchall()
    con = sqlite3.connect(empty, isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA cache_size = -16384")
    con.execute(f"PRAGMA threads = {os.cpu_count() or 1}")
    start = time.perf_counter()
    con.execute("BEGIN")
    indexes = con.execute(SECONDARY_SQLITE).fetchall()
    for name, _sql in indexes:
        con.execute(f'DROP INDEX "{name}"')
    marks = ", ".join("?" * len(columns))
    con.executemany(f"INSERT INTO premises_household ({', '.join(columns)}) VALUES ({marks})",
                    rows)  # fmt: skip
    for _name, sql in indexes:
        con.execute(sql)
    con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def floor_postgres(source: str, empty: str) -> float:
    with (
        psycopg.connect(source) as con,
        con.cursor().copy("COPY premises_household TO STDOUT") as copy,
    ):
        data = b"".join(bytes(block) for block in copy)
    with psycopg.connect(empty) as con:
        start = time.perf_counter()
        remade = []
        for name, definition in con.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'premises_household'::regclass AND contype = 'f'"
        ).fetchall():
            con.execute(f'ALTER TABLE premises_household DROP CONSTRAINT "{name}"')
            remade.append(f'ALTER TABLE premises_household ADD CONSTRAINT "{name}" {definition}')
        for name, definition in con.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c "
            "ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE i.indrelid = 'premises_household'::regclass AND NOT i.indisunique "
            "AND NOT i.indisprimary AND (i.indpred IS NULL OR a.amname = 'hash')"
        ).fetchall():
            con.execute(f'DROP INDEX "{name}"')
            remade.append(definition)
        with con.cursor().copy("COPY premises_household FROM STDIN") as copy:
            for offset in range(0, len(data), 1 << 20):
                copy.write(data[offset : offset + (1 << 20)])
        con.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for statement in remade:
            con.execute(statement)
        con.execute("ANALYZE premises_household")
        con.commit()
        return time.perf_counter() - start


def migrate(env: dict[str, str], *, with_branch: bool = False) -> None:
    subprocess.run([*RUHU, "migrate", "-v", "0"], env=env, check=True)
    if with_branch:  # made in the same order as in the import's database: the same ids
        subprocess.run([*RUHU, "shell", "-c", BRANCH], env=env, check=True, capture_output=True)


def floor_in_child(engine: str, source: str, empty: str) -> float:
    """The floor, timed in a child process: the rows it holds must not count in the peak
    RSS of an import run after it, nor stay in this process."""
    done = subprocess.run([sys.executable, "-m", "bench.importing", "floor", engine, source, empty],
                          check=True, capture_output=True, text=True)  # fmt: skip
    return float(done.stdout.split()[-1])


def sqlite_round(path: Path, folder: Path, search: bool) -> dict[str, float]:
    folder.mkdir()
    env = _env(folder / "sqlite")
    migrate(env)
    migrate(_env(folder / "floor"), with_branch=True)
    raw = raw_sqlite(path, folder)
    startup, _peak = ruhu_import(header_only(path), env)
    first, peak1 = ruhu_import(path, env)
    again, peak2 = ruhu_import(path, env)
    if search:
        phone_search(path, env, "SQLite")
    floor = floor_in_child(
        "sqlite", str(folder / "sqlite" / "ruhu.sqlite3"), str(folder / "floor" / "ruhu.sqlite3")
    )
    return figures(raw, floor, first, again, max(peak1, peak2), startup)


def postgres_round(path: Path, folder: Path, search: bool) -> dict[str, float]:
    folder.mkdir()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
        for db in DATABASES:
            con.execute(f"DROP DATABASE IF EXISTS {db}")
            con.execute(f"CREATE DATABASE {db}")
    raw = raw_postgres(path, f"{PG_SERVER}/{DB}_raw")
    env = _env(folder / "pg", f"{PG_SERVER}/{DB}")
    migrate(env)
    migrate(_env(folder / "pg-floor", f"{PG_SERVER}/{DB}_floor"), with_branch=True)
    startup, _peak = ruhu_import(header_only(path), env)
    first, peak1 = ruhu_import(path, env)
    again, peak2 = ruhu_import(path, env)
    if search:
        phone_search(path, env, "PostgreSQL")
    floor = floor_in_child("postgresql", f"{PG_SERVER}/{DB}", f"{PG_SERVER}/{DB}_floor")
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
        for db in DATABASES:
            con.execute(f"DROP DATABASE {db}")
    return figures(raw, floor, first, again, max(peak1, peak2), startup)


def header_only(path: Path) -> Path:
    """A file of the header alone: what the command costs before its first row."""
    empty = path.with_name("header-only.csv")
    with open(path, "rb") as fh:
        empty.write_bytes(fh.readline())
    return empty


def figures(
    raw: float, floor: float, first: float, again: float, peak: float, startup: float
) -> dict:
    return {
        "raw": raw, "floor": floor, "first": first, "again": again, "peak": peak,
        "startup": startup, "bare/floor": (first - startup) / floor,
        "first/floor": first / floor, "first/raw": first / raw,
        "again/floor": again / floor, "again/raw": again / raw, "floor/raw": floor / raw,
    }  # fmt: skip


def report(engine: str, rounds: list[dict[str, float]]) -> None:
    def m(name: str) -> float:
        return statistics.median(r[name] for r in rounds)

    print(f"{engine}, {ROWS:,} rows, median of {len(rounds)} (ratios taken within each round):")
    print(f"  raw engine load         {m('raw'):8.2f} s  {ROWS / m('raw'):10,.0f} rows/s")
    print(f"  floor (engine alone, the import's rows into the real schema) {m('floor'):6.2f} s"
          f"  {m('floor/raw'):5.2f}× raw")  # fmt: skip
    for label, key in (("new rows", "first"), ("unchanged", "again")):
        print(f"  ruhu import ({label}) {m(key):7.2f} s  {ROWS / m(key):10,.0f} rows/s  "
              f"{m(key + '/floor'):5.2f}× floor  {m(key + '/raw'):5.2f}× raw")  # fmt: skip
    print(f"  command start-up (a file of no rows) {m('startup'):5.2f} s; the new rows' import "
          f"less it {m('bare/floor'):5.2f}× floor")  # fmt: skip
    print(f"  peak RSS (largest process of the import) {max(r['peak'] for r in rounds):5.0f} MB")
    print("  rounds, import ÷ floor: new " + "  ".join(f"{r['first/floor']:.2f}" for r in rounds)
          + ", unchanged " + "  ".join(f"{r['again/floor']:.2f}" for r in rounds))  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ruhu-bench-import-") as name:
        folder = Path(name)
        path = synthesise(folder)
        print(f"file: {path.stat().st_size / 1e6:.0f} MB, {ROWS:,} rows")
        try:
            psycopg.connect(f"{PG_SERVER}/postgres").close()
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL at {PG_SERVER} unreachable, its half is not run: {exc}")
            engines = {"SQLite": sqlite_round}
        else:
            engines = {"SQLite": sqlite_round, "PostgreSQL": postgres_round}
        rounds: dict[str, list] = {engine: [] for engine in engines}
        for number in range(REPEATS):
            for engine, run in engines.items():  # alternating, so drift hits both alike
                rounds[engine].append(run(path, folder / f"{engine}-{number}", number == 0))
        for engine, figures_of in rounds.items():
            report(engine, figures_of)


def floor_main(engine: str, source: str, empty: str) -> None:
    if engine == "sqlite":
        print(floor_sqlite(Path(source), Path(empty)))
    else:
        print(floor_postgres(source, empty))


if __name__ == "__main__":
    if sys.argv[1:2] == ["floor"]:
        floor_main(*sys.argv[2:5])
    else:
        with quiet_machine():
            main()
