"""The rectification loop walked on the regulations' clock (RULES B6), every path of it."""

from __future__ import annotations

import datetime as dt

import pytest

from ruhu.common.errors import Conflict, IllegalTransition, PermissionRefused, ValidationFailed
from ruhu.common.ledger import ledger_verify
from ruhu.common.models import AuditEvent, OutboxMessage
from ruhu.common.workdays import add_working_days
from ruhu.hazards.models import (
    ClockRun,
    Hazard,
    HazardNotice,
    HazardStep,
    Resolution,
    Route,
    State,
    Step,
    SupplyHold,
)
from ruhu.hazards.services import (
    hazard_assign,
    hazard_clock_run,
    hazard_limit_apply,
    hazard_mark_arranged,
    hazard_notice_copy_receive,
    hazard_notice_deliver,
    hazard_notice_issue,
    hazard_outcome_record,
    hazard_recheck,
    hazard_repair_done,
    hazard_repair_fail,
    hazard_seal,
    hazard_supply_restore,
)
from ruhu.premises.models import Household
from tests.hazards.conftest import find, picture, today

HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}
WALL = {"hazard_type": "hose_through_wall", "item": "stove_connection"}
HOSE = {"hazard_type": "hose_defect", "item": "stove_connection", "level": 1}

pytestmark = pytest.mark.django_db(transaction=False)


def fresh(hazard: Hazard) -> Hazard:
    return Hazard.objects.get(pk=hazard.pk)


def steps(hazard: Hazard) -> list[str]:
    return list(HazardStep.objects.filter(hazard=hazard).values_list("kind", flat=True))


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# ── routes at the visit ────────────────────────────────────────────────────────────


def test_it_closes_a_hazard_fixed_on_the_spot_with_its_after_photo(clock, charlie, household_a):
    after = picture(charlie, "green")
    [hazard] = find(
        charlie, household_a, {**HOSE, "fixed_on_spot": True, "after_photo": after.sha256}
    )
    hazard = fresh(hazard)
    assert (hazard.state, hazard.route, hazard.resolution) == (
        State.CLOSED, Route.ON_SPOT, Resolution.ON_SPOT,
    )  # fmt: skip
    assert hazard.rectified_on == hazard.found_on == today()
    assert not hazard.serious
    assert steps(hazard) == [Step.FOUND, Step.FIXED_ON_SPOT]


def test_it_dispatches_a_repairer_job_due_in_the_schedules_working_days(
    clock, charlie, rick, household_a
):
    [hazard] = find(charlie, household_a, WALL)
    hazard = fresh(hazard)
    assert (hazard.state, hazard.route) == (State.DISPATCHED, Route.REPAIR)
    assert hazard.due_on == add_working_days(today(), 2).date  # 软管穿墙: 2 working days
    hazard_assign(acting_user=rick, hazard=hazard, repairer=rick)  # the repairer takes it
    hazard_repair_done(acting_user=rick, hazard=hazard, after_photo=picture(rick))
    hazard = fresh(hazard)
    assert (hazard.state, hazard.resolution) == (State.CLOSED, Resolution.RECTIFIED)
    assert steps(hazard) == [
        Step.FOUND, Step.DISPATCHED, Step.DISPATCHED, Step.REPAIRED, Step.CLOSED,
    ]  # fmt: skip
    assert ledger_verify().ok


def test_a_repair_that_cannot_be_done_waits_for_a_notice_to_the_customer(
    clock, charlie, rick, household_a
):
    [hazard] = find(charlie, household_a, WALL)
    hazard_assign(acting_user=rick, hazard=fresh(hazard), repairer=rick)
    with pytest.raises(ValidationFailed):
        hazard_repair_fail(acting_user=rick, hazard=fresh(hazard), reason=" ")
    hazard_repair_fail(acting_user=rick, hazard=fresh(hazard), reason="客户不在家，无法入户")
    hazard = fresh(hazard)
    assert (hazard.state, hazard.route) == (State.FOUND, Route.NOTICE)
    notice = hazard_notice_issue(acting_user=charlie, kind="rectify", hazards=[hazard])
    assert notice.document is not None and notice.number.startswith("ZG")
    # issuing again before delivery returns the same notice: nothing twice
    assert hazard_notice_issue(acting_user=charlie, kind="rectify", hazards=[hazard]) == notice
    hazard_notice_deliver(
        acting_user=charlie, notice=notice, method="posted", photo=picture(charlie, "blue")
    )
    hazard = fresh(hazard)
    assert (hazard.state, hazard.due_on) == (State.NOTICED, today() + days(7))


def test_a_level_1_hazard_not_fixed_on_the_spot_is_serious_and_the_leads_hear(
    clock, charlie, lena, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    hazard = fresh(hazard)
    assert hazard.serious and hazard.state == State.NOTICED
    alert = OutboxMessage.objects.get(subject="重大隐患")
    assert alert.recipient == "lena@example.com"
    assert "建议立即切断供气" in alert.body and household_a.account_no in alert.body


# ── the customer's notice, then the ladder ────────────────────────────────────────


def test_the_customers_hazards_share_one_notice_handed_over_at_the_visit(
    clock, charlie, household_a
):
    heater, other = find(charlie, household_a, HEATER, {"hazard_type": "poor_ventilation"})
    notice = HazardNotice.objects.get()
    assert set(notice.hazards.all()) == {heater, other}
    assert (notice.kind, notice.delivery_method, notice.delivered_on) == (
        "rectify", "handed", today(),
    )  # fmt: skip
    assert notice.deadline == today() + days(7)
    assert notice.document is not None  # rendered after the visit committed
    assert fresh(heater).due_on == today() + days(7)


def test_a_hazard_left_alone_walks_day_by_day_to_the_hand_over(
    clock, charlie, lena, cathy, rick, sam, household_a
):
    Household.objects.filter(pk=household_a.pk).update(community="翠苑小区")
    [hazard] = find(charlie, household_a, HEATER)
    found_on = today()
    # the deadline day itself is the customer's: nothing moves
    for n in range(1, 8):
        clock.move_to(dt.datetime.combine(found_on + days(n), dt.time(1, 0)).astimezone())
        hazard_clock_run()
        assert fresh(hazard).state == State.NOTICED
    clock.move_to(dt.datetime.combine(found_on + days(8), dt.time(1, 0)).astimezone())
    hazard_clock_run()
    hazard = fresh(hazard)
    assert (hazard.state, hazard.due_on, hazard.since) == (State.RENOTICE_DUE, None, today())
    # the clock never takes a person's step: without a second notice it waits
    hazard_clock_run()
    assert fresh(hazard).state == State.RENOTICE_DUE

    second = hazard_notice_issue(acting_user=charlie, kind="rectify_second", hazards=[hazard])
    hazard_notice_deliver(
        acting_user=charlie, notice=second, method="posted", photo=picture(charlie, "blue")
    )
    assert fresh(hazard).due_on == today() + days(3)
    for n in range(1, 4):
        clock.shift(days(1))
        hazard_clock_run()
        assert fresh(hazard).state == State.RENOTICED
    clock.shift(days(1))
    hazard_clock_run()
    assert fresh(hazard).state == State.LIMIT_DUE

    hazard_limit_apply(acting_user=cathy, hazard=fresh(hazard))
    assert Household.objects.get(pk=household_a.pk).supply_status == "limited"
    stop = hazard_notice_issue(acting_user=charlie, kind="stop_supply", hazards=[fresh(hazard)])
    with pytest.raises(ValidationFailed) as untracked:
        hazard_notice_deliver(acting_user=charlie, notice=stop, method="registered_mail")
    assert untracked.value.code == "hazard_tracking_number"
    hazard_notice_deliver(
        acting_user=charlie, notice=stop, method="registered_mail", tracking_number="XA123456789CN"
    )
    assert fresh(hazard).state == State.STOP_NOTICED

    letter = hazard_notice_issue(acting_user=lena, kind="property_letter", hazards=[fresh(hazard)])
    hazard_notice_deliver(acting_user=lena, notice=letter, method="handed", recipient="物业张经理")
    hazard = fresh(hazard)
    assert (hazard.state, hazard.due_on) == (State.PM_LETTERED, today() + days(7))
    clock.shift(days(7))
    hazard_clock_run()
    assert fresh(hazard).state == State.PM_LETTERED
    clock.shift(days(1))
    hazard_clock_run()
    assert fresh(hazard).state == State.SEAL_DUE

    hazard_seal(acting_user=rick, hazard=fresh(hazard), photo=picture(rick, "grey"))
    assert Household.objects.get(pk=household_a.pk).supply_status == "sealed"
    hazard_clock_run()  # hand-over days 0: the same day's run hands it over
    hazard = fresh(hazard)
    assert hazard.state == State.HANDED_OVER
    assert steps(hazard) == [
        Step.FOUND, Step.NOTICED, Step.RENOTICE_DUE, Step.RENOTICED, Step.LIMIT_DUE,
        Step.LIMITED, Step.STOP_NOTICED, Step.PM_LETTERED, Step.SEAL_DUE, Step.SEALED,
        Step.HANDED_OVER,
    ]  # fmt: skip

    hazard_outcome_record(
        acting_user=sam, hazard=hazard, outcome="rectified", note="已更换热水器",
        photo=picture(sam, "white"),
    )  # fmt: skip
    hazard = fresh(hazard)
    assert (hazard.state, hazard.supply_hold) == (State.RECTIFIED, SupplyHold.SEALED)
    assert Household.objects.get(pk=household_a.pk).supply_status == "sealed"
    hazard_supply_restore(acting_user=cathy, hazard=hazard)
    hazard = fresh(hazard)
    assert (hazard.state, hazard.resolution) == (State.CLOSED, Resolution.RECTIFIED)
    assert Household.objects.get(pk=household_a.pk).supply_status == "normal"
    assert ledger_verify().ok


def test_the_clock_catches_up_days_it_missed_and_a_second_run_does_nothing(
    clock, charlie, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    deadline = fresh(hazard).due_on
    # the job did not run for three days after the deadline
    clock.move_to(dt.datetime.combine(deadline + days(4), dt.time(1, 0)).astimezone())
    run = hazard_clock_run()
    assert run.moved[State.RENOTICE_DUE] == 1
    step = HazardStep.objects.get(hazard=hazard, kind=Step.RENOTICE_DUE)
    assert step.effective_on == deadline + days(1)  # when it was due, not when the job ran
    assert step.actor is None
    audits = AuditEvent.objects.filter(action="hazard.renotice_due", target_id=str(hazard.pk))
    assert audits.count() == 1 and audits.get().actor_label == "system"
    again = hazard_clock_run()
    assert sum(again.moved.values()) == 0
    assert HazardStep.objects.filter(hazard=hazard, kind=Step.RENOTICE_DUE).count() == 1
    assert ClockRun.objects.count() == 2


def test_arranged_work_leaves_the_open_list_and_a_recheck_closes_it(
    clock, charlie, lena, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    hazard_mark_arranged(acting_user=lena, hazard=fresh(hazard), note="客户已预约更换")
    hazard = fresh(hazard)
    assert hazard.state == State.ARRANGED
    clock.shift(days(30))
    hazard_clock_run()
    assert fresh(hazard).state == State.ARRANGED  # no clock runs on arranged work
    with pytest.raises(ValidationFailed):
        hazard_recheck(acting_user=charlie, hazard=hazard, rectified=True, after_photo=None)
    hazard_recheck(acting_user=charlie, hazard=hazard, rectified=True, after_photo=picture(charlie))
    hazard = fresh(hazard)
    assert (hazard.state, hazard.resolution, hazard.rectified_on) == (
        State.CLOSED, Resolution.RECTIFIED, today(),
    )  # fmt: skip


def test_a_recheck_that_finds_arranged_work_undone_goes_back_to_the_ladder(
    clock, charlie, lena, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    hazard_mark_arranged(acting_user=lena, hazard=fresh(hazard))
    hazard_recheck(acting_user=charlie, hazard=fresh(hazard), rectified=False, after_photo=None)
    assert fresh(hazard).state == State.RENOTICE_DUE


def test_the_company_copy_is_received_once_and_a_late_one_alerts_the_lead_once(
    clock, charlie, lena, household_a
):
    find(charlie, household_a, HEATER)
    notice = HazardNotice.objects.get()
    visit = notice.hazards.get().found_visit
    # 48 hours from the visit that handed it over, not from when the phone had signal
    assert notice.copy_due_at == visit.finished_at + dt.timedelta(hours=48)
    clock.shift(dt.timedelta(hours=47))
    hazard_clock_run()
    assert not OutboxMessage.objects.filter(subject__contains="公司联").exists()
    clock.shift(dt.timedelta(hours=2))
    hazard_clock_run()
    hazard_clock_run()
    assert OutboxMessage.objects.filter(subject__contains="公司联").count() == 1
    hazard_notice_copy_receive(acting_user=lena, notice=notice)
    with pytest.raises(Conflict):
        hazard_notice_copy_receive(acting_user=lena, notice=HazardNotice.objects.get())
    assert HazardStep.objects.filter(kind=Step.COPY_RECEIVED, note="逾期交回").count() == 1


# ── what is refused ───────────────────────────────────────────────────────────────


def test_every_illegal_transition_is_refused_and_changes_nothing(
    clock, charlie, lena, cathy, rick, sam, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    hazard = fresh(hazard)
    photo = picture(rick)
    before = (hazard.state, hazard.due_on, hazard.updated_at)
    step_count, audit_count = HazardStep.objects.count(), AuditEvent.objects.count()
    attempts = [
        lambda: hazard_limit_apply(acting_user=cathy, hazard=hazard),
        lambda: hazard_seal(acting_user=rick, hazard=hazard, photo=photo),
        lambda: hazard_repair_done(acting_user=rick, hazard=hazard, after_photo=photo),
        lambda: hazard_supply_restore(acting_user=cathy, hazard=hazard),
        lambda: hazard_outcome_record(
            acting_user=sam, hazard=hazard, outcome="continuing", note="x"
        ),
        lambda: hazard_notice_issue(acting_user=charlie, kind="stop_supply", hazards=[hazard]),
        lambda: hazard_notice_issue(acting_user=lena, kind="property_letter", hazards=[hazard]),
        lambda: hazard_notice_issue(acting_user=charlie, kind="rectify_second", hazards=[hazard]),
    ]
    for attempt in attempts:
        with pytest.raises(IllegalTransition) as refused:
            attempt()
        assert refused.value.status == 409
    hazard = fresh(hazard)
    assert (hazard.state, hazard.due_on, hazard.updated_at) == before
    assert (HazardStep.objects.count(), AuditEvent.objects.count()) == (step_count, audit_count)
    # a delivered notice cannot be delivered again
    with pytest.raises(Conflict):
        hazard_notice_deliver(
            acting_user=charlie, notice=HazardNotice.objects.get(), method="handed"
        )


def test_each_step_needs_its_role(clock, charlie, cathy, rick, household_a):
    [hazard] = find(charlie, household_a, HEATER)
    hazard = fresh(hazard)
    with pytest.raises(PermissionRefused):
        hazard_mark_arranged(acting_user=charlie, hazard=hazard)
    with pytest.raises(PermissionRefused):
        hazard_limit_apply(acting_user=rick, hazard=hazard)
    with pytest.raises(PermissionRefused):
        hazard_recheck(acting_user=cathy, hazard=hazard, rectified=False, after_photo=None)


def test_steps_are_append_only(clock, charlie, household_a):
    from django.db import IntegrityError, InternalError, transaction

    [hazard] = find(charlie, household_a, HEATER)
    step = HazardStep.objects.filter(hazard=hazard).first()
    for change in (
        lambda: HazardStep.objects.filter(pk=step.pk).update(note="altered"),
        lambda: HazardStep.objects.filter(pk=step.pk).delete(),
    ):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            change()
    assert HazardStep.objects.get(pk=step.pk).note == step.note


def test_a_corrected_visit_withdraws_the_cases_of_its_earlier_version(clock, charlie, household_a):
    from ruhu.inspection.models import Visit
    from ruhu.inspection.services import visit_correct
    from tests.inspection.visiting import inspected

    [hazard] = find(charlie, household_a, HEATER)
    visit = Visit.objects.get()
    visit_correct(
        acting_user=charlie,
        visit=visit,
        payload=inspected(charlie, household_a),
        reason="隐患记错了用户",
    )
    hazard = fresh(hazard)
    assert (hazard.state, hazard.resolution) == (State.CLOSED, Resolution.WITHDRAWN)
    assert Hazard.objects.exclude(state=State.CLOSED).count() == 0
