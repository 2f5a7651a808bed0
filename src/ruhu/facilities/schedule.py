"""When a facility is due (RULES C): its last check plus the policy interval of its kind;
a regulator box's cleaning, its last cleaning plus the cleaning interval.

A facility never checked is due from the day it was registered, as a household never
inspected is due at once. Nothing is stored: lists ask the database for the facilities
whose last check is before a threshold, one per branch and interval, so a policy change
moves every due date at once. `add_months` clamps to a month's end (30 Nov + 3 months is
28 Feb), so the threshold is found by search rather than by subtracting months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from ruhu.common.policy import policy_get
from ruhu.common.workdays import add_months
from ruhu.facilities.checklist import INTERVAL_KEY
from ruhu.facilities.models import Facility, FacilityKind

DAY = dt.timedelta(days=1)
CLEANING_KEY = "facility.regulator_box.cleaning_interval_months"


def interval_months(kind: str, *, branch, on: dt.date) -> int:
    return int(policy_get(INTERVAL_KEY[kind], branch=branch, on=on))


def cleaning_months(*, branch, on: dt.date) -> int:
    return int(policy_get(CLEANING_KEY, branch=branch, on=on))


def first_not_due(day: dt.date, months: int) -> dt.date:
    """The earliest last-check date whose next due date is after `day`: a facility last
    checked before it is due on or before `day`."""
    candidate = add_months(day, -months)
    while add_months(candidate - DAY, months) > day:
        candidate -= DAY
    while add_months(candidate, months) <= day:
        candidate += DAY
    return candidate


@dataclass(frozen=True)
class Due:
    due_on: dt.date
    overdue: bool
    cleaning_due_on: dt.date | None
    cleaning_overdue: bool


def facility_due(facility: Facility, *, on: dt.date) -> Due:
    months = interval_months(facility.kind, branch=facility.branch_id, on=on)
    last = facility.last_checked_on
    due_on = add_months(last, months) if last else facility.registered_on
    cleaning_due_on = None
    if facility.kind == FacilityKind.REGULATOR_BOX:
        cleaned = facility.last_cleaned_on
        every = cleaning_months(branch=facility.branch_id, on=on)
        cleaning_due_on = add_months(cleaned, every) if cleaned else facility.registered_on
    return Due(
        due_on=due_on,
        overdue=due_on < on,
        cleaning_due_on=cleaning_due_on,
        cleaning_overdue=cleaning_due_on is not None and cleaning_due_on < on,
    )


def due_by(day: dt.date, *, branch_ids: list[int], on: dt.date) -> Q:
    """Facilities whose next check is due on or before `day` (policy as of `on`)."""
    condition = Q(last_checked_on__isnull=True, registered_on__lte=day)
    for branch_id in branch_ids:
        for key in sorted(set(INTERVAL_KEY.values())):
            kinds = [kind for kind, k in INTERVAL_KEY.items() if k == key]
            months = int(policy_get(key, branch=branch_id, on=on))
            condition |= Q(
                branch_id=branch_id,
                kind__in=kinds,
                last_checked_on__lt=first_not_due(day, months),
            )
    return condition


def cleaning_due_by(day: dt.date, *, branch_ids: list[int], on: dt.date) -> Q:
    """Regulator boxes whose cleaning is due on or before `day`."""
    condition = Q(last_cleaned_on__isnull=True, registered_on__lte=day)
    for branch_id in branch_ids:
        months = cleaning_months(branch=branch_id, on=on)
        condition |= Q(branch_id=branch_id, last_cleaned_on__lt=first_not_due(day, months))
    return Q(kind=FacilityKind.REGULATOR_BOX) & condition
