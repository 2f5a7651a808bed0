"""The errors of an import row and the checks of cell kinds every import has.

A check takes a cell's text and returns its clean value, or raises `BadValue` with the
reason a person reads in the report; the import adds the line and the column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

TRUE = {"true", "1", "yes", "y", "是", "t"}
FALSE = {"false", "0", "no", "n", "否", "f", ""}
DATE_SHAPES = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str


class BadValue(Exception):
    pass


def header_names(
    header: list[str], columns: Collection[str], aliases: Mapping[str, str]
) -> list[str | None]:
    """The import column each header cell names, by its own name (any case) or a Chinese
    alias; None for a column the import ignores."""
    names: list[str | None] = []
    for cell in header:
        key = (cell or "").strip().lstrip("\ufeff")
        names.append(key.lower() if key.lower() in columns else aliases.get(key))
    return names


def date(value: str, today: dt.date, *, future_ok: bool = False) -> dt.date | None:
    raw = value.strip()
    if not raw:
        return None
    for shape in DATE_SHAPES:
        match = shape.fullmatch(raw)
        if match:
            try:
                day = dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
            if day > today and not future_ok:
                raise BadValue("日期在未来")
            return day
    raise BadValue("日期格式应为 YYYY-MM-DD")


def flag(value: str) -> bool:
    raw = value.strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise BadValue("应为 是/否 或 true/false")


def choice(value: str, options: dict[str, str], message: str, *, required: bool = True) -> str:
    raw = value.strip()
    if not raw and not required:
        return ""
    if raw in options:
        return options[raw]
    if raw.lower() in options:
        return options[raw.lower()]
    raise BadValue(message)
