"""Working days: the State Council's 2026 schedule, overrides, provisional later years."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ruhu.common.errors import ValidationFailed
from ruhu.common.models import AuditEvent
from ruhu.common.workdays import (
    PACKAGE_OFFICIAL_THROUGH,
    add_working_days,
    calendar_day_set,
    calendar_year_mark_published,
    day_info,
    is_working_day,
    working_days,
    working_days_between,
)

D = dt.date


def _span(first: dt.date, last: dt.date) -> set[dt.date]:
    return {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}


# 国务院办公厅关于2026年部分节假日安排的通知
HOLIDAYS_2026 = (
    _span(D(2026, 1, 1), D(2026, 1, 3))
    | _span(D(2026, 2, 15), D(2026, 2, 23))
    | _span(D(2026, 4, 4), D(2026, 4, 6))
    | _span(D(2026, 5, 1), D(2026, 5, 5))
    | _span(D(2026, 6, 19), D(2026, 6, 21))
    | _span(D(2026, 9, 25), D(2026, 9, 27))
    | _span(D(2026, 10, 1), D(2026, 10, 7))
)
ADJUSTED_WORKING_2026 = {
    D(2026, 1, 4),
    D(2026, 2, 14),
    D(2026, 2, 28),
    D(2026, 5, 9),
    D(2026, 9, 20),
    D(2026, 10, 10),
}


def expected_working(day: dt.date) -> bool:
    if day in ADJUSTED_WORKING_2026:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS_2026


def test_it_agrees_with_the_official_2026_schedule_day_for_day(db):
    days = sorted(_span(D(2026, 1, 1), D(2026, 12, 31)))
    assert len(days) == 365
    wrong = [day for day in days if is_working_day(day) != expected_working(day)]
    assert wrong == []
    assert sum(is_working_day(day) for day in days) == 248
    assert working_days(days[0], days[-1]) == [day for day in days if expected_working(day)]
    assert all(not day_info(day).provisional for day in days)


def test_it_names_the_days_it_answers_for(db):
    assert day_info(D(2026, 2, 14)).name == "调休上班"
    assert day_info(D(2026, 10, 1)).is_working is False
    assert day_info(D(2026, 10, 1)).name


def test_it_adds_working_days_across_the_spring_festival(db):
    # Friday 13 Feb, then Saturday 14 Feb is worked, then nine days off (15–23 Feb)
    answer = add_working_days(D(2026, 2, 13), 1)
    assert answer.date == D(2026, 2, 14)
    assert answer.provisional is False
    assert add_working_days(D(2026, 2, 13), 2).date == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 13), 5).date == D(2026, 2, 27)
    assert add_working_days(D(2026, 2, 13), 6).date == D(2026, 2, 28)  # a worked Saturday
    assert add_working_days(D(2026, 2, 24), -1).date == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 16), 0).date == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 13), 0).date == D(2026, 2, 13)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2


# The first year the installed `holidays` release has no State Council schedule for: the tests
# below follow it, so a release that adds China's next calendar moves them along rather than
# breaking them.
UNPUBLISHED = PACKAGE_OFFICIAL_THROUGH + 1


def test_it_knows_the_2026_schedule_from_the_package():
    assert UNPUBLISHED > 2026


def test_it_answers_provisionally_past_the_published_schedule(db):
    inside = add_working_days(D(UNPUBLISHED - 1, 12, 1), 10)
    assert inside.date.year == UNPUBLISHED - 1
    assert inside.provisional is False
    crossing = add_working_days(D(UNPUBLISHED - 1, 12, 28), 10)
    assert crossing.date.year == UNPUBLISHED
    assert crossing.provisional is True
    assert is_working_day(crossing.date)
    assert day_info(D(UNPUBLISHED, 3, 1)).provisional is True
    # far in the future it still answers, never raises
    assert add_working_days(D(UNPUBLISHED + 8, 1, 1), 30).provisional is True


def test_it_makes_a_year_official_once_an_administrator_publishes_it(alice):
    assert day_info(D(UNPUBLISHED, 3, 1)).provisional is True
    calendar_year_mark_published(
        acting_user=alice,
        year=UNPUBLISHED,
        published_on=D(UNPUBLISHED - 1, 11, 4),
        note="国办发明电〔2026〕",
    )
    assert add_working_days(D(UNPUBLISHED - 1, 12, 28), 10).provisional is False
    assert day_info(D(UNPUBLISHED, 3, 1)).provisional is False
    assert day_info(D(UNPUBLISHED + 1, 3, 1)).provisional is True
    event = AuditEvent.objects.get(action="calendar.year_published")
    assert event.actor == alice
    with pytest.raises(ValidationFailed):
        calendar_year_mark_published(acting_user=alice, year=1999)


def test_it_lets_an_administrators_override_change_the_answer(alice):
    monday = D(2026, 3, 2)
    saturday = D(2026, 3, 7)
    assert is_working_day(monday) and not is_working_day(saturday)
    calendar_day_set(acting_user=alice, day=monday, is_working=False, name="停气检修")
    calendar_day_set(acting_user=alice, day=saturday, is_working=True, name="补班")
    assert not is_working_day(monday)
    assert is_working_day(saturday)
    assert day_info(monday).name == "停气检修"
    assert add_working_days(D(2026, 2, 27), 1).date == D(2026, 2, 28)
    assert add_working_days(D(2026, 2, 28), 1).date == D(2026, 3, 3)
    assert working_days_between(D(2026, 3, 1), D(2026, 3, 8)) == 5
    assert working_days(D(2026, 3, 1), D(2026, 3, 8)) == [D(2026, 3, n) for n in (3, 4, 5, 6, 7)]
    # and it can be put back, with both changes in the trail
    calendar_day_set(acting_user=alice, day=monday, is_working=True, name="")
    assert is_working_day(monday)
    changes = [
        e.changes["is_working"]
        for e in AuditEvent.objects.filter(action="calendar.day_set").order_by("id")
    ]
    assert changes == [[None, False], [None, True], [False, True]]


def test_it_walks_through_a_closure_longer_than_its_first_look_ahead(alice):
    for day in sorted(_span(D(2026, 3, 2), D(2026, 4, 10))):  # six weeks closed
        calendar_day_set(acting_user=alice, day=day, is_working=False, name="停业")
    # Saturday 28 Feb is worked (调休), then nothing until Monday 13 April
    assert add_working_days(D(2026, 2, 28), 1).date == D(2026, 4, 13)
    assert add_working_days(D(2026, 4, 13), -1).date == D(2026, 2, 28)
    assert add_working_days(D(2026, 3, 2), 0).date == D(2026, 4, 13)
    assert working_days_between(D(2026, 2, 28), D(2026, 4, 13)) == 1


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 12, 31)),
    n=st.integers(min_value=1, max_value=40),
)
def test_it_always_lands_on_a_working_day_n_working_days_later(db, start, n):
    answer = add_working_days(start, n)
    assert answer.date > start
    assert is_working_day(answer.date)
    assert working_days_between(start, answer.date) == n
    assert working_days_between(start, answer.date - dt.timedelta(days=1)) == n - 1
