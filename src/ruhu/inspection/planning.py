"""Assigning a month's due households to inspectors and days (RULES B3), without a database.

The rules, in the order they win when they conflict:
1. only qualified inspectors, only working days, at most `capacity` households an inspector
   a day;
2. when not everyone fits, overdue and vulnerable households go first, then the earliest due;
   the rest are listed as unplanned with the reason;
3. the load is balanced: the largest load is at most `max_ratio` (the policy's
   `inspection.plan_load_balance_max_ratio`) times the smallest; a building is cut between
   two inspectors only to keep that bound;
4. a building stays with one inspector and a community on consecutive days, because each
   inspector takes one run of the month's buildings in order (community by community) and
   works through it day by day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Due:
    household_id: int
    community: str
    building: str
    due_on: dt.date | None  # None: never inspected
    overdue: bool
    vulnerable: bool

    @property
    def priority(self) -> tuple:
        return (not self.overdue, not self.vulnerable, self.due_on or dt.date.min)


@dataclass(frozen=True, slots=True)
class Task:
    household_id: int
    inspector_id: int
    day: dt.date


@dataclass
class Plan:
    tasks: list[Task] = field(default_factory=list)
    unplanned: list[tuple[int, str]] = field(default_factory=list)  # (household, reason)

    def loads(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for task in self.tasks:
            counts[task.inspector_id] = counts.get(task.inspector_id, 0) + 1
        return counts


NO_INSPECTOR = "没有合格的安检员"
NO_WORKING_DAY = "本月没有工作日"
OVER_CAPACITY = "超出本月安检能力"


def assign(
    due: Sequence[Due],
    *,
    inspectors: Sequence[int],
    days: Sequence[dt.date],
    capacity: int,
    max_ratio: float,
    taken: Mapping[tuple[int, dt.date], int] | None = None,
    last_day: Mapping[int, dt.date] | None = None,
) -> Plan:
    """The month's tasks and the households left out (see the module's rules).

    `taken` counts the visits an inspector already has on a day (tasks kept from an earlier
    generation); `last_day` is the last day an inspector may work (training expiring)."""
    plan = Plan()
    slots = {
        inspector: _slots(inspector, days, capacity, taken or {}, (last_day or {}).get(inspector))
        for inspector in inspectors
    }
    inspectors = sorted(inspectors, key=lambda inspector: -len(slots[inspector]))
    room = sum(len(free) for free in slots.values())
    if room == 0:
        reason = NO_WORKING_DAY if not days else NO_INSPECTOR
        plan.unplanned = [(item.household_id, reason) for item in due]
        return plan
    by_priority = sorted(due, key=_urgency)
    chosen, left = by_priority[:room], by_priority[room:]
    plan.unplanned = [(item.household_id, OVER_CAPACITY) for item in left]
    ordered = _in_walking_order(chosen)
    limits = [len(slots[inspector]) for inspector in inspectors]
    runs = _runs(ordered, limits, max_ratio)
    for inspector, run in zip(inspectors, runs, strict=True):
        for index, item in enumerate(run):
            plan.tasks.append(Task(item.household_id, inspector, slots[inspector][index]))
    return plan


def _slots(
    inspector: int,
    days: Sequence[dt.date],
    capacity: int,
    taken: Mapping[tuple[int, dt.date], int],
    last_day: dt.date | None,
) -> list[dt.date]:
    """One entry per visit the inspector can still make, day by day."""
    return [
        day
        for day in days
        if last_day is None or day <= last_day
        for _ in range(max(capacity - taken.get((inspector, day), 0), 0))
    ]


def _urgency(item: Due) -> tuple:
    """`Due.priority`, then the household: written out, as it runs for every due household."""
    return (not item.overdue, not item.vulnerable, item.due_on or dt.date.min, item.household_id)


def _in_walking_order(chosen: list[Due]) -> list[Due]:
    """Community by community, the most urgent community first; building by building.

    `chosen` is in order of urgency, so a community's first appearance is its most urgent
    household: that order ranks the communities, and one sort walks them."""
    rank: dict[str, int] = {}
    for item in chosen:
        if item.community not in rank:
            rank[item.community] = len(rank)
    return sorted(chosen, key=lambda item: (rank[item.community], item.building, item.household_id))


def _runs(ordered: list[Due], limits: list[int], max_ratio: float) -> list[list[Due]]:
    """One consecutive run per inspector, of near-equal length and none over its limit:
    cut between buildings when that keeps the loads within `max_ratio` of each other,
    else inside one."""
    runs, start, total, count = [], 0, len(ordered), len(limits)
    average = total / count
    band = (average / max_ratio**0.5, average * max_ratio**0.5)
    for index, limit in enumerate(limits):
        remaining = count - index
        later = sum(limits[index + 1 :])
        least = max(total - start - later, 0)  # what the later runs cannot hold
        end = start + min(max(round((total - start) / remaining), least), limit)
        if remaining > 1:
            end = _building_edge_near(ordered, start, end, remaining, (band, least, limit))
        runs.append(ordered[start:end])
        start = end
    return runs


def _building_edge_near(
    ordered: list[Due], start: int, end: int, remaining: int, bounds: tuple
) -> int:
    """The building edge nearest `end` that keeps this run and the rest's average in the
    band (average ÷ √ratio to average × √ratio: then any two runs are within the ratio) and
    this run between `least` and `limit`; else `end`, inside a building."""
    (low, high), least, limit = bounds
    total = len(ordered)
    for shift in range(0, int(high - low) + 2):
        for edge in (end - shift, end + shift):
            if not (start < edge < total and _is_edge(ordered, edge)):
                continue
            rest = (total - edge) / (remaining - 1)
            length = edge - start
            if low <= length <= high and low <= rest <= high and least <= length <= limit:
                return edge
    return end


def _is_edge(ordered: list[Due], index: int) -> bool:
    before, after = ordered[index - 1], ordered[index]
    return (before.community, before.building) != (after.community, after.building)
