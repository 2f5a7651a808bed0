"""The raw floor of the visit in `bench.visits` (printed for reference beside the minimal
Django visit of `bench.bare_app`, which reuses these tables, statements and rows): the raw
engine doing a minimal visit's writes.

Each transaction inserts the visit (its JSON body as posted), one audit row, and a ledger
entry chained to the last one (read the head, hash, insert), on one persistent connection
per client process, writers queued as Ruhu queues them: on SQLite BEGIN IMMEDIATE behind an
flock on a file beside the database, on PostgreSQL the chain's advisory lock. No Django, no
HTTP: what the hardware and the engine allow for the same work at the same concurrency.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import statistics
import time
import uuid
from pathlib import Path

TABLES = {
    "sqlite": [
        "CREATE TABLE floor_visit (id TEXT PRIMARY KEY, household_id INTEGER NOT NULL, "
        "inspector_id INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)",
        "CREATE TABLE floor_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, action TEXT NOT NULL, "
        "target_id TEXT NOT NULL, actor_id INTEGER, changes TEXT NOT NULL, at TEXT NOT NULL)",
        "CREATE TABLE floor_ledger (seq INTEGER PRIMARY KEY, record_id TEXT NOT NULL, "
        "entry_hash TEXT NOT NULL, prev_hash TEXT NOT NULL)",
    ],
    "postgresql": [
        "CREATE TABLE floor_visit (id uuid PRIMARY KEY, household_id bigint NOT NULL, "
        "inspector_id bigint NOT NULL, body jsonb NOT NULL, created_at timestamptz NOT NULL)",
        "CREATE TABLE floor_audit (id bigserial PRIMARY KEY, action text NOT NULL, "
        "target_id text NOT NULL, actor_id bigint, changes jsonb NOT NULL, "
        "at timestamptz NOT NULL)",
        "CREATE TABLE floor_ledger (seq bigint PRIMARY KEY, record_id text NOT NULL, "
        "entry_hash text NOT NULL, prev_hash text NOT NULL)",
    ],
}
DROP = ["DROP TABLE IF EXISTS floor_visit", "DROP TABLE IF EXISTS floor_audit",
        "DROP TABLE IF EXISTS floor_ledger"]  # fmt: skip
HEAD = "SELECT seq, entry_hash FROM floor_ledger ORDER BY seq DESC LIMIT 1"
ZERO = (0, "0" * 64)  # the head of an empty chain


def inserts(p: str) -> tuple[str, str, str]:
    """The visit, audit and ledger inserts with the placeholder `p` ("?" or "%s")."""
    return (
        f"INSERT INTO floor_visit VALUES ({p}, {p}, {p}, {p}, {p})",
        f"INSERT INTO floor_audit (action, target_id, actor_id, changes, at) "
        f"VALUES ({p}, {p}, {p}, {p}, {p})",
        f"INSERT INTO floor_ledger VALUES ({p}, {p}, {p}, {p})",
    )


def visit_rows(body: bytes, actor: int) -> tuple[tuple, tuple]:
    """The parameters of the visit insert and of its audit insert for one posted body."""
    record = json.loads(body)
    key = str(uuid.UUID(record["id"]))
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    changes = json.dumps({"outcome": [None, record.get("outcome")]})
    return ((key, record["household_id"], actor, body.decode(), now),
            ("visit.submit", key, actor, changes, now))  # fmt: skip


def entry_row(head: tuple[int, str] | None, key: str, body: bytes) -> tuple:
    """The ledger insert's parameters: the entry after `head` (None: the chain is empty)."""
    seq, prev = head or ZERO
    entry = hashlib.sha256(prev.encode() + hashlib.sha256(body).digest()).hexdigest()
    return (seq + 1, key, entry, prev)


def _connect(database: str):
    """(connection, placeholder, vendor): SQLite under `database` if it is a path."""
    if database.startswith("postgres"):
        import psycopg

        return psycopg.connect(database, autocommit=True), "%s", "postgresql"
    import sqlite3

    con = sqlite3.connect(database, isolation_level=None, timeout=20)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        con.execute(f"PRAGMA {pragma}")
    return con, "?", "sqlite"


def create(database: str) -> None:
    """The floor's tables, new and empty, in `database` (a path or a PostgreSQL URL)."""
    con, _p, vendor = _connect(database)
    for statement in DROP + TABLES[vendor]:
        con.execute(statement)
    con.close()


def drop(database: str) -> None:
    con, _p, vendor = _connect(database)
    for statement in DROP:
        con.execute(statement)
    con.close()
    if vendor == "sqlite":
        Path(database + ".floor-lock").unlink(missing_ok=True)


def _client(database: str, bodies: list[bytes], start, results) -> None:
    con, p, vendor = _connect(database)
    lock = None
    if vendor == "sqlite":
        lock = open(database + ".floor-lock", "a")  # noqa: SIM115 (closed at exit)
    insert_visit, insert_audit, insert_entry = inserts(p)
    latencies = []
    start.wait()
    for body in bodies:
        began = time.perf_counter()
        visit, audit = visit_rows(body, 1)
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
            con.execute("BEGIN IMMEDIATE")
        else:
            con.execute("BEGIN")
        con.execute(insert_visit, visit)
        con.execute(insert_audit, audit)
        if lock is None:
            con.execute("SELECT pg_advisory_xact_lock(4242)")
        con.execute(insert_entry, entry_row(con.execute(HEAD).fetchone(), visit[0], body))
        con.execute("COMMIT")
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_UN)
        latencies.append(time.perf_counter() - began)
    results.put(latencies)
    con.close()


def measure(database: str, bodies: list[bytes], processes: int, rounds: int) -> dict:
    """ROUNDS rounds of the bodies split over `processes` clients: median rate and p99."""
    create(database)
    context = multiprocessing.get_context("fork")
    rates, latencies = [], []
    for part in range(rounds):
        mine = bodies[part::rounds]
        start = context.Barrier(processes + 1)
        results = context.Queue()
        clients = [
            context.Process(target=_client, args=(database, mine[n::processes], start, results))
            for n in range(processes)
        ]
        for client in clients:
            client.start()
        start.wait()
        began = time.perf_counter()
        times = [x for _ in clients for x in results.get()]
        seconds = time.perf_counter() - began
        for client in clients:
            client.join()
        rates.append(len(times) / seconds)
        latencies += times
    latencies.sort()
    drop(database)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1e3
    return {"rate": statistics.median(rates), "rates": rates, "p99": p99}
