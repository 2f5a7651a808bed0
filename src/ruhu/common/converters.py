"""Ids and dates as pages accept them from a URL: bounded before they reach a query.

Django's own `int` converter hands any run of digits to the view, and a 25-digit id reaches
the database, where a foreign-key filter overflows (OverflowError on SQLite, a bigint error
on PostgreSQL): a server error for a typo. Every id in a page's path therefore uses the
`id` converter (registered by `CommonConfig.ready`): 1–19 digits, at most 2⁶³−1, anything
else is no match, so Django answers 404 as for any unknown id. Ids and dates that a view
reads from the query string or a posted field go through `query_id` and `query_day` with
the same rule: a value that is not a valid id or day names nothing, and answers 404. Forms
use `DayField` and `MonthField`, which refuse with a form error (docs/decisions/0016).
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1  # a signed 64-bit integer: the largest id either database holds
ID_DIGITS = re.compile(r"[0-9]{1,19}")
# The days the application has any business with; years outside overflow date arithmetic.
EARLIEST_DAY, LATEST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def parse_id(raw: str) -> int | None:
    """The id `raw` spells, or None when it spells none (not 1–19 digits, or over 2⁶³−1)."""
    if not ID_DIGITS.fullmatch(raw or ""):
        return None
    number = int(raw)
    return number if number <= MAX_ID else None


def parse_day(raw: str) -> dt.date | None:
    """The day `raw` spells as YYYY-MM-DD within 1900–2999, or None."""
    match = ISO_DAY.fullmatch(raw or "")
    if not match:
        return None
    try:
        day = dt.date(*map(int, match.groups()))
    except ValueError:
        return None
    return day if EARLIEST_DAY <= day <= LATEST_DAY else None


def parse_month(raw: str) -> dt.date | None:
    """The first day of the month `raw` spells as YYYY-MM within 1900–2999, or None."""
    match = ISO_MONTH.fullmatch(raw or "")
    return parse_day(f"{match[1]}-{match[2]}-01") if match else None


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # the URL does not match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


def query_id(data, key: str) -> int | None:
    """The id under `key` in a query string or posted form: None when absent or empty,
    404 when it is not an id."""
    raw = data.get(key, "")
    if raw == "":
        return None
    number = parse_id(raw)
    if number is None:
        raise Http404(f"{key} is not an id")
    return number


def query_day(data, key: str) -> dt.date | None:
    """The day under `key` (YYYY-MM-DD): None when absent or empty, 404 when not a day."""
    raw = data.get(key, "")
    if raw == "":
        return None
    day = parse_day(raw)
    if day is None:
        raise Http404(f"{key} is not a day")
    return day


class DayField(forms.DateField):
    """A day as YYYY-MM-DD (what a date input sends), within 1900–2999."""

    default_error_messages = {
        "invalid": _("请按 年-月-日 填写日期，例如 2026-03-01"),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        day = parse_day(str(value).strip())
        if day is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return day


class MonthField(forms.DateField):
    """A month as YYYY-MM (what a month input sends), within 1900–2999: its first day."""

    default_error_messages = {
        "invalid": _("请按 年-月 填写月份，例如 2026-03"),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        month = parse_month(str(value).strip())
        if month is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return month
