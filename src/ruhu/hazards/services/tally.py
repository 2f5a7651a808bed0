"""The monthly tally behind the rectification rates (see `HazardTally`)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from ruhu.hazards.models import (
    RECTIFIED_RESOLUTIONS,
    Hazard,
    HazardTally,
    Resolution,
)


def tally_add(
    *, branch_id: int, found_on: dt.date, level: int, found: int = 0, rectified: int = 0
) -> None:
    """Add to one (branch, month, level) row in the caller's transaction."""
    key = {"branch_id": branch_id, "month": found_on.replace(day=1), "level": level}
    bump = {"found": F("found") + found, "rectified": F("rectified") + rectified}
    if HazardTally.objects.filter(**key).update(**bump):
        return
    try:
        with transaction.atomic():
            HazardTally.objects.create(**key, found=found, rectified=rectified)
    except IntegrityError:  # another transaction made the row first
        HazardTally.objects.filter(**key).update(**bump)


def tally_resolution(hazard: Hazard, before: str, after: str) -> None:
    """A case's resolution changed from `before` to `after`."""
    counted = {"found": 0, "rectified": 0}
    if after == Resolution.WITHDRAWN and before != Resolution.WITHDRAWN:
        counted["found"] -= 1
    counted["rectified"] = int(after in RECTIFIED_RESOLUTIONS) - int(
        before in RECTIFIED_RESOLUTIONS
    )
    if counted["found"] or counted["rectified"]:
        tally_add(
            branch_id=hazard.branch_id, found_on=hazard.found_on, level=hazard.level, **counted
        )


@transaction.atomic
def hazard_tally_rebuild() -> int:
    """Count every case again (after a bulk load, or to check the running tally)."""
    HazardTally.objects.all().delete()
    rows = (
        Hazard.objects.exclude(resolution=Resolution.WITHDRAWN)
        .annotate(month=TruncMonth("found_on"))
        .values("branch_id", "month", "level")
        .annotate(
            found=Count("level"),
            rectified=Count("level", filter=Q(resolution__in=RECTIFIED_RESOLUTIONS)),
        )
        .order_by()
    )
    made = HazardTally.objects.bulk_create(HazardTally(**row) for row in rows)
    return len(made)
