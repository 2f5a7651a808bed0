"""Checking a batch of import rows column by column.

Each column of a batch is first tried as a whole against the shape of a well-formed value:
the column is joined into one string and matched by one compiled expression, so the common
case costs a C loop rather than a Python call per value. A column that does not pass is
checked value by value with the functions of `rows`, which give the reasons. The libraries
stay the authority: a mobile prefix counts as valid only when `phonenumbers` said so, and a
resident ID's area and year only when `python-stdnum` did (each asked once per prefix).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from ruhu.common.importing import values as cell_checks
from ruhu.common.importing.values import FALSE, TRUE, BadValue, RowError
from ruhu.premises.importing import rows as row_checks
from ruhu.premises.importing.rows import (
    CATEGORIES,
    COLUMNS,
    LIMITS,
    METER_LOCATIONS,
    METER_TYPES,
    REQUIRED,
)

SEP = "\x1f"  # unit separator: joins a column's values for the whole-column match
FLAGS = {word: True for word in TRUE} | {word: False for word in FALSE}
CHECK_DIGITS = "0123456789X"
COLUMN_ORDER = {name: index for index, name in enumerate(COLUMNS)}

PHONE_VALUE = r"(?:1\d{10})?"
# month and day that exist (29 February only in leap years: values with it get the full check)
MONTH_DAY = (
    r"(?:(?:0[1-9]|1[0-2])-?(?:0[1-9]|1\d|2[0-9])"
    r"|(?:0[13-9]|1[0-2])-?30|(?:0[13578]|1[02])-?31)"
)
ID_VALUE = rf"(?:\d{{6}}(?:19|20)\d\d{MONTH_DAY.replace('-?', '')}\d{{3}}[\dX])?"
DATE_VALUE = rf"(?:(?:19|20)\d\d-{MONTH_DAY.replace('-?', '-')})?"


@dataclass
class CheckedBatch:
    """The good rows of a batch as clean columns, and the errors of the bad ones."""

    lines: Sequence[int]
    columns: dict[str, list]
    errors: list[RowError] = field(default_factory=list)


@cache
def _whole_column(value: str) -> re.Pattern[str]:
    return re.compile(f"{value}(?:{SEP}{value})*")


@cache
def _one_value(value: str) -> re.Pattern[str]:
    return re.compile(value)


@cache
def _text_value(limit: int, required: bool) -> str:
    # 1..limit characters, no surrounding whitespace, no NUL, no separator
    edge = rf"[^\s\x00{SEP}]"
    value = f"{edge}(?:[^\\x00{SEP}]{{0,{limit - 2}}}{edge})?"
    return value if required else f"(?:{value})?"


def _misfits(values: Sequence[str], value_pattern: str) -> list[int]:
    """Positions of the values not of the well-formed shape (none, usually, at C speed)."""
    joined = SEP.join(values)
    if (
        _whole_column(value_pattern).fullmatch(joined) is not None
        and joined.count(SEP) == len(values) - 1
    ):
        return []
    match = _one_value(value_pattern).fullmatch
    return [index for index, value in enumerate(values) if match(value) is None]


def _text_fits(values: Sequence[str], limit: int, required: bool) -> bool:
    """Whether every value is well-formed text (what `_text_value` matches), decided by C
    loops over the column: lengths, NUL, separators, blanks at the edges (str.strip and
    the pattern's \\s are the same Unicode whitespace), and "" when required."""
    joined = SEP.join(values)
    return (
        joined.count(SEP) == len(values) - 1
        and "\x00" not in joined
        and max(map(len, values), default=0) <= limit
        and list(map(str.strip, values)) == list(values)
        and not (required and "" in values)
    )


def _bad_mobile_prefixes(values: Sequence[str], skip: set[int]) -> list[int]:
    """Mobile numbers whose prefix `phonenumbers` refuses (asked once per prefix: `rows`)."""
    valid, width = row_checks._mobile_prefix_valid, row_checks.MOBILE_PREFIX
    if not skip and all(map(valid, {value[:width] for value in values if value})):
        return []
    return [
        index
        for index, value in enumerate(values)
        if value and index not in skip and not valid(value[:width])
    ]


def _bad_id_numbers(values: Sequence[str], skip: set[int], today: str) -> list[int]:
    """Checksum, birth date not in the future, area code valid in the birth year."""
    verdicts = {
        area_year: row_checks._birth_place_valid(area_year[:6], int(area_year[6:]))
        for area_year in {
            value[:10] for index, value in enumerate(values) if value and index not in skip
        }
    }
    digits = CHECK_DIGITS
    return [
        index
        for index, value in enumerate(values)
        if value
        and index not in skip
        and (
            value[6:14] > today
            or value[17] != digits[(1 - 2 * int(value[:17], 13)) % 11]
            or not verdicts[value[:10]]
            or value[10:14] == "0229"
        )
    ]


class _Batch:
    def __init__(self, raw: Mapping[str, Sequence[str]], size: int, today: dt.date):
        self.size = size
        self.today = today
        self.bad: dict[int, list[tuple[str, str]]] = defaultdict(list)
        empty = ("",) * size
        self.raw = {name: raw.get(name) or empty for name in COLUMNS}

    def fix(
        self, name: str, values: Sequence, positions: Iterable[int], check: Callable
    ) -> Sequence:
        """`values` with those at `positions` replaced by the full check's clean value."""
        positions = sorted(set(positions))
        if not positions:
            return values
        out = list(values)
        for index in positions:
            try:
                out[index] = check(self.raw[name][index])
            except BadValue as exc:
                self.bad[index].append((name, str(exc)))
                out[index] = None
        return out

    def text(self, name: str, limit: int) -> Sequence[str]:
        required = name in REQUIRED
        values = self.raw[name]

        def check(value: str) -> str:
            value = value.strip()
            if required and not value:
                raise BadValue("必填")
            if len(value) > limit:
                raise BadValue(f"超过{limit}个字符")
            if "\x00" in value:
                raise BadValue("含有非法字符")
            return value

        if _text_fits(values, limit, required):
            return values
        return self.fix(name, values, _misfits(values, _text_value(limit, required)), check)

    def phones(self) -> Sequence[str]:
        values = self.raw["phone"]
        odd = _misfits(values, PHONE_VALUE)
        odd += _bad_mobile_prefixes(values, set(odd))
        clean = ["+86" + value if value else "" for value in values]
        return self.fix("phone", clean, odd, row_checks.phone)

    def id_numbers(self) -> Sequence[str]:
        values = self.raw["id_number"]
        odd = _misfits(values, ID_VALUE)
        odd += _bad_id_numbers(values, set(odd), f"{self.today:%Y%m%d}")
        today = self.today
        return self.fix("id_number", values, odd, lambda value: row_checks.id_number(value, today))

    def dates(self, name: str) -> Sequence[str]:
        values = self.raw[name]
        odd = _misfits(values, DATE_VALUE)
        today, latest = self.today, self.today.isoformat()
        if max(values, default="") > latest:
            odd += [index for index, value in enumerate(values) if value > latest]
        if "-02-29" in SEP.join(values):
            odd += [index for index, value in enumerate(values) if value.endswith("-02-29")]

        def check(value: str) -> str:
            day = cell_checks.date(value, today)
            return day.isoformat() if day else ""

        return self.fix(name, values, odd, check)

    def flags(self, name: str) -> Sequence[bool]:
        mapped = list(map(FLAGS.get, self.raw[name]))
        if None not in mapped:
            return mapped
        odd = [index for index, flag in enumerate(mapped) if flag is None]
        return self.fix(name, mapped, odd, cell_checks.flag)

    def choice(self, name: str, options: dict[str, str], message: str) -> Sequence[str]:
        required = name in REQUIRED
        mapped = list(map(options.get, self.raw[name]))
        if None not in mapped and (not required or "" not in mapped):
            return mapped

        def check(value: str) -> str:
            if required and not value.strip():
                raise BadValue("必填")
            return cell_checks.choice(value, options, message, required=required)

        odd = [
            index for index, value in enumerate(mapped) if not value and (required or value is None)
        ]
        return self.fix(name, mapped, odd, check)


def check_batch(
    cells: list[list[str]], lines: list[int], positions: dict[str, int], today: dt.date
) -> CheckedBatch:
    """`check_columns` for rows of cells (a row may be shorter than the header)."""
    width = max(positions.values()) + 1
    rows = [row + [""] * (width - len(row)) for row in cells]
    transposed = list(zip(*rows, strict=False))
    raw = {name: transposed[index] for name, index in positions.items()} if rows else {}
    return check_columns(raw, lines, today)


def check_columns(
    raw: Mapping[str, Sequence[str]], lines: Sequence[int], today: dt.date
) -> CheckedBatch:
    """Clean columns for the rows without errors; every error of the others. `raw` holds
    each import column the file has, one text per row."""
    batch = _Batch(raw, len(lines), today)
    clean: dict[str, Sequence] = {name: batch.text(name, limit) for name, limit in LIMITS.items()}
    clean["phone"] = batch.phones()
    clean["id_number"] = batch.id_numbers()
    for name in ("gas_since", "last_inspected_on"):
        clean[name] = batch.dates(name)
    for name in ("vulnerable", "group_rental"):
        clean[name] = batch.flags(name)
    clean["category"] = batch.choice("category", CATEGORIES, "未知的用户类别")
    clean["meter_type"] = batch.choice("meter_type", METER_TYPES, "表类型应为 ordinary 或 ic")
    clean["meter_location"] = batch.choice(
        "meter_location", METER_LOCATIONS, "表位置应为 indoor 或 outdoor"
    )
    serials, kinds, places = clean["meter_serial"], clean["meter_type"], clean["meter_location"]
    if not (all(kinds) and all(places)):
        for index, serial in enumerate(serials):
            if serial and not (kinds[index] and places[index]):
                batch.bad[index].append(("meter_type", "有表号时须填写表类型和表位置"))
    if not batch.bad:
        return CheckedBatch(lines=lines, columns={k: list(v) for k, v in clean.items()})
    good = [index for index in range(batch.size) if index not in batch.bad]
    errors = [
        RowError(lines[index], column, reason)
        for index in sorted(batch.bad)
        for column, reason in sorted(batch.bad[index], key=lambda e: COLUMN_ORDER[e[0]])
    ]
    return CheckedBatch(
        lines=[lines[index] for index in good],
        columns={name: [values[index] for index in good] for name, values in clean.items()},
        errors=errors,
    )
