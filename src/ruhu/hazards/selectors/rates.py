"""Rectification rates (RULES B2): hazards found in a period and how many are rectified,
per level and branch, against their targets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import OrgUnit
from ruhu.accounts.roles import Capability
from ruhu.common.errors import ValidationFailed
from ruhu.common.policy import policy_get
from ruhu.common.scoping import require, scope_queryset
from ruhu.hazards.models import RECTIFIED_RESOLUTIONS, Hazard, HazardTally, Resolution


@dataclass
class RateRow:
    branch_id: int | None
    branch: str
    level: int
    found: int
    rectified: int
    target: float

    @property
    def rate(self) -> float | None:
        return self.rectified / self.found if self.found else None

    @property
    def met(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target

    @property
    def rate_pct(self) -> float | None:
        return None if self.rate is None else round(self.rate * 100, 1)

    @property
    def target_pct(self) -> float:
        return round(self.target * 100, 1)


EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def rectification_rates(
    *, acting_user, start: dt.date, end: dt.date, by_branch: bool = True
) -> list[RateRow]:
    """Per level (and branch): hazards found in [start, end], and how many of them are
    rectified (on the spot or proven on a re-check). Withdrawn records do not count.

    Whole months come from the monthly tally; only the part-months at either end of the
    period are counted from the cases themselves, so the cost does not grow with the
    period or with the number of cases."""
    require(acting_user, Capability.VIEW_HAZARDS)
    if end < start:
        raise ValidationFailed(_("结束日期早于开始日期"), code="period")
    if start < EARLIEST or end > LATEST:
        raise ValidationFailed(_("日期超出范围"), code="period")
    first_whole, last_whole = _whole_months(start, end)
    counts: dict[tuple, list[int]] = {}
    keys = ["branch_id", "level"] if by_branch else ["level"]
    if first_whole is not None and last_whole is not None:
        tallied = scope_queryset(HazardTally.objects.all(), acting_user=acting_user).filter(
            month__gte=first_whole, month__lte=last_whole
        )
        for row in tallied.values(*keys).annotate(f=Sum("found"), r=Sum("rectified")).order_by():
            _add(counts, row, keys)
        edges = [(start, first_whole - dt.timedelta(days=1)), (_month_after(last_whole), end)]
    else:
        edges = [(start, end)]
    for low, high in edges:
        if low > high:
            continue
        cases = (
            scope_queryset(Hazard.objects.all(), acting_user=acting_user)
            .filter(found_on__gte=low, found_on__lte=high)
            .exclude(resolution=Resolution.WITHDRAWN)
        )
        # count columns of the index (not the id), so PostgreSQL reads the index alone
        counted = cases.values(*keys).annotate(
            f=Count("level"), r=Count("level", filter=Q(resolution__in=RECTIFIED_RESOLUTIONS))
        )
        for row in counted.order_by():
            _add(counts, row, keys)
    names = dict(OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH).values_list("pk", "name"))
    rows = []
    for key in sorted(counts, key=lambda k: tuple(-1 if v is None else v for v in k)):
        branch_id, level = key if by_branch else (None, key[0])
        found, rectified = counts[key]
        if not found:
            continue
        target = float(
            policy_get(f"target.rectification_rate.level{level}", branch=branch_id, on=end)
        )
        rows.append(
            RateRow(branch_id, names.get(branch_id, _("全部")), level, found, rectified, target)
        )
    return rows


def _whole_months(start: dt.date, end: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The first days of the first and last whole months inside [start, end], if any."""
    first = start if start.day == 1 else _month_after(start)
    last = end.replace(day=1) if _month_after(end) - dt.timedelta(days=1) == end else None
    if last is None:
        last = (end.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return (first, last) if first <= last else (None, None)


def _month_after(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _add(counts: dict, row: dict, keys: list[str]) -> None:
    key = tuple(row[k] for k in keys)
    found, rectified = counts.setdefault(key, [0, 0])
    counts[key] = [found + (row["f"] or 0), rectified + (row["r"] or 0)]
