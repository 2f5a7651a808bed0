"""The evidence hash chain itself (see ruhu.common.ledger for its format and guarantees):
the canonical JSON every record is hashed in, the registry of each kind's loader, and the
one way to add a link, `ledger_append`, serialised so that two writers never link to the
same head. `ruhu.common.ledger` re-exports every public name of this module.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from django.db import connection
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from ruhu.common.models import LedgerEntry
from ruhu.common.rows import rows_insert

ZERO_HASH = "0" * 64
# pg_advisory_xact_lock key of the chain: the bytes of "ruhuledg" as a signed bigint.
LOCK_KEY = int.from_bytes(b"ruhuledg", "big", signed=True)
HEX64 = re.compile(r"[0-9a-f]{64}")
BAD_NAME = re.compile(r"[\r\n]")


class LedgerRecord(NamedTuple):
    """A record as its kind's loader reads it now: canonical JSON bytes, attachment hashes.

    A plain tuple (decision 0026): verify reads millions of them, and a tuple costs a
    fraction of a frozen dataclass to build."""

    canonical: bytes
    attachments: tuple[str, ...] = ()


Loader = Callable[[list[str]], Mapping[str, LedgerRecord]]
# (kind, after, until) -> (seq, canonical bytes, attachment hashes joined by ",") for each
# entry of `kind` with after < seq <= until whose record is there (decision 0026)
RangeLoader = Callable[[str, int, int], Iterable[tuple[int, bytes, str]]]

_loaders: dict[str, Loader] = {}
_range_loaders: dict[str, RangeLoader] = {}


def register_ledger_kind(kind: str, loader: Loader, *, ranges: RangeLoader | None = None) -> None:
    """Declare how to read records of `kind` now: `loader(ids) -> {id: LedgerRecord}`.

    The loader gets a batch of record ids (up to the verify batch size) and leaves out the
    ids it cannot find, which verify reports as deleted. Registering a kind twice with
    another loader is a mistake (two apps claiming one kind) and raises ValueError.

    `ranges`, if given, is what verify calls instead: `ranges(kind, after, until)` reads the
    records of the kind's entries with after < seq <= until, joined to the ledger by
    record id (keyset on seq, in freeze order), and yields for each record found
    `(seq, canonical bytes, ",".join(attachment hashes))`: plain rows, as the database
    gives them. It must give exactly what `loader` gives for the same record.
    """
    _check_name("kind", kind, 32)
    known = _loaders.get(kind)
    if known is not None and known is not loader:
        raise ValueError(f"ledger kind {kind!r} is already registered to {known!r}")
    _loaders[kind] = loader
    if ranges is not None:
        _range_loaders[kind] = ranges
    else:
        _range_loaders.pop(kind, None)


def _check_name(what: str, value: str, limit: int) -> None:
    if not isinstance(value, str) or not value or len(value) > limit or BAD_NAME.search(value):
        raise ValueError(f"ledger {what} must be 1–{limit} characters without line breaks")


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON-able value that the chain hashes."""
    return json.dumps(
        value,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
        default=_json_default,
    ).encode()


def entry_hash_of(
    *, prev_hash: str, kind: str, record_id: str, record_sha256: str, attachments: Sequence[str]
) -> str:
    text = f"{prev_hash}\n{kind}\n{record_id}\n{record_sha256}\n{','.join(attachments)}"
    return hashlib.sha256(text.encode()).hexdigest()


def lock_chain() -> None:
    """Serialise writers of the chain until the end of the current transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    # SQLite: the transaction began IMMEDIATE and so already holds the database's write lock.


HEAD_SQL = "SELECT seq, entry_hash FROM common_ledgerentry ORDER BY seq DESC LIMIT 1"


def _head_values() -> tuple[int, str]:
    """The last entry's seq and hash: one backward step on the unique index of seq."""
    with connection.cursor() as cursor:
        cursor.execute(HEAD_SQL)
        head = cursor.fetchone()
    return (head[0], head[1]) if head else (0, ZERO_HASH)


def ledger_append(
    *, kind: str, record_id: str, canonical: bytes, attachments: Sequence[str]
) -> LedgerEntry:
    """Chain one frozen record. Call inside the transaction that freezes it."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("ledger_append must run inside the caller's transaction")
    if kind not in _loaders:
        raise ValueError(f"ledger kind {kind!r} is not registered")
    _check_name("record id", record_id, 64)
    if not isinstance(canonical, bytes):
        raise TypeError("canonical must be bytes (see canonical_json)")
    hashes = list(attachments)
    for sha in hashes:
        if not isinstance(sha, str) or not HEX64.fullmatch(sha):
            raise ValueError(f"attachment hash must be 64 lowercase hex digits, not {sha!r}")
    lock_chain()
    seq, prev_hash = _head_values()
    record_sha256 = hashlib.sha256(canonical).hexdigest()
    (entry,) = rows_insert(
        [
            LedgerEntry(
                seq=seq + 1,
                kind=kind,
                record_id=record_id,
                record_sha256=record_sha256,
                attachments=hashes,
                prev_hash=prev_hash,
                entry_hash=entry_hash_of(
                    prev_hash=prev_hash,
                    kind=kind,
                    record_id=record_id,
                    record_sha256=record_sha256,
                    attachments=hashes,
                ),
            )
        ]
    )
    return entry


def ledger_head() -> LedgerEntry | None:
    return LedgerEntry.objects.order_by("-seq").first()


def ledger_loaders() -> Mapping[str, Loader]:
    """Every registered kind's loader, by kind (as registered now)."""
    return _loaders


def ledger_range_loaders() -> Mapping[str, RangeLoader]:
    """The kinds that read their records by ranges of seq, and how (as registered now)."""
    return _range_loaders
