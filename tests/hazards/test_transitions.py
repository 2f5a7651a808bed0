"""The state machine as a table: from every state, every step either is allowed or answers
409 and changes nothing (DESIGN 3)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import transaction

from ruhu.common.errors import IllegalTransition
from ruhu.common.models import AuditEvent
from ruhu.hazards.models import Hazard, HazardStep, State
from ruhu.hazards.services import (
    hazard_limit_apply,
    hazard_mark_arranged,
    hazard_outcome_record,
    hazard_recheck,
    hazard_repair_done,
    hazard_repair_fail,
    hazard_seal,
    hazard_supply_restore,
)
from tests.hazards.conftest import find, picture

HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}
OPEN_BUT_RECTIFIED = set(State) - {State.CLOSED, State.RECTIFIED}

# step → the states it may start from
ALLOWED = {
    "limit": {State.LIMIT_DUE},
    "seal": {State.SEAL_DUE},
    "repair_done": {State.DISPATCHED},
    "repair_fail": {State.DISPATCHED},
    "arranged": {
        State.NOTICED, State.RENOTICE_DUE, State.RENOTICED, State.LIMIT_DUE, State.LIMITED,
        State.STOP_NOTICED, State.PM_LETTERED, State.SEAL_DUE, State.SEALED, State.HANDED_OVER,
    },
    "outcome": {State.HANDED_OVER},
    "recheck": OPEN_BUT_RECTIFIED,
    "restore": {State.RECTIFIED},
}  # fmt: skip


@contextmanager
def rolled_back():
    """Each attempt in its own savepoint, rolled back, so the next one starts clean."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _attempt(step: str, hazard: Hazard, people: dict, photo) -> None:
    lena, cathy, rick, sam, charlie = (
        people[k] for k in ("lena", "cathy", "rick", "sam", "charlie")
    )
    if step == "limit":
        hazard_limit_apply(acting_user=cathy, hazard=hazard)
    elif step == "seal":
        hazard_seal(acting_user=rick, hazard=hazard, photo=photo)
    elif step == "repair_done":
        hazard_repair_done(acting_user=rick, hazard=hazard, after_photo=photo)
    elif step == "repair_fail":
        hazard_repair_fail(acting_user=rick, hazard=hazard, reason="无法入户")
    elif step == "arranged":
        hazard_mark_arranged(acting_user=lena, hazard=hazard)
    elif step == "outcome":
        hazard_outcome_record(acting_user=sam, hazard=hazard, outcome="continuing", note="跟进中")
    elif step == "recheck":
        hazard_recheck(acting_user=charlie, hazard=hazard, rectified=True, after_photo=photo)
    elif step == "restore":
        hazard_supply_restore(acting_user=cathy, hazard=hazard)


@pytest.mark.parametrize("state", list(State))
def test_from_each_state_each_step_is_allowed_or_refused_without_a_trace(
    state, clock, charlie, lena, cathy, rick, sam, household_a
):
    people = {"lena": lena, "cathy": cathy, "rick": rick, "sam": sam, "charlie": charlie}
    [hazard] = find(charlie, household_a, HEATER)
    photo = picture(rick)
    hold = "sealed" if state == State.RECTIFIED else ""
    for step, allowed in ALLOWED.items():
        with rolled_back():
            Hazard.objects.filter(pk=hazard.pk).update(state=state, supply_hold=hold, assignee=rick)
            case = Hazard.objects.get(pk=hazard.pk)
            before = (HazardStep.objects.count(), AuditEvent.objects.count())
            if state in allowed:
                _attempt(step, case, people, photo)
                assert HazardStep.objects.count() > before[0], step
            else:
                with pytest.raises(IllegalTransition):
                    _attempt(step, case, people, photo)
                assert (HazardStep.objects.count(), AuditEvent.objects.count()) == before
                assert Hazard.objects.get(pk=hazard.pk).state == state
