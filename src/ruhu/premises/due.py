"""When a household is next due for its safety inspection (RULES B1).

The cycle is its category's, from the branch's policy; a special gas-use site may have its
own (within the policy's 3–6 months); a vulnerable household gets the shorter of that and
the vulnerable cycle. A household never inspected is due at once, a first-time conversion
within `inspection.first_conversion_due_days` of its gas-on date. `due_by` says the same in
SQL, so that a plan can select the due households of a million without loading them.

The rules read only a household's own fields and its branch's policy, so they live with the
households: the households list filters the overdue ones, and inspection plans from them,
each importing down the chain (DESIGN "Layout").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from ruhu.common.policy import policy_get
from ruhu.common.workdays import add_months

CYCLE_KEYS = {
    "residential": "inspection.cycle_months.residential",
    "commercial": "inspection.cycle_months.commercial",
    "industrial": "inspection.cycle_months.industrial",
    "public_welfare": "inspection.cycle_months.public_welfare",
    "special": "inspection.cycle_months.special_default",
}
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Cycles:
    """One branch's cycle policy on a date."""

    months: dict[str, int]
    vulnerable: int
    special_min: int
    special_max: int
    first_conversion_days: int
    long_absent_months: int

    @classmethod
    def of_branch(cls, branch_id: int, on: dt.date | None = None) -> Cycles:
        def value(key: str) -> int:
            return int(policy_get(key, branch=branch_id, on=on))

        return cls(
            months={category: value(key) for category, key in CYCLE_KEYS.items()},
            vulnerable=value("inspection.cycle_months.vulnerable"),
            special_min=value("inspection.cycle_months.special_min"),
            special_max=value("inspection.cycle_months.special_max"),
            first_conversion_days=value("inspection.first_conversion_due_days"),
            long_absent_months=value("inspection.long_absent.months_without_inspection"),
        )

    def cycle(self, *, category: str, vulnerable: bool, special_months: int | None) -> int:
        months = self.months[category]
        if category == "special" and special_months is not None:
            months = min(max(special_months, self.special_min), self.special_max)
        return min(months, self.vulnerable) if vulnerable else months


@dataclass(frozen=True)
class DueStatus:
    due_on: dt.date | None  # None: never inspected, so due at once
    cycle_months: int
    overdue: bool
    long_absent: bool  # no successful inspection for the policy's months


def due_status(household, cycles: Cycles, today: dt.date) -> DueStatus:
    due_on, months = next_due(
        cycles,
        category=household.category,
        vulnerable=household.vulnerable,
        special_months=household.special_cycle_months,
        last_inspected_on=household.last_inspected_on,
        first_conversion=household.first_conversion,
        gas_since=household.gas_since,
    )
    last = household.last_inspected_on
    since = last or household.gas_since or timezone.localdate(household.created_at)
    return DueStatus(
        due_on=due_on,
        cycle_months=months,
        overdue=due_on is None or due_on < today,
        long_absent=add_months(since, cycles.long_absent_months) <= today,
    )


def next_due(
    cycles: Cycles,
    *,
    category: str,
    vulnerable: bool,
    special_months: int | None,
    last_inspected_on: dt.date | None,
    first_conversion: bool,
    gas_since: dt.date | None,
) -> tuple[dt.date | None, int]:
    """The next due date (None: never inspected, due at once) and the cycle in months."""
    months = cycles.cycle(category=category, vulnerable=vulnerable, special_months=special_months)
    if first_conversion and last_inspected_on is None and gas_since:
        return gas_since + dt.timedelta(days=cycles.first_conversion_days), months
    if last_inspected_on is None:
        return None, months
    return add_months(last_inspected_on, months), months


def latest_inspection_still_due(on: dt.date, months: int) -> dt.date:
    """The latest last-inspection date whose next due date (`add_months`) is on or before
    `on`: month ends make `add_months(on, -months)` off by up to three days."""
    latest = add_months(on, -months)
    while add_months(latest + ONE_DAY, months) <= on:
        latest += ONE_DAY
    while add_months(latest, months) > on:
        latest -= ONE_DAY
    return latest


def due_by(branch_id: int, on: dt.date, cycles: Cycles) -> Q:
    """Households of the branch due on or before `on`, the same answer as `due_status`."""
    first_conversion_start = on - dt.timedelta(days=cycles.first_conversion_days)
    never = Q(last_inspected_on__isnull=True) & (
        Q(first_conversion=False)
        | Q(gas_since__isnull=True)
        | Q(gas_since__lte=first_conversion_start)
    )
    condition = never
    for category, months in cycles.months.items():
        if category != "special":
            condition |= _due_with_cycle(Q(category=category), on, months, cycles)
            continue
        special = Q(category=category)
        condition |= _due_with_cycle(
            special & Q(special_cycle_months__isnull=True), on, months, cycles
        )
        low, high = cycles.special_min, cycles.special_max
        condition |= _due_with_cycle(special & Q(special_cycle_months__lte=low), on, low, cycles)
        condition |= _due_with_cycle(special & Q(special_cycle_months__gte=high), on, high, cycles)
        for own in range(low + 1, high):
            condition |= _due_with_cycle(special & Q(special_cycle_months=own), on, own, cycles)
    return Q(branch_id=branch_id) & condition


def _due_with_cycle(scope: Q, on: dt.date, months: int, cycles: Cycles) -> Q:
    shorter = min(months, cycles.vulnerable)
    return scope & (
        Q(last_inspected_on__lte=latest_inspection_still_due(on, months))
        | Q(vulnerable=True, last_inspected_on__lte=latest_inspection_still_due(on, shorter))
    )
