"""The rectification loop's clock and helpers; its people (Lena, Rick, Cathy, Sam) are
personas of tests/conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from ruhu.common.models import Attachment
from ruhu.hazards.models import Hazard
from ruhu.inspection.services import visit_submit
from tests.inspection.visiting import inspected, photo

START = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def clock():
    """Tuesday 1 December 2026, 10:00 in Shanghai; tests move on with `clock.move_to`."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def find(user, household, *hazards: dict) -> list[Hazard]:
    """A visit by `user` that finds `hazards` (dicts of HazardIn); the cases it opened."""
    checklist = inspected(user, household).model_dump()["checklist"]
    rows = []
    for hazard in hazards:
        row = {"level": 2, "fixed_on_spot": False, "before_photo": photo(user, "red"), **hazard}
        if row.get("item"):
            checklist[row["item"]] = {"state": "hazard"}
        rows.append(row)
    payload = inspected(user, household, checklist=checklist, hazards=rows)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the notice PDF renders after commit
        visit, _ = visit_submit(acting_user=user, payload=payload)
    return list(Hazard.objects.filter(found_visit=visit).order_by("found_position"))


def picture(user, colour: str = "green") -> Attachment:
    sha = photo(user, colour)
    return Attachment.objects.get(sha256=sha, branch_id=user.branch_id)


def today():
    return timezone.localdate()
