"""Reading and checking a facility registry file (the contract: docs/facilities-import.md).

The import machinery in common does the work both imports share: telling UTF-8 from
GB18030, reading XLSX cells as text, dates, choices and the `(line, column, reason)`
errors, so both imports accept the same files and report the same way. A registry is
small (thousands of rows, tens of thousands at most), so the whole file is read and
checked in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _

from ruhu.common.errors import ValidationFailed
from ruhu.common.importing.reader import file_rows
from ruhu.common.importing.values import BadValue, RowError, choice, date, header_names
from ruhu.facilities.checklist import has_safety_valve
from ruhu.facilities.models import Facility, FacilityKind

FACILITY_IMPORT = "facility"  # the kind of the registry import's jobs
COLUMNS = (
    "code", "kind", "name", "location", "community", "latitude", "longitude", "model",
    "manufacturer", "installed_on", "safety_valve_valid_until", "last_checked_on",
    "last_cleaned_on",
)  # fmt: skip
REQUIRED = ("code", "kind", "location")
HEADER_ALIASES = {
    "编号": "code", "设施编号": "code", "类型": "kind", "设施类型": "kind", "名称": "name",
    "位置": "location", "地址": "location", "小区": "community", "纬度": "latitude",
    "经度": "longitude", "型号": "model", "生产厂家": "manufacturer", "厂家": "manufacturer",
    "安装日期": "installed_on", "安全阀检验有效期": "safety_valve_valid_until",
    "安全阀有效期": "safety_valve_valid_until", "最近检查日期": "last_checked_on",
    "最近清洗日期": "last_cleaned_on",
}  # fmt: skip
# the label each column goes by on screen and in messages
LABELS = {
    "code": _("编号"), "kind": _("类型"), "name": _("名称"), "location": _("位置"),
    "community": _("小区"), "latitude": _("纬度"), "longitude": _("经度"), "model": _("型号"),
    "manufacturer": _("生产厂家"), "installed_on": _("安装日期"),
    "safety_valve_valid_until": _("安全阀检验有效期"), "last_checked_on": _("最近检查日期"),
    "last_cleaned_on": _("最近清洗日期"),
}  # fmt: skip
# Chinese spelled out rather than taken from the (lazily translated) choice labels: a file
# is read the same whatever the language of the page that uploads it
KINDS = {
    "regulator_box": FacilityKind.REGULATOR_BOX.value, "调压箱": FacilityKind.REGULATOR_BOX.value,
    "valve_well": FacilityKind.VALVE_WELL.value, "阀井": FacilityKind.VALVE_WELL.value,
    "valve_room": FacilityKind.VALVE_ROOM.value, "阀室": FacilityKind.VALVE_ROOM.value,
    "regulator_cabinet": FacilityKind.REGULATOR_CABINET.value,
    "调压柜": FacilityKind.REGULATOR_CABINET.value,
}  # fmt: skip
TEXTS = ("code", "name", "location", "community", "model", "manufacturer")


def _max_length(column: str) -> int:
    field = Facility._meta.get_field(column)
    assert isinstance(field, models.CharField) and field.max_length
    return field.max_length


LIMITS = {column: _max_length(column) for column in TEXTS}
COORDINATES = {"latitude": 90, "longitude": 180}
DECIMAL_PLACES = 6
PAST_DATES = ("installed_on", "last_checked_on", "last_cleaned_on")

MAX_ROWS = 100_000
MAX_CSV_BYTES = 50 << 20


@dataclass
class Sheet:
    """A registry file read: the import columns its header has, and its non-blank rows as
    (line a spreadsheet shows, {column: text})."""

    present: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass
class CheckedRow:
    line: int
    clean: dict
    errors: list[RowError]
    digest: str


def header_columns(header: list[str]) -> list[str | None]:
    """The import column of each header cell (None: a column the import ignores).

    Refuses a header that lacks a required column or names one column twice."""
    names = header_names(header, COLUMNS, HEADER_ALIASES)
    missing = [column for column in REQUIRED if column not in names]
    if missing:
        shown = "、".join(f"{column}（{LABELS[column]}）" for column in missing)
        raise ValidationFailed(
            _("缺少必需的列：%(columns)s") % {"columns": shown},
            code="import_header",
            missing=missing,
        )
    twice = sorted({name for name in names if name and names.count(name) > 1}, key=COLUMNS.index)
    if twice:
        shown = "、".join(f"{column}（{LABELS[column]}）" for column in twice)
        raise ValidationFailed(
            _("表头中有重复的列：%(columns)s") % {"columns": shown}, code="import_header_repeated"
        )
    return names


def read_registry(path: Path) -> Sheet:
    """The file's header and rows; a file the import cannot read is refused whole."""
    lines = file_rows(path, max_csv_bytes=MAX_CSV_BYTES)
    try:
        _line, header = next(lines)
    except StopIteration:
        raise ValidationFailed(_("文件为空"), code="import_empty") from None
    names = header_columns(header)
    sheet = Sheet(present=tuple(column for column in COLUMNS if column in names))
    for line, cells in lines:
        if not "".join(cells).strip():
            continue
        if len(sheet.rows) == MAX_ROWS:
            raise ValidationFailed(
                _("文件超过 %(rows)s 行，请分成几个文件导入") % {"rows": MAX_ROWS},
                code="import_too_large",
            )
        values = {name: cell for name, cell in zip(names, cells, strict=False) if name}
        sheet.rows.append((line, values))
    return sheet


def coordinate(value: str, bound: int) -> Decimal | None:
    raw = value.strip()
    if not raw:
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise BadValue("应为数字") from None
    if not number.is_finite():
        raise BadValue("应为数字")
    if abs(number) > bound:
        raise BadValue(f"应在 -{bound} 到 {bound} 之间")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -DECIMAL_PLACES:
        raise BadValue(f"最多{DECIMAL_PLACES}位小数")
    return number


def check_row(
    values: dict[str, str], line: int, today: dt.date, present: Collection[str]
) -> CheckedRow:
    """The row's clean values and every problem found in it: all columns are checked, and
    a column missing from the header reads as empty."""
    clean: dict = {}
    errors: list[RowError] = []

    def attempt(column: str, check, *args, **options) -> None:
        try:
            clean[column] = check(values.get(column) or "", *args, **options)
        except BadValue as exc:
            errors.append(RowError(line, column, str(exc)))

    for column in TEXTS:
        attempt(column, _text, column)
    attempt("kind", _kind)
    for column, bound in COORDINATES.items():
        attempt(column, coordinate, bound)
    for column in PAST_DATES:
        attempt(column, date, today)
    attempt("safety_valve_valid_until", date, today, future_ok=True)
    errors.extend(_cross_checks(clean, line))
    return CheckedRow(line=line, clean=clean, errors=errors, digest=row_digest(clean, present))


def _text(value: str, column: str) -> str:
    text = value.strip()
    if not text and column in REQUIRED:
        raise BadValue("必填")
    if len(text) > LIMITS[column]:
        raise BadValue(f"超过{LIMITS[column]}个字符")
    if "\x00" in text:
        raise BadValue("含有非法字符")
    return text


def _kind(value: str) -> str:
    if not value.strip():
        raise BadValue("必填")
    return choice(value, KINDS, "未知的设施类型，应为 调压箱、阀井、阀室 或 调压柜")


def _cross_checks(clean: dict, line: int) -> list[RowError]:
    """What one column may hold given another: kind-bound dates, both coordinates."""
    errors = []
    kind = clean.get("kind")
    if kind and clean.get("safety_valve_valid_until") and not has_safety_valve(kind):
        errors.append(RowError(line, "safety_valve_valid_until", "该类设施没有安全阀"))
    if kind and clean.get("last_cleaned_on") and kind != FacilityKind.REGULATOR_BOX:
        errors.append(RowError(line, "last_cleaned_on", "只有调压箱填写清洗日期"))
    for column, reason in (
        ("latitude", "已填写经度，纬度也须填写"),
        ("longitude", "已填写纬度，经度也须填写"),
    ):
        other = "longitude" if column == "latitude" else "latitude"
        if clean.get(other) is not None and column in clean and clean[column] is None:
            errors.append(RowError(line, column, reason))
    return errors


def row_digest(clean: dict, present: Collection[str]) -> str:
    """Hash of the row's clean values in the columns the file has: the same row gives the
    same digest however it was spelled (2026/1/5 or 2026-01-05, 调压箱 or regulator_box)."""
    canonical = [[column, _canonical(clean.get(column))] for column in COLUMNS if column in present]
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
