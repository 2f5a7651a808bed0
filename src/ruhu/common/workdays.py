"""Working days in mainland China.

The rule-based calendar comes from the `holidays` package (statutory holidays plus the
adjusted working weekends 调休 it knows). An administrator's CalendarDay rows override it
date by date. A year counts as official when the package carries its published schedule or
an administrator has marked it published; any other year is answered from the rules alone,
never with an error, and the answer says it is provisional.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.db import transaction
from django.utils.translation import gettext as _
from holidays.countries.china import ChinaStaticHolidays

from ruhu.common.actors import Actor
from ruhu.common.audit import audit_record
from ruhu.common.errors import ValidationFailed
from ruhu.common.models import CalendarDay, CalendarYear

PACKAGE_OFFICIAL_THROUGH = max(ChinaStaticHolidays.special_public_holidays)


@dataclass(frozen=True)
class DayAnswer:
    date: dt.date
    is_working: bool
    name: str
    provisional: bool


@dataclass(frozen=True)
class DeadlineAnswer:
    date: dt.date
    provisional: bool


@lru_cache(maxsize=64)
def _rules(year: int) -> tuple[dict[dt.date, str], frozenset[dt.date]]:
    cn = holidays.China(years=year)
    days_off = {day: str(name) for day, name in cn.items()}
    return days_off, frozenset(d for d in cn.weekend_workdays if d.year == year)


def _official_years() -> set[int]:
    published = set(CalendarYear.objects.values_list("year", flat=True))
    return published


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, CalendarDay]:
    return {row.date: row for row in CalendarDay.objects.filter(date__range=(start, end))}


def _answer(day: dt.date, overrides: dict[dt.date, CalendarDay], official: set[int]) -> DayAnswer:
    provisional = day.year > PACKAGE_OFFICIAL_THROUGH and day.year not in official
    if day in overrides:
        row = overrides[day]
        return DayAnswer(day, row.is_working, row.name, provisional)
    days_off, working_weekends = _rules(day.year)
    if day in working_weekends:
        return DayAnswer(day, True, "调休上班", provisional)
    if day in days_off:
        return DayAnswer(day, False, days_off[day], provisional)
    return DayAnswer(day, day.weekday() < 5, "", provisional)


def day_info(day: dt.date) -> DayAnswer:
    return _answer(day, _overrides(day, day), _official_years())


def is_working_day(day: dt.date) -> bool:
    return day_info(day).is_working


def add_working_days(start: dt.date, days: int) -> DeadlineAnswer:
    """The date `days` working days after `start` (0: start itself if working, else the next).

    Negative counts walk backwards. The answer is provisional when any day walked over lies
    in a year whose official schedule is not known yet.
    """
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    horizon = start + dt.timedelta(days=step * (remaining * 3 + 30))
    lo, hi = min(start, horizon), max(start, horizon)
    overrides, official = _overrides(lo, hi), _official_years()
    provisional = False
    day = start
    answer = _answer(day, overrides, official)
    provisional |= answer.provisional
    while remaining or not answer.is_working:  # with 0: walk on to the first working day
        day += dt.timedelta(days=step)
        if not lo <= day <= hi:  # a very long holiday stretch: widen the override window
            edge = day + dt.timedelta(days=step * 60)
            lo, hi = min(lo, edge), max(hi, edge)
            overrides.update(_overrides(lo, hi))
        answer = _answer(day, overrides, official)
        provisional |= answer.provisional
        if answer.is_working and remaining:
            remaining -= 1
    return DeadlineAnswer(day, provisional)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    if end <= start:
        return 0
    overrides, official = _overrides(start, end), _official_years()
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += _answer(day, overrides, official).is_working
    return count


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """The working days from `start` to `end`, both included, read in two statements."""
    overrides, official = _overrides(start, end), _official_years()
    days = (start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if _answer(day, overrides, official).is_working]


@transaction.atomic
def calendar_day_set(
    *, acting_user: Actor | None, day: dt.date, is_working: bool, name: str = ""
) -> CalendarDay:
    row = CalendarDay.objects.filter(date=day).first()
    before = {"is_working": row.is_working, "name": row.name} if row else {}
    if row is None:
        row = CalendarDay.objects.create(date=day, is_working=is_working, name=name)
    else:
        row.is_working, row.name = is_working, name
        row.save(update_fields=["is_working", "name"])
    audit_record(
        acting_user=acting_user,
        action="calendar.day_set",
        target=row,
        changes={
            "is_working": [before.get("is_working"), is_working],
            "name": [before.get("name"), name],
        },
    )
    return row


@transaction.atomic
def calendar_year_mark_published(
    *, acting_user: Actor | None, year: int, published_on: dt.date | None = None, note: str = ""
) -> CalendarYear:
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("年份超出范围"), code="calendar_year")
    row, created = CalendarYear.objects.update_or_create(
        year=year, defaults={"published_on": published_on, "note": note}
    )
    audit_record(
        acting_user=acting_user,
        action="calendar.year_published",
        target=row,
        changes={"published": [not created and None, True]},
        reason=note,
    )
    return row


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later (or earlier, when negative); the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
