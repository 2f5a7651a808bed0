"""A re-check from the phone is a frozen record of common/frozen.py: its digest made by the
service, a repeat answered with the stored step, another payload under its id refused,
its photo checked like a visit's, the race for one id answered as a repeat."""

from __future__ import annotations

import uuid

import pytest

from ruhu.accounts.roles import Role
from ruhu.common.errors import Conflict, ValidationFailed
from ruhu.common.frozen import Recorder, frozen_record_submit, payload_digest
from ruhu.common.ledger import ledger_verify
from ruhu.common.models import LedgerEntry
from ruhu.hazards.evidence import RECHECK_KIND
from ruhu.hazards.models import Hazard, HazardStep, State
from ruhu.hazards.schemas import RecheckIn
from ruhu.hazards.services import hazard_recheck, hazard_recheck_submit
from tests.conftest import make_user
from tests.hazards.conftest import find
from tests.inspection.visiting import photo

HOSE = {"hazard_type": "hose_defect", "item": "hose_condition", "level": 2, "remedy": "repair"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def recheck(**changes) -> RecheckIn:
    return RecheckIn(**{"id": str(uuid.uuid4()), "rectified": False, "note": "仍未整改", **changes})


def steps(hazard: Hazard) -> int:
    return HazardStep.objects.filter(hazard=hazard).count()


def test_it_makes_the_digest_itself_and_answers_a_repeat_with_the_stored_step(
    clock, charlie, household_a
):
    [hazard] = find(charlie, household_a, HOSE)
    assert hazard.state == State.DISPATCHED
    payload = recheck(after_photo=photo(charlie, "green"), rectified=True)
    step, created = hazard_recheck_submit(acting_user=charlie, hazard=hazard, payload=payload)
    assert created and step.pk == payload.id and step.photo.kind == "photo"
    assert step.payload_sha256 == payload_digest(payload)
    count = steps(hazard)
    again, created = hazard_recheck_submit(acting_user=charlie, hazard=hazard, payload=payload)
    assert (again.pk, created, steps(hazard)) == (step.pk, False, count)
    assert LedgerEntry.objects.filter(record_id=str(step.pk)).count() == 1
    assert ledger_verify().ok


def test_the_same_id_from_a_colleague_on_another_case_or_with_other_words_is_a_conflict(
    clock, charlie, household_a, org
):
    first, second = find(charlie, household_a, HOSE, {**HOSE, "item": "", "level": 3})
    payload = recheck()
    hazard_recheck_submit(acting_user=charlie, hazard=first, payload=payload)
    colleague = make_user("carl", Role.INSPECTOR, org.team_a)
    attempts = [
        (colleague, first, payload),
        (charlie, second, payload),
        (charlie, first, payload.model_copy(update={"note": "已整改一半"})),
    ]
    for user, hazard, sent in attempts:
        with pytest.raises(Conflict) as refused:
            hazard_recheck_submit(acting_user=user, hazard=hazard, payload=sent)
        assert refused.value.code == "recheck_id_conflict"
    assert HazardStep.objects.filter(pk=payload.id).count() == 1
    assert steps(second) == 2  # found, dispatched: nothing of the refused re-checks


def test_its_photo_must_be_a_photo_of_the_branch_and_a_refusal_changes_nothing(
    clock, charlie, dave, household_a
):
    [hazard] = find(charlie, household_a, HOSE)
    count = steps(hazard)
    cases = [
        (photo(charlie, "black", kind="signature"), "recheck_photo_kind"),
        (photo(dave, "green"), "recheck_photos_missing"),
    ]
    for sha, code in cases:
        with pytest.raises(ValidationFailed) as refused:
            hazard_recheck_submit(
                acting_user=charlie, hazard=hazard, payload=recheck(after_photo=sha, rectified=True)
            )
        assert refused.value.code == code
    assert steps(hazard) == count
    assert Hazard.objects.get(pk=hazard.pk).state == State.DISPATCHED


def test_the_recheck_that_loses_the_race_for_its_id_answers_as_a_repeat(
    clock, charlie, household_a
):
    [stale] = find(charlie, household_a, HOSE)
    payload = recheck()

    def checked_while_the_other_request_stores_it(draft) -> None:
        fresh = Hazard.objects.get(pk=stale.pk)
        hazard_recheck_submit(acting_user=charlie, hazard=fresh, payload=payload)

    def write(draft, checked) -> HazardStep:  # as the service does, on the hazard it read
        return hazard_recheck(
            acting_user=charlie, hazard=stale, rectified=False, after_photo=None,
            note=payload.note, step_id=payload.id, payload_sha256=draft.digest,
        )  # fmt: skip

    loser = Recorder(write=write, check=checked_while_the_other_request_stores_it)
    step, created = frozen_record_submit(
        RECHECK_KIND, loser, acting_user=charlie, payload=payload, subject=stale
    )
    assert not created and step.pk == payload.id
    assert HazardStep.objects.filter(hazard=stale, kind="rechecked").count() == 1
    assert ledger_verify().ok
