"""Rectification rates (RULES B2): whole months from the running tally, part-months from
the cases, and both always equal to counting the cases directly."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruhu.hazards.models import RECTIFIED_RESOLUTIONS, Hazard, HazardTally, Resolution
from ruhu.hazards.selectors import rectification_rates
from ruhu.hazards.services import hazard_mark_arranged, hazard_recheck
from ruhu.hazards.services.tally import hazard_tally_rebuild
from tests.hazards.conftest import find, picture

HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}
WALL = {"hazard_type": "hose_through_wall", "item": "stove_connection", "level": 2}


def direct(start: dt.date, end: dt.date) -> dict[tuple, tuple[int, int]]:
    counted: dict[tuple, list[int]] = {}
    for hazard in Hazard.objects.filter(found_on__gte=start, found_on__lte=end).exclude(
        resolution=Resolution.WITHDRAWN
    ):
        row = counted.setdefault((hazard.branch_id, hazard.level), [0, 0])
        row[0] += 1
        row[1] += hazard.resolution in RECTIFIED_RESOLUTIONS
    return {key: tuple(value) for key, value in counted.items()}


def rates(user, start, end) -> dict[tuple, tuple[int, int]]:
    return {
        (row.branch_id, row.level): (row.found, row.rectified)
        for row in rectification_rates(acting_user=user, start=start, end=end)
    }


@pytest.fixture
def history(clock, charlie, lena, household_a):
    """Hazards found over three months, some rectified, one withdrawn."""
    from ruhu.inspection.models import Visit
    from ruhu.inspection.services import visit_correct
    from tests.inspection.visiting import inspected

    for day, found in [(1, HEATER), (15, WALL), (40, HEATER), (41, WALL), (75, HEATER)]:
        clock.move_to(dt.datetime(2026, 12, 1, 10).astimezone() + dt.timedelta(days=day))
        [hazard] = find(charlie, household_a, found)
        if day in (15, 41):  # a repairer's job: not rectified yet
            continue
        if day == 40:
            hazard_mark_arranged(acting_user=lena, hazard=hazard)
            hazard_recheck(
                acting_user=charlie, hazard=hazard, rectified=True, after_photo=picture(charlie)
            )
    last = Visit.objects.order_by("-finished_at").first()
    visit_correct(
        acting_user=charlie, visit=last, payload=inspected(charlie, household_a), reason="记错"
    )
    return charlie


def test_the_running_tally_equals_counting_the_cases_again(history, lena):
    # a month whose only case was withdrawn keeps a row of zeros: the same count
    counted = HazardTally.objects.exclude(found=0, rectified=0)
    running = set(counted.values_list("branch_id", "month", "level", "found", "rectified"))
    hazard_tally_rebuild()
    rebuilt = set(HazardTally.objects.values_list("branch_id", "month", "level", "found",
                                                  "rectified"))  # fmt: skip
    assert running == rebuilt
    assert sum(found for *_, found, _r in running) == 4  # the withdrawn one does not count


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.dates(dt.date(2026, 11, 20), dt.date(2027, 3, 1)),
    days=st.integers(0, 120),
)
def test_any_period_gives_what_counting_the_cases_gives(history, lena, start, days):
    end = start + dt.timedelta(days=days)
    assert rates(lena, start, end) == direct(start, end)


def test_the_rates_of_a_year_against_their_targets(history, lena, bella):
    [level1] = [r for r in rectification_rates(
        acting_user=lena, start=dt.date(2026, 1, 1), end=dt.date(2027, 12, 31)
    ) if r.level == 1]  # fmt: skip
    assert (level1.found, level1.rectified) == (2, 1)
    assert level1.rate == 0.5 and level1.met is False and level1.target == pytest.approx(0.99)
    # another branch sees none of it
    assert (
        rectification_rates(acting_user=bella, start=dt.date(2026, 1, 1), end=dt.date(2027, 12, 31))
        == []
    )
