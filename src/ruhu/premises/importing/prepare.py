"""The work on one chunk, done in a worker process: parse, check, encrypt, hash.

What comes back is ready for the database engine, as one string per chunk (a string costs
next to nothing to send between processes; a tuple per row cost more than the SQLite
insert itself): the fields of every record in the column order of `RECORD`, NUL-joined
column after column for SQLite's executemany, or the chunk's COPY text for PostgreSQL. No
clean value holds a NUL: the checks refuse it. Repeats of an account within the chunk are
refused here too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from ruhu.common import crypto
from ruhu.common.errors import ValidationFailed
from ruhu.common.importing.cells import chunk_columns
from ruhu.common.importing.chunks import Chunk
from ruhu.common.importing.values import RowError
from ruhu.premises.importing.columns import SEP, check_columns
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
FLAGS = ("vulnerable", "group_rental", "is_key_customer")
FIELD = "\x00"  # between the fields of the SQLite payload: no clean value holds a NUL
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
    """A prepared chunk. `count` records are ready, on `lines`; `payload` holds them for
    the engine (see the module), `account_text` and `digest_text` their accounts and
    digests, NUL-joined, which the writer reads only when the table already has rows."""

    first_line: int
    read: int = 0
    errors: list[RowError] = field(default_factory=list)
    lines: Sequence[int] = ()
    count: int = 0
    account_text: str = ""
    digest_text: str = ""
    payload: str | bytes = ""
    fatal: tuple[str, str] | None = None  # a file-level error: (message, code)

    @property
    def accounts(self) -> list[str]:
        return self.account_text.split(FIELD) if self.count else []

    @property
    def digests(self) -> list[str]:
        return self.digest_text.split(FIELD) if self.count else []


_setup: Setup | None = None


def worker_init(setup: Setup) -> None:
    crypto.keyring_adopt(setup.keys)
    global _setup
    _setup = setup


def prepare_chunk(chunk: Chunk, setup: Setup | None = None) -> Prepared:
    setup = setup or _setup
    assert setup is not None, "worker_init was not called"
    names = list(setup.positions)
    try:
        lines, raw = chunk_columns(chunk, [setup.positions[name] for name in names])
    except ValidationFailed as exc:
        return Prepared(first_line=chunk.first_line, fatal=(exc.message, exc.code))
    checked = check_columns(dict(zip(names, raw, strict=True)), lines, setup.today)
    columns, good = checked.columns, checked.lines
    repeats = repeats_within(columns["account_no"], good)
    if repeats:
        keep = [index for index in range(len(good)) if index not in repeats]
        columns = {name: [values[index] for index in keep] for name, values in columns.items()}
        good = [good[index] for index in keep]
    digests = row_digests(columns)
    values = _record_columns(columns, digests)
    postgres = setup.vendor == "postgresql"
    return Prepared(
        first_line=chunk.first_line,
        read=len(lines),
        errors=checked.errors + list(repeats.values()),
        lines=good,
        count=len(good),
        account_text=FIELD.join(columns["account_no"]),
        digest_text=FIELD.join(digests),
        payload=_copy_text(values, setup.suffix) if postgres else _parameter_text(values),
    )


def repeats_within(accounts: Sequence[str], lines: Sequence[int]) -> dict[int, RowError]:
    """Repeats of an account within one chunk, by position: the first one counts."""
    if len(set(accounts)) == len(accounts):
        return {}
    first: dict[str, int] = {}
    repeats = {}
    for index, account in enumerate(accounts):
        if account in first:
            repeats[index] = duplicate_error(lines[index], account, lines[first[account]])
        else:
            first[account] = index
    return repeats


def duplicate_error(line: int, account: str, first: int) -> RowError:
    return RowError(line, "account_no", f"户号 {account} 与第 {first} 行重复")


def row_digests(columns: dict[str, list]) -> list[str]:
    """Keyed hash of each row's clean values: equal rows, equal digests; reveals nothing."""
    as_text = [
        ["1" if value else "0" for value in columns[name]]
        if name in ("vulnerable", "group_rental")
        else columns[name]
        for name in COLUMNS
    ]
    keyed = hashlib.blake2b(
        key=crypto.keyring().blind_key[:32], digest_size=16, person=b"household-row"
    )
    copy = keyed.copy
    out = []
    for text in map(SEP.join, zip(*as_text, strict=True)):
        state = copy()
        state.update(text.encode())
        out.append(state.hexdigest())
    return out


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


def _parameter_text(values: dict[str, list]) -> str:
    """SQLite: the fields of the records NUL-joined, column after column (a join per column
    is a C loop; the writer cuts the columns apart and zips them into rows). A flag is "1"
    or "0" (the column's numeric affinity stores an integer), an empty date "" (the insert
    makes it NULL)."""
    return FIELD.join(
        FIELD.join(
            ["1" if flag else "0" for flag in values[name]] if name in FLAGS else values[name]
        )
        for name in RECORD
    )


def _copy_text(values: dict[str, list], suffix: str) -> bytes:
    """PostgreSQL: the COPY text of the records, each ended by the constant `suffix`."""
    texts = []
    for name in RECORD:
        column = values[name]
        if name in DATES:
            column = [day or "\\N" for day in column]
        elif name in FLAGS:
            column = ["t" if flag else "f" for flag in column]
        elif _needs_escapes("".join(column)):
            column = [text.translate(COPY_ESCAPES) for text in column]
        texts.append(column)
    if not texts[0]:
        return b""
    return (suffix.join(map("\t".join, zip(*texts, strict=True))) + suffix).encode()


def _needs_escapes(text: str) -> bool:
    return "\\" in text or "\t" in text or "\n" in text or "\r" in text
