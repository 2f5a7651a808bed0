"""Building facility checks in tests as the phone sends them."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from ruhu.facilities.checklist import items_for, takes_pressures
from ruhu.facilities.schemas import CheckIn
from ruhu.facilities.services import facility_check_submit

GOOD_PRESSURES = {"cutoff_pa": 3600, "closing_pa": 2800, "operating_pa": 2400}


def all_fine(facility) -> dict:
    return {item.code: {"state": "ok"} for item in items_for(facility.kind)}


def check_payload(facility, **changes) -> CheckIn:
    finished = timezone.now() - dt.timedelta(minutes=1)
    data: dict = {
        "id": str(uuid.uuid4()),
        "facility_id": facility.pk,
        "started_at": (finished - dt.timedelta(minutes=15)).isoformat(),
        "finished_at": finished.isoformat(),
        "checklist": all_fine(facility),
    }
    if takes_pressures(facility.kind):
        data.update(GOOD_PRESSURES)
    data.update(changes)
    return CheckIn(**data)


def submit(user, facility, **changes):
    """The check `user` sends for `facility`, stored."""
    check, _created = facility_check_submit(
        acting_user=user, payload=check_payload(facility, **changes)
    )
    return check
