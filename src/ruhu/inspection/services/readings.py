"""Meter readings from the billing system (`ruhu import-meter-readings PATH`), which make an
"absent" report suspect when the indoor meter was read recently (RULES B1, B7)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import User
from ruhu.common.audit import audit_record
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import ValidationFailed
from ruhu.common.importing.reader import detect_encoding
from ruhu.inspection.models import MeterReading
from ruhu.premises.models import Household

register_action_labels({"meter_readings.import": _("导入抄表读数")})
BATCH = 5000
HEADERS = {
    "account": ("account", "户号"),
    "date": ("date", "抄表日期"),
    "reading": ("reading", "读数"),
}


@dataclass
class ReadingsResult:
    read: int = 0
    imported: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def meter_readings_import(*, acting_user: User | None, path: Path) -> ReadingsResult:
    """Load readings (account, date, reading); bad rows are reported and skipped, a
    reading already known for that household and date is left as it is."""
    text = path.read_text(encoding=detect_encoding(path))
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in next(rows, [])]
    columns = _columns(header)
    result = ReadingsResult()
    batch: list[tuple[int, str, dt.date, Decimal]] = []
    with transaction.atomic():
        for line, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            result.read += 1
            parsed = _parse(row, columns)
            if isinstance(parsed, str):
                result.errors.append((line, parsed))
                continue
            batch.append((line, *parsed))
            if len(batch) >= BATCH:
                _write(batch, result)
                batch = []
        _write(batch, result)
        audit_record(
            acting_user=acting_user,
            action="meter_readings.import",
            changes={
                "read": [None, result.read],
                "imported": [None, result.imported],
                "rejected": [None, len(result.errors)],
            },
        )
    return result


def _columns(header: list[str]) -> dict[str, int]:
    columns = {}
    for key, names in HEADERS.items():
        found = [header.index(name) for name in names if name in header]
        if not found:
            raise ValidationFailed(
                _("缺少列：%(column)s（%(label)s）") % {"column": names[0], "label": names[1]},
                code="readings_header",
                column=names[0],
            )
        columns[key] = found[0]
    return columns


def _parse(row: list[str], columns: dict[str, int]) -> tuple[str, dt.date, Decimal] | str:
    try:
        account, day, value = (row[columns[key]].strip() for key in ("account", "date", "reading"))
    except IndexError:
        return "列数不足"
    if not account:
        return "户号为空"
    try:
        read_on = dt.date.fromisoformat(day.replace("/", "-"))
    except ValueError:
        return f"日期格式应为 YYYY-MM-DD：{day!r}"
    try:
        reading = Decimal(value)
    except InvalidOperation:
        return f"读数不是数字：{value!r}"
    if reading < 0 or reading >= Decimal("1e9"):
        return "读数超出范围"
    return account, read_on, reading.quantize(Decimal("0.001"))


def _write(batch: list[tuple[int, str, dt.date, Decimal]], result: ReadingsResult) -> None:
    if not batch:
        return
    ids = dict(
        Household.objects.filter(account_no__in={row[1] for row in batch}).values_list(
            "account_no", "id"
        )
    )
    known = set(
        MeterReading.objects.filter(household_id__in=ids.values()).values_list(
            "household_id", "read_on"
        )
    )
    fresh = []
    for line, account, read_on, reading in batch:
        household = ids.get(account)
        if household is None:
            result.errors.append((line, f"户号不存在：{account}"))
        elif (household, read_on) in known:
            result.already += 1
        else:
            known.add((household, read_on))
            fresh.append(MeterReading(household_id=household, read_on=read_on, reading=reading))
    MeterReading.objects.bulk_create(fresh, batch_size=BATCH)
    result.imported += len(fresh)
