"""The work on one chunk, done in a worker process: parse, check, encrypt, hash.

What comes back is ready for the database engine: parameter tuples for SQLite's
executemany, or lines of COPY text for PostgreSQL, in the column order of `RECORD`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field

from ruhu.common import crypto
from ruhu.common.errors import ValidationFailed
from ruhu.common.importing.chunks import Chunk
from ruhu.common.importing.reader import decode
from ruhu.common.importing.values import RowError
from ruhu.premises.importing.columns import SEP, check_batch
from ruhu.premises.importing.rows import COLUMNS

PHONE_AAD = "premises.household.phone"
ID_AAD = "premises.household.id_number"
# Household columns an import writes, in the order of each prepared record.
RECORD = (
    "name", "phone", "phone_bidx", "id_number", "id_number_bidx", "category", "district",
    "community", "building", "unit", "room", "address", "meter_serial", "meter_kind",
    "meter_location", "gas_since", "last_inspected_on", "vulnerable", "group_rental",
    "is_key_customer", "import_digest", "account_no",
)  # fmt: skip
DATES = ("gas_since", "last_inspected_on")
# what follows a newline when the next record may be blank (only blanks, commas, quotes);
# the last two are the ideographic space in UTF-8 and in GB18030
BLANK_STARTS = (b"\n\n", b"\n\r", b"\n,", b'\n"', b"\n ", b"\n\t", b"\n\xe3\x80\x80", b"\n\xa1\xa1")
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True)
class Setup:
    positions: dict[str, int]  # import column → index in a row of the file
    today: dt.date
    vendor: str  # connection.vendor of the database written to
    suffix: str  # PostgreSQL: the constant COPY fields that end each line
    keys: crypto.KeyRing  # the parent's keys


@dataclass
class Prepared:
    first_line: int
    read: int = 0
    errors: list[RowError] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    records: list = field(default_factory=list)
    fatal: tuple[str, str] | None = None  # a file-level error: (message, code)


_setup: Setup | None = None


def worker_init(setup: Setup) -> None:
    crypto.keyring_adopt(setup.keys)
    global _setup
    _setup = setup


def prepare_chunk(chunk: Chunk, setup: Setup | None = None) -> Prepared:
    setup = setup or _setup
    assert setup is not None, "worker_init was not called"
    try:
        lines, cells = chunk_cells(chunk)
    except ValidationFailed as exc:
        return Prepared(first_line=chunk.first_line, fatal=(exc.message, exc.code))
    checked = check_batch(cells, lines, setup.positions, setup.today)
    columns = checked.columns
    digests = row_digests(columns)
    values = _record_columns(columns, digests)
    records = (
        _copy_lines(values, setup.suffix)
        if setup.vendor == "postgresql"
        else _parameter_rows(values)
    )
    return Prepared(
        first_line=chunk.first_line,
        read=len(cells),
        errors=checked.errors,
        lines=checked.lines,
        accounts=columns["account_no"],
        digests=digests,
        records=records,
    )


def chunk_cells(chunk: Chunk) -> tuple[list[int], list[list[str]]]:
    """Line numbers and cells of the chunk's non-blank records."""
    if chunk.rows:
        numbered = list(chunk.rows)
    else:
        text = decode(chunk.data, chunk.encoding)
        cells = list(csv.reader(io.StringIO(text, newline="")))
        if not _may_have_blank_records(chunk.data):
            return list(range(chunk.first_line, chunk.first_line + len(cells))), cells
        numbered = list(enumerate(cells, chunk.first_line))
    kept = [
        (line, cells)
        for line, cells in numbered
        if (joined := "".join(cells)) and not joined.isspace()
    ]
    return [line for line, _ in kept], [cells for _, cells in kept]


def row_digests(columns: dict[str, list]) -> list[str]:
    """Keyed hash of each row's clean values: equal rows, equal digests; reveals nothing."""
    as_text = [
        ["1" if value else "0" for value in columns[name]]
        if name in ("vulnerable", "group_rental")
        else columns[name]
        for name in COLUMNS
    ]
    key, blake2b = crypto.keyring().blind_key[:32], hashlib.blake2b
    return [
        blake2b(text.encode(), key=key, digest_size=16, person=b"household-row").hexdigest()
        for text in map(SEP.join, zip(*as_text, strict=True))
    ]


def _record_columns(columns: dict[str, list], digests: list[str]) -> dict[str, list]:
    phones, ids = columns["phone"], columns["id_number"]
    return {
        **{name: columns[name] for name in RECORD if name in columns},
        "phone": crypto.encrypt_many(phones, aad=PHONE_AAD),
        "phone_bidx": crypto.blind_index_many("phone", phones),
        "id_number": crypto.encrypt_many(ids, aad=ID_AAD),
        "id_number_bidx": crypto.blind_index_many("id_number", ids),
        "meter_kind": columns["meter_type"],
        "is_key_customer": [
            vulnerable or rental
            for vulnerable, rental in zip(
                columns["vulnerable"], columns["group_rental"], strict=True
            )
        ],
        "import_digest": digests,
    }


def _parameter_rows(values: dict[str, list]) -> list[tuple]:
    for name in DATES:
        values[name] = [day or None for day in values[name]]
    return list(zip(*(values[name] for name in RECORD), strict=True))


def _copy_lines(values: dict[str, list], suffix: str) -> list[str]:
    texts = []
    for name in RECORD:
        column = values[name]
        if name in DATES:
            column = [day or "\\N" for day in column]
        elif name in ("vulnerable", "group_rental", "is_key_customer"):
            column = ["t" if flag else "f" for flag in column]
        elif _needs_escapes("".join(column)):
            column = [text.translate(COPY_ESCAPES) for text in column]
        texts.append(column)
    return [("\t".join(row) + suffix) for row in zip(*texts, strict=True)]


def _needs_escapes(text: str) -> bool:
    return "\\" in text or "\t" in text or "\n" in text or "\r" in text


def _may_have_blank_records(data: bytes) -> bool:
    """False when no record can be blank: each starts with something else (a quick scan)."""
    body = data.rstrip(b"\r\n")
    return (
        not body or body[:1] in b' \t\r\n,"\xe3\xa1' or any(start in body for start in BLANK_STARTS)
    )
