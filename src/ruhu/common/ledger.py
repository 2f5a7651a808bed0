"""The evidence hash chain (DESIGN rule 4): every frozen record, in the order it froze.

An entry names a record by kind and id, holds the SHA-256 of the record's canonical JSON
and the SHA-256 of each of its attachments (photos, signature, recordings) in the order
the kind gives them, and is linked to the entry before it:

    entry_hash = sha256(prev_hash + "\\n" + kind + "\\n" + record_id + "\\n"
                        + record_sha256 + "\\n" + ",".join(attachments))

over the UTF-8 bytes, as a lowercase hex digest; `prev_hash` is the previous entry's
`entry_hash`, 64 zeros for entry #1. Kinds and record ids hold no line break and an
attachment hash is 64 lowercase hex digits, so the hashed text reads back one way only.
`record_sha256` is the SHA-256 of `canonical_json(record)`: keys sorted, no spaces,
UTF-8 (not \\u escapes), dates and times in ISO 8601 (aware datetimes in UTC), decimals
and UUIDs as strings. The seq is not hashed: the links give the order.

Each app registers, for each kind it freezes, a loader that reads a batch of records as
they are *now* (`register_ledger_kind`, from its AppConfig.ready). The service that
freezes a record calls `ledger_append` in its own transaction, with the same canonical
bytes its loader will give back later: build both with one function, from values read
back from the database (a Decimal or datetime as the database returns it).

`ledger_verify` (`ruhu ledger verify`) streams the chain in seq order, recomputes every
hash and asks the loaders for the records, and reports the first entry that is wrong: an
entry edited, deleted or reordered, a record edited or deleted behind the triggers' back,
an attachment list changed. It reads a batch of entries per query (keyset on seq); a kind
with a range loader (visits, facility checks) then gives its records of the batch's seq
range in one query, joined to the ledger by record id, as plain rows of bytes; any other
kind's loader gets the batch's ids (decision 0026). `workers=N` checks stretches of the
chain in forked processes and stitches them (the command's default, `default_workers`:
one process on SQLite, one per CPU on PostgreSQL).

Someone who rewrites a record *and* every later entry with recomputed hashes leaves a
consistent chain; the heads exported each day (`ledger_head_export`, a file under
RUHU_LEDGER_EXPORT_DIR plus a row) catch that, the files best from a copy kept off the
machine (`ruhu ledger verify --head FILE`).

Appends are serialised so that two writers never link to the same head: PostgreSQL takes
a transaction-scoped advisory lock before reading the head; SQLite transactions begin
IMMEDIATE (settings), so the caller's transaction already holds the write lock. The
unique `seq` and `entry_hash` are the second line of defence.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, connections

from ruhu.common.ledger_chain import (
    HEX64,
    ZERO_HASH,
    LedgerRecord,
    Loader,
    RangeLoader,
    _loaders,  # noqa: F401 (the benchmarks register a timed loader here)
    canonical_json,
    entry_hash_of,
    ledger_append,
    ledger_head,
    ledger_loaders,
    ledger_range_loaders,
    register_ledger_kind,
)
from ruhu.common.ledger_heads import (
    ExportedHead,
    exported_heads,
    ledger_head_export,
    read_head_file,
)
from ruhu.common.models import LedgerEntry

__all__ = [
    "HEX64",
    "ZERO_HASH",
    "BrokenEntry",
    "LedgerRecord",
    "Loader",
    "Problem",
    "RangeLoader",
    "VerifyResult",
    "canonical_json",
    "default_workers",
    "entry_hash_of",
    "ledger_append",
    "ledger_head",
    "ledger_head_export",
    "ledger_loaders",
    "ledger_range_loaders",
    "ledger_verify",
    "read_head_file",
    "register_ledger_kind",
]


class Problem:
    ENTRY_CHANGED = "entry changed"
    ENTRY_MISSING = "entry missing or reordered"
    RECORD_CHANGED = "record changed"
    RECORD_DELETED = "record deleted"
    ATTACHMENTS_CHANGED = "attachments changed"
    UNKNOWN_KIND = "unknown kind"
    HEAD_DIFFERS = "head differs from export"


@dataclass(frozen=True)
class BrokenEntry:
    seq: int
    kind: str
    record_id: str
    problem: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken: BrokenEntry | None = None


ENTRIES_SQL = (
    "SELECT seq, kind, record_id, record_sha256, attachments, prev_hash, entry_hash "
    "FROM common_ledgerentry WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s"
)
NO_END = 2**63 - 1  # the largest bigint: "no upper bound" on both engines


def _load(rows: list[tuple], after: int) -> dict[int, tuple]:
    """The records the batch's entries name, by the entry's seq: (seq, canonical bytes,
    attachment hashes joined by ","). A kind with a range loader reads its records of the
    batch's seq range in one go (decision 0026); any other kind's loader gets its ids."""
    loaders, ranges = ledger_loaders(), ledger_range_loaders()
    until = rows[-1][0]
    kinds = {row[1] for row in rows}
    loaded: dict[int, tuple] = {}
    for kind in kinds:
        if kind not in loaders:
            continue
        by_range = ranges.get(kind)
        if by_range is not None:
            loaded.update({row[0]: row for row in by_range(kind, after, until)})
            continue
        named = [(row[0], row[2]) for row in rows if row[1] == kind]
        records = loaders[kind](list(dict.fromkeys(record_id for _, record_id in named)))
        for seq, record_id in named:
            record = records.get(record_id)
            if record is not None:
                loaded[seq] = (seq, record[0], _joined(record[1]))
    return loaded


def _joined(hashes: Iterable[str]) -> str | None:
    """Attachment hashes as verify compares them: joined by ",", which reads back one way
    only if no hash is empty or holds a comma (None: equal to nothing)."""
    hashes = list(hashes)
    if any("," in sha or not sha for sha in hashes):
        return None
    return ",".join(hashes)


def _hash_list(raw: Any) -> tuple[str, str | None] | None:
    """An entry's attachment hashes from its JSON column: (the text its entry hash covers,
    the same as verify compares it with a record's), None if that is not a list of str.

    Both engines give back what Django wrote, '["<hex>", "<hex>"]' (PostgreSQL's jsonb
    prints lists that way too), which is read here without a JSON parser when it holds no
    quote, backslash or comma of its own; anything else goes through json.loads.
    """
    if isinstance(raw, str):
        if raw[:2] == '["' and raw[-2:] == '"]':
            joined = raw[2:-2].replace('", "', ",")
            if _plain(raw, joined):
                return joined, joined
        elif raw == "[]":
            return "", ""
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return ",".join(raw), _joined(raw)
    return None


def _plain(raw: str, joined: str) -> bool:
    """Whether `joined` (`raw` less its brackets, each '", "' made a comma) reads back as
    the list `raw` holds: no escape, no empty item, no quote inside an item, and no comma
    inside one either (each separator is three characters longer than its comma)."""
    return (
        '"' not in joined
        and "\\" not in joined
        and '""' not in raw
        and len(raw) - len(joined) == 3 * joined.count(",") + 4
    )


@dataclass(frozen=True)
class _Stretch:
    """What verifying a stretch of the chain found (picklable: workers send it back)."""

    first_seq: int | None  # None: no entry in the stretch
    first_prev: str
    last_seq: int
    last_hash: str
    checked: int
    broken: BrokenEntry | None


def _verify_stretch(
    after: int,
    until: int,
    link: tuple[int, str] | None,
    batch_size: int,
    exported: Mapping[int, set[str]],
    progress: Callable[[int], None] | None = None,
) -> _Stretch:
    """Check the entries with after < seq <= until, in seq order, up to the first wrong one.

    `link` is the (seq, prev_hash) the first entry must have; None leaves that check to
    whoever stitches this stretch to the one before (a worker's stretch).
    """
    sha256 = hashlib.sha256
    hash_list = _hash_list
    first_seq: int | None = None
    first_prev = ""
    expected, prev = link if link is not None else (0, "")
    checked = 0
    with connection.cursor() as cursor, _reading(cursor):
        while True:
            cursor.execute(ENTRIES_SQL, [after, until, batch_size])
            rows = cursor.fetchall()
            if not rows:
                break
            if first_seq is None:
                first_seq, first_prev = rows[0][0], rows[0][5]
                if link is None:
                    expected, prev = first_seq, first_prev
            loaded = _load(rows, after)
            get = loaded.get
            hashed: str | None
            joined: str | None
            for seq, kind, record_id, record_sha, raw, prev_hash, entry_hash in rows:
                # (the fast path of _hash_list and _plain, inline: this runs once an entry)
                if raw.__class__ is str and raw[:2] == '["' and raw[-2:] == '"]':
                    hashed = joined = raw[2:-2].replace('", "', ",")
                    if (
                        '"' in joined
                        or "\\" in joined
                        or '""' in raw
                        or len(raw) - len(joined) != 3 * joined.count(",") + 4
                    ):
                        hashed, joined = hash_list(raw) or (None, None)
                else:
                    hashed, joined = hash_list(raw) or (None, None)
                if seq != expected or prev_hash != prev:
                    problem = Problem.ENTRY_MISSING
                elif (
                    hashed is None
                    or sha256(
                        f"{prev_hash}\n{kind}\n{record_id}\n{record_sha}\n{hashed}".encode()
                    ).hexdigest()
                    != entry_hash
                ):
                    problem = Problem.ENTRY_CHANGED
                elif seq in exported and exported[seq] != {entry_hash}:
                    problem = Problem.HEAD_DIFFERS
                else:
                    record = get(seq)
                    if record is None:
                        known = kind in ledger_loaders()
                        problem = Problem.RECORD_DELETED if known else Problem.UNKNOWN_KIND
                    elif sha256(record[1]).hexdigest() != record_sha:
                        problem = Problem.RECORD_CHANGED
                    elif joined is None or record[2] != joined:
                        problem = Problem.ATTACHMENTS_CHANGED
                    else:
                        prev, expected, checked = entry_hash, seq + 1, checked + 1
                        continue
                broken = BrokenEntry(seq, kind, record_id, problem)
                return _Stretch(first_seq, first_prev, expected - 1, prev, checked, broken)
            after = expected - 1
            if progress is not None:
                progress(checked)
    return _Stretch(first_seq, first_prev, expected - 1, prev, checked, None)


MMAP_BYTES = 1 << 30  # SQLite maps up to this much of the database file while verify reads


@contextlib.contextmanager
def _reading(cursor: Any) -> Iterator[None]:
    """The connection set for a long read while verify runs, then back as it was.

    PostgreSQL: JIT off (a range's query is costed high enough to be compiled, and
    compiling it takes longer than running it). SQLite: the database file memory-mapped,
    so that reading a page is no system call (verify reads records by key, page by page).
    """
    if connection.vendor == "postgresql":
        name, value = "jit", "off"
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', false)")
        before = cursor.fetchone()[0]
    else:
        name, value = "mmap_size", str(MMAP_BYTES)
        cursor.execute("PRAGMA mmap_size")
        before = str(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    try:
        yield
    finally:
        if before != value and connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, %s, false)", [name, before])
        elif before != value:
            cursor.execute(f"PRAGMA mmap_size = {int(before)}")


def _verify_in_worker(args: tuple) -> _Stretch:
    try:
        return _verify_stretch(*args)
    finally:
        connection.close()  # a clean goodbye to the server; the next task opens its own


def _verify_in_parallel(
    workers: int,
    batch_size: int,
    exported: Mapping[int, set[str]],
    progress: Callable[[int], None] | None,
) -> tuple[int, str, int, BrokenEntry | None]:
    """Split the chain as it stands into stretches checked by forked worker processes,
    then stitch them in order: each must start where the one before ended."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(seq) FROM common_ledgerentry")
        last = cursor.fetchone()[0] or 0
    size = max(batch_size * 4, -(-last // (workers * 8)))
    tasks = [(a, min(a + size, last), None, batch_size, exported) for a in range(0, last, size)]
    expected, prev, checked = 1, ZERO_HASH, 0
    connections.close_all()  # a forked child must never use its parent's connection
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        for stretch in pool.imap(_verify_in_worker, tasks):
            if stretch.first_seq is None:
                continue
            if stretch.first_seq != expected or stretch.first_prev != prev:
                kind, record_id = _entry_names(stretch.first_seq)
                broken = BrokenEntry(stretch.first_seq, kind, record_id, Problem.ENTRY_MISSING)
                return expected, prev, checked, broken
            checked += stretch.checked
            if stretch.broken is not None:
                return expected, prev, checked, stretch.broken
            expected, prev = stretch.last_seq + 1, stretch.last_hash
            if progress is not None:
                progress(checked)
    return expected, prev, checked, None


def _entry_names(seq: int) -> tuple[str, str]:
    found = LedgerEntry.objects.filter(seq=seq).values_list("kind", "record_id").first()
    return found or ("", "")


def default_workers() -> int:
    """How many processes `ruhu ledger verify` checks the chain with by default: one on
    SQLite, where a single process reads fastest (its reads are CPU in this process, and
    workers only add forking and stitching), one per CPU up to 8 on PostgreSQL, whose
    server builds the records in a backend of its own for each worker."""
    if connection.vendor != "postgresql":
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def ledger_verify(
    *,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    heads: Iterable[Path] = (),
    workers: int = 1,
) -> VerifyResult:
    """Walk the chain in seq order and report the first entry that is not what it was.

    `heads` are extra exported head files to hold the chain to (copies kept elsewhere),
    besides every recorded export and its file. Reads `batch_size` entries per query and
    calls each kind's loader once per batch; holds one batch in memory at a time.
    `workers` > 1 checks stretches of the chain in that many forked processes (the
    command line's choice; never inside a transaction, whose rows they could not see).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    by_seq: dict[int, list[ExportedHead]] = {}
    for head in exported_heads(heads):
        by_seq.setdefault(head.seq, []).append(head)
    exported = {seq: {h.entry_hash for h in heads} for seq, heads in by_seq.items()}
    expected, prev, checked = 1, ZERO_HASH, 0
    if workers > 1 and not connection.in_atomic_block:
        expected, prev, checked, broken = _verify_in_parallel(
            workers, batch_size, exported, progress
        )
        if broken is not None:
            return VerifyResult(False, checked, broken)

    def tail_progress(count: int) -> None:
        if progress is not None:
            progress(checked + count)

    # What is left: everything (one process), or what was appended meanwhile.
    tail = _verify_stretch(
        expected - 1, NO_END, (expected, prev), batch_size, exported, tail_progress
    )
    checked += tail.checked
    if tail.broken is not None:
        return VerifyResult(False, checked, tail.broken)
    expected = tail.last_seq + 1
    for seq in sorted(by_seq):
        if seq >= expected or any(h.entry_hash != ZERO_HASH for h in by_seq[seq] if seq == 0):
            # the chain is shorter than an exported head (or an export of the empty chain lies)
            named = next((h for h in by_seq[seq] if h.kind), by_seq[seq][0])
            broken = BrokenEntry(seq, named.kind, named.record_id, Problem.HEAD_DIFFERS)
            return VerifyResult(False, checked, broken)
    return VerifyResult(True, checked)
