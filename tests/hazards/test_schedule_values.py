"""Every value of the rectification schedule (RULES B6, §5 隐患整改周期) by the day it falls due.

The tables are typed in from RULES.md and docs/hazards.md, not read from the policy seed:
changing a seeded value, a hazard type's schedule row or the working-day arithmetic fails
here. The hazards are found on Tuesday 30 September 2025, the eve of the National Day
holiday (1–8 October; Saturday 11 October is an adjusted working day, 调休), so each
working-day deadline also proves that holidays and adjusted weekends are counted.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ruhu.hazards.models import HazardNotice, State
from ruhu.hazards.services import (
    hazard_clock_run,
    hazard_limit_apply,
    hazard_notice_deliver,
    hazard_notice_issue,
    hazard_seal,
)
from ruhu.premises.models import Household
from tests.hazards.conftest import find, picture

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FOUND_AT = dt.datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)  # a Tuesday
FOUND_ON = FOUND_AT.date()
D = dt.date

# RULES B6 rectification schedule: row (policy hazard.fix_working_days.<row>), the catalogue's
# hazard type of that row, working days, and the day a case found on FOUND_ON falls due.
SCHEDULE = [
    ("add_hose_clamp", "hose_defect", 0, D(2025, 9, 30)),  # 加装软管管卡: on the spot
    ("hose_too_long", "hose_too_long", 1, D(2025, 10, 9)),  # 软管超长: on the spot or 1
    ("leaking_installation", "leak", 0, D(2025, 9, 30)),  # 燃气管道设施漏气: at once
    ("meter_clamp_missing", "meter_clamp_missing", 2, D(2025, 10, 10)),  # 燃气表固定管卡缺失
    ("hose_through_wall", "hose_through_wall", 2, D(2025, 10, 10)),  # 软管穿墙
    ("meter_replacement", "meter_replacement", 3, D(2025, 10, 11)),  # 燃气表更换
    ("meter_replacement", "meter_corroded", 3, D(2025, 10, 11)),  # 燃气表严重锈蚀: replaced
    ("meter_badly_installed", "meter_badly_installed", 3, D(2025, 10, 11)),  # 燃气表安装不规范
    ("valve_hard_to_operate", "valve_hard_to_operate", 3, D(2025, 10, 11)),  # 表前阀、灶前阀
    ("service_pipe_no_sleeve", "service_pipe_no_sleeve", 5, D(2025, 10, 14)),  # 入户支管无套管
    ("buried_pipe_joint", "buried_pipe_joint", 7, D(2025, 10, 16)),  # 埋地管有接头
]
# A repairer's hazard in no row of the schedule: hazard.repair_default_working_days (3).
UNLISTED_REPAIR = ("pipe_corroded", 3, D(2025, 10, 11))


@pytest.fixture
def clock():
    with time_machine.travel(FOUND_AT, tick=False) as traveller:
        yield traveller


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def test_the_table_has_the_ten_rows_of_the_schedule():
    assert len({row for row, *_ in SCHEDULE}) == 10


@pytest.mark.parametrize(
    ("row", "hazard_type", "working_days", "due"),
    SCHEDULE,
    ids=[f"{row}-{kind}" for row, kind, *_ in SCHEDULE],
)
def test_a_repair_job_falls_due_on_the_schedules_working_day(
    clock, charlie, household_a, row, hazard_type, working_days, due
):
    [hazard] = find(charlie, household_a, {"hazard_type": hazard_type, "remedy": "repair"})
    assert hazard.hazard_type.schedule_row == row
    assert (hazard.state, hazard.found_on, hazard.due_on) == (State.DISPATCHED, FOUND_ON, due)


def test_a_repair_job_in_no_row_of_the_schedule_falls_due_in_the_default_working_days(
    clock, charlie, household_a
):
    hazard_type, _working_days, due = UNLISTED_REPAIR
    [hazard] = find(charlie, household_a, {"hazard_type": hazard_type, "remedy": "repair"})
    assert hazard.hazard_type.schedule_row == ""
    assert (hazard.state, hazard.due_on) == (State.DISPATCHED, due)


def test_the_customers_notices_fall_due_on_the_days_of_the_rules(
    clock, charlie, lena, cathy, rick, household_a
):
    """RULES B6.3–B6.5 and docs/hazards.md: the notice handed over at the visit gives 7
    days and its company copy is due back in 48 hours; the second notice gives 3 days; the
    letter to the property manager 7 days; a sealed supply is handed over the same day.
    Calendar days: the holiday does not stretch them."""
    Household.objects.filter(pk=household_a.pk).update(community="翠苑小区")  # for the letter
    [hazard] = find(charlie, household_a, {"hazard_type": "direct_exhaust_heater", "level": 1})
    notice = HazardNotice.objects.get(hazards=hazard)
    assert notice.copy_due_at == at(FOUND_ON, 10) - dt.timedelta(minutes=1) + dt.timedelta(hours=48)
    assert (hazard.state, hazard.due_on) == (State.NOTICED, D(2025, 10, 7))  # 7 days

    clock.move_to(at(D(2025, 10, 8), 1))
    hazard_clock_run()
    hazard.refresh_from_db()
    assert hazard.state == State.RENOTICE_DUE
    second = hazard_notice_issue(acting_user=charlie, kind="rectify_second", hazards=[hazard])
    hazard_notice_deliver(
        acting_user=charlie, notice=second, method="posted", photo=picture(charlie, "blue")
    )
    hazard.refresh_from_db()
    assert (hazard.state, hazard.due_on) == (State.RENOTICED, D(2025, 10, 11))  # 3 days

    clock.move_to(at(D(2025, 10, 12), 1))
    hazard_clock_run()
    hazard.refresh_from_db()
    assert hazard.state == State.LIMIT_DUE
    hazard_limit_apply(acting_user=cathy, hazard=hazard)
    hazard.refresh_from_db()
    stop = hazard_notice_issue(acting_user=charlie, kind="stop_supply", hazards=[hazard])
    hazard_notice_deliver(
        acting_user=charlie, notice=stop, method="posted", photo=picture(charlie, "grey")
    )
    hazard.refresh_from_db()
    assert hazard.state == State.STOP_NOTICED
    letter = hazard_notice_issue(acting_user=lena, kind="property_letter", hazards=[hazard])
    hazard_notice_deliver(acting_user=lena, notice=letter, method="handed", recipient="物业")
    hazard.refresh_from_db()
    assert (hazard.state, hazard.due_on) == (State.PM_LETTERED, D(2025, 10, 19))  # 7 days

    clock.move_to(at(D(2025, 10, 20), 1))
    hazard_clock_run()
    hazard.refresh_from_db()
    assert hazard.state == State.SEAL_DUE
    hazard_seal(acting_user=rick, hazard=hazard, photo=picture(rick, "white"))
    hazard_clock_run()  # hand-over days 0: the same day
    hazard.refresh_from_db()
    assert (hazard.state, hazard.since) == (State.HANDED_OVER, D(2025, 10, 20))
