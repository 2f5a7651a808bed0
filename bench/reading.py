"""The raw floor of `ledger verify` for bench.ledger and bench.ledger_visits: the engine
reading the rows verify reads, range by range, by the same keys, through a bare DB-API
cursor (each value a Python object, no record built), and hashlib over the bytes verify
hashes: each entry's hashed text and each record (decision 0031)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Sequence

BATCH = 5000
# BENCH_LEDGER_CLOCK=cpu: this process's CPU time instead of the wall clock, for SQLite on a
# busy machine (on PostgreSQL the server's work would not be counted)
CPU_CLOCK = os.environ.get("BENCH_LEDGER_CLOCK") == "cpu"
CLOCK = time.process_time if CPU_CLOCK else time.perf_counter
ENTRIES_SQL = (
    "SELECT seq, kind, record_id, record_sha256, attachments, prev_hash, entry_hash "
    "FROM common_ledgerentry WHERE seq > %s AND seq <= %s ORDER BY seq"
)


def timed_reads(kind: str, count: int, queries: Sequence[str]) -> tuple[float, list[bytes]]:
    """Seconds to read the chain's entries and, for each range of BATCH of them, every
    query of `queries` (parameters: kind, after, until), fetching all their rows; and the
    bytes each entry's hash covers, made outside the timer."""
    from django.db import connection, transaction

    reading, hashed = 0.0, []
    with transaction.atomic(), connection.cursor() as cursor:
        for after in range(0, count, BATCH):
            until = after + BATCH
            start = CLOCK()
            cursor.execute(ENTRIES_SQL, [after, until])
            entries = cursor.fetchall()
            for sql in queries:
                cursor.execute(sql, [kind, after, until])
                cursor.fetchall()
            reading += CLOCK() - start
            hashed += [f"{r[5]}\n{r[1]}\n{r[2]}\n{r[3]}\n{_joined(r[4])}".encode() for r in entries]
    return reading, hashed


def _joined(raw: str) -> str:
    return raw[2:-2].replace('", "', ",")


def timed_hashes(*chunks: Iterable[bytes]) -> float:
    """Seconds of hashlib over every item, as verify hashes them (to a hex digest)."""
    sha256 = hashlib.sha256
    start = CLOCK()
    for items in chunks:
        for item in items:
            sha256(item).hexdigest()
    return CLOCK() - start
