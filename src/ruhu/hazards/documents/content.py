"""What each hazard document says: plain data the services fill in from the database and
the builders lay out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class HazardLine:
    type_name: str
    level: int  # 1, 2 or 3 (RULES B5)
    description: str
    requirement: str


@dataclass(frozen=True)
class RectificationNoticeContent:
    company: str
    branch: str
    number: str
    second: bool
    account_no: str
    customer_name: str
    address: str
    hazards: tuple[HazardLine, ...]
    issued_on: dt.date
    deadline: dt.date
    inspector_name: str
    inspector_badge: str
    hotline: str
    # the policy's numbers the notice quotes (RULES B6.3, B6.4), as on the day it was issued
    copy_return_hours: int
    second_notice_days: int


@dataclass(frozen=True)
class StopSupplyNoticeContent:
    company: str
    branch: str
    number: str
    account_no: str
    customer_name: str
    address: str
    hazards: tuple[HazardLine, ...]
    first_notice_on: dt.date
    first_deadline: dt.date
    second_notice_on: dt.date
    second_deadline: dt.date
    limited_since: dt.date | None
    stop_on: dt.date
    hotline: str


@dataclass(frozen=True)
class PropertyLetterContent:
    company: str
    branch: str
    number: str
    property_manager: str
    community: str
    households: tuple[tuple[str, str], ...]  # (address, hazards summary)
    stop_on: dt.date
    contact_name: str
    contact_phone: str
    hotline: str
    issued_on: dt.date


@dataclass(frozen=True)
class MissedVisitNoticeContent:
    company: str
    branch: str
    address: str
    visited_at: dt.datetime
    inspector_name: str
    inspector_badge: str
    attempts: int
    hotline: str
    visit_hours: str


def level_name(level: int) -> str:
    """一级/二级/三级 (RULES B5)."""
    names = {1: _("一级"), 2: _("二级"), 3: _("三级")}
    return names.get(level, str(level))
