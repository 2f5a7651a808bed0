"""The schedule: a facility checked on a day is due the same day three months (policy)
later and overdue the day after; regulator boxes are cleaned yearly."""

from __future__ import annotations

import datetime as dt

import time_machine
from hypothesis import given
from hypothesis import strategies as st

from ruhu.common.policy import policy_set
from ruhu.common.workdays import add_months
from ruhu.facilities.models import Facility, FacilityKind
from ruhu.facilities.schedule import first_not_due
from ruhu.facilities.selectors import facility_due_of, facility_schedule, schedule_counts
from tests.facilities.conftest import make_facility

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def on(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9), SHANGHAI), tick=False)


def codes(user, which: str) -> list[str]:
    return list(facility_schedule(acting_user=user, which=which).values_list("code", flat=True))


def test_it_lists_a_facility_as_overdue_the_day_after_three_months(lena, org):
    make_facility(org.a, "TYX-1", last_checked_on=dt.date(2026, 8, 27))
    with on(dt.date(2026, 11, 27)):
        assert codes(lena, "overdue") == []
        assert codes(lena, "due") == ["TYX-1"]
        assert facility_due_of(Facility.objects.get(code="TYX-1")).due_on == dt.date(2026, 11, 27)
    with on(dt.date(2026, 11, 28)):
        assert codes(lena, "overdue") == ["TYX-1"]
        assert codes(lena, "due") == []


def test_a_month_end_check_is_due_at_the_shorter_months_end(lena, org):
    make_facility(org.a, "TYX-2", last_checked_on=dt.date(2026, 11, 30))
    with on(dt.date(2027, 2, 28)):
        assert codes(lena, "overdue") == []
    with on(dt.date(2027, 3, 1)):
        assert codes(lena, "overdue") == ["TYX-2"]


def test_due_soon_and_upcoming_follow_the_policy_windows(lena, org):
    cleaned = {"last_cleaned_on": dt.date(2026, 6, 1)}
    make_facility(org.a, "SOON", last_checked_on=dt.date(2026, 9, 3), **cleaned)  # due 3 Dec
    make_facility(org.a, "LATER", last_checked_on=dt.date(2026, 9, 20), **cleaned)  # 20 Dec
    make_facility(org.a, "FAR", last_checked_on=dt.date(2026, 11, 1), **cleaned)  # 1 Feb
    with on(dt.date(2026, 11, 27)):
        assert codes(lena, "due") == ["SOON"]
        assert codes(lena, "upcoming") == ["LATER"]
        assert schedule_counts(acting_user=lena) == {
            "overdue": 0, "due": 1, "upcoming": 1, "cleaning": 0, "flagged": 0,
        }  # fmt: skip


def test_a_never_checked_facility_is_due_from_its_registration(lena, org):
    make_facility(org.a, "NEW", registered_on=dt.date(2026, 11, 20))
    with on(dt.date(2026, 11, 20)):
        assert codes(lena, "due") == ["NEW"]
    with on(dt.date(2026, 11, 21)):
        assert codes(lena, "overdue") == ["NEW"]


def test_a_branch_interval_moves_its_facilities_and_not_the_others(alice, lena, bella, org):
    make_facility(org.a, "A-WELL", FacilityKind.VALVE_WELL, last_checked_on=dt.date(2026, 9, 1))
    make_facility(org.b, "B-WELL", FacilityKind.VALVE_WELL, last_checked_on=dt.date(2026, 9, 1))
    policy_set(
        acting_user=alice,
        key="facility.check_interval_months.valve_well",
        value=2,
        branch=org.a,
        effective_from=dt.date(2026, 1, 1),
    )
    with on(dt.date(2026, 11, 2)):
        assert codes(lena, "overdue") == ["A-WELL"]
        assert codes(bella, "overdue") == []
        assert codes(alice, "overdue") == ["A-WELL"]


def test_a_regulator_cabinet_follows_the_valve_room_interval(alice, lena, org):
    make_facility(
        org.a, "CAB", FacilityKind.REGULATOR_CABINET, last_checked_on=dt.date(2026, 10, 1)
    )
    policy_set(
        acting_user=alice,
        key="facility.check_interval_months.valve_room",
        value=1,
        branch=None,
        effective_from=dt.date(2026, 1, 1),
    )
    with on(dt.date(2026, 11, 2)):
        assert codes(lena, "overdue") == ["CAB"]


def test_a_regulator_box_not_cleaned_for_a_year_is_listed_for_cleaning(lena, org):
    make_facility(
        org.a, "BOX", last_checked_on=dt.date(2026, 11, 1), last_cleaned_on=dt.date(2025, 12, 10)
    )
    make_facility(org.a, "WELL", FacilityKind.VALVE_WELL, last_checked_on=dt.date(2026, 11, 1))
    with on(dt.date(2026, 11, 27)):
        assert codes(lena, "cleaning") == []
    with on(dt.date(2026, 12, 4)):  # due 10 Dec, within the 7 "due soon" days
        assert codes(lena, "cleaning") == ["BOX"]


def test_retired_facilities_leave_the_schedule(lena, org):
    make_facility(org.a, "OLD", last_checked_on=dt.date(2020, 1, 1), active=False)
    with on(dt.date(2026, 11, 27)):
        assert codes(lena, "overdue") == []


def test_inspectors_see_their_branch_and_outsiders_nothing(charlie, dave, eve, org):
    make_facility(org.a, "A1", last_checked_on=dt.date(2026, 1, 1))
    with on(dt.date(2026, 11, 27)):
        assert codes(charlie, "overdue") == ["A1"]
        assert codes(dave, "overdue") == []
        assert codes(eve, "overdue") == []  # attached to no part of the company


@given(
    day=st.dates(min_value=dt.date(2000, 3, 1), max_value=dt.date(2099, 12, 31)),
    months=st.integers(min_value=1, max_value=24),
)
def test_first_not_due_is_the_exact_threshold(day, months):
    threshold = first_not_due(day, months)
    assert add_months(threshold, months) > day
    assert add_months(threshold - dt.timedelta(days=1), months) <= day
