"""Facilities of branch A (and a valve well of branch B for scoping); `make_facility` (from
tests/factories.py) builds others."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ruhu.accounts.roles import Role
from ruhu.facilities.models import FacilityKind
from tests.conftest import make_user
from tests.factories import make_facility

__all__ = ["make_facility"]  # imported from here by the facility tests

START = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def rick(org):
    """Rick of tests/conftest.py, with an e-mail address for the repair digests."""
    return make_user("rick", Role.REPAIRER, org.team_a, email="rick@example.com")


@pytest.fixture
def media(settings, tmp_path):
    """Uploads and documents go to the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clock():
    """Friday 27 November 2026, 09:00 in Shanghai; tests move on with `clock.move_to`."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def box(org):
    """A regulator box of branch A last checked and cleaned on 27 August 2026."""
    return make_facility(
        org.a,
        "TYX-A-001",
        last_checked_on=dt.date(2026, 8, 27),
        last_cleaned_on=dt.date(2026, 3, 1),
        safety_valve_valid_until=dt.date(2027, 6, 30),
        model="RX200/0.4",
    )


@pytest.fixture
def well(org):
    return make_facility(
        org.a, "FJ-A-001", FacilityKind.VALVE_WELL, last_checked_on=dt.date(2026, 10, 1)
    )


@pytest.fixture
def room(org):
    return make_facility(
        org.a,
        "FS-A-001",
        FacilityKind.VALVE_ROOM,
        last_checked_on=dt.date(2026, 10, 1),
        safety_valve_valid_until=dt.date(2026, 11, 30),
    )


@pytest.fixture
def well_b(org):
    return make_facility(
        org.b, "FJ-B-001", FacilityKind.VALVE_WELL, last_checked_on=dt.date(2026, 10, 1)
    )
