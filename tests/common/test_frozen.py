"""The one frozen-record mechanism (common/frozen.py), shown on visits: the kinds it
serves, the race for one id, the files a record cites, corrections."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection

from ruhu.accounts.roles import Role
from ruhu.common.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from ruhu.common.frozen import frozen_kinds, frozen_record_submit, payload_digest
from ruhu.common.immutability import guard_definitions
from ruhu.common.ledger import ledger_loaders, ledger_verify
from ruhu.common.models import AuditEvent, LedgerEntry
from ruhu.common.policy import policy_get
from ruhu.inspection.evidence import VISIT_KIND
from ruhu.inspection.models import Visit
from ruhu.inspection.services import visit_correct, visit_submit
from ruhu.inspection.services.visits import VISITS
from ruhu.premises.services import household_create
from tests.conftest import make_user
from tests.inspection.visiting import inspected, photo

MECHANISM_COLUMNS = {"frozen", "frozen_at", "supersedes", "correction_reason"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_declares_visits_checks_and_rechecks_each_with_table_loader_policy_and_triggers(db):
    kinds = {kind.code: kind for kind in frozen_kinds()}
    assert {"visit", "check", "recheck"} <= set(kinds)
    guarded = {table for _name, table, _sql in guard_definitions(connection)}
    for kind in kinds.values():
        columns = {f.name for f in kind.model._meta.concrete_fields}
        assert {kind.submitter, kind.subject, "payload_sha256"} <= columns, kind.code
        assert kind.model._meta.db_table in guarded, kind.code
        assert kind.name in ledger_loaders(), kind.code
        assert kind.chained_by_write or columns >= MECHANISM_COLUMNS, kind.code
        if kind.photo_limit_key:
            assert int(policy_get(kind.photo_limit_key)) == 40
    assert kinds["visit"].photo_limit_key != kinds["check"].photo_limit_key


def test_the_digest_is_the_payloads_canonical_json_and_stored_with_the_record(charlie, household_a):
    payload = inspected(charlie, household_a)
    visit, _ = visit_submit(acting_user=charlie, payload=payload)
    assert visit.payload_sha256 == payload_digest(payload)
    reordered = type(payload).model_validate(dict(reversed(payload.model_dump().items())))
    assert payload_digest(reordered) == visit.payload_sha256


def test_the_request_that_loses_the_race_for_an_id_answers_as_a_repeat(charlie, household_a):
    payload = inspected(charlie, household_a)

    def checked_while_the_other_request_stores_it(draft):
        visit_submit(acting_user=charlie, payload=payload)  # the other request, first
        return VISITS.check(draft)

    loser = dataclasses.replace(VISITS, check=checked_while_the_other_request_stores_it)
    visit, created = frozen_record_submit(VISIT_KIND, loser, acting_user=charlie, payload=payload)
    assert not created and visit.pk == payload.id
    assert Visit.objects.count() == 1 and LedgerEntry.objects.filter(kind="visit").count() == 1
    assert AuditEvent.objects.filter(action="visit.submit").count() == 1
    assert ledger_verify().ok


def test_a_race_lost_to_another_payload_under_the_id_is_a_conflict(charlie, household_a):
    payload = inspected(charlie, household_a)
    other = payload.model_copy(update={"note": "另一份记录"})

    def checked_while_another_payload_is_stored(draft):
        visit_submit(acting_user=charlie, payload=other)
        return VISITS.check(draft)

    loser = dataclasses.replace(VISITS, check=checked_while_another_payload_is_stored)
    with pytest.raises(Conflict) as refused:
        frozen_record_submit(VISIT_KIND, loser, acting_user=charlie, payload=payload)
    assert refused.value.code == "visit_id_conflict"
    assert Visit.objects.get().note == "另一份记录"


def test_the_same_id_from_another_inspector_is_a_conflict(charlie, household_a, org):
    payload = inspected(charlie, household_a)
    visit_submit(acting_user=charlie, payload=payload)
    colleague = make_user("carl", Role.INSPECTOR, org.team_a)
    with pytest.raises(Conflict):
        visit_submit(acting_user=colleague, payload=payload)
    assert Visit.objects.get().inspector_id == charlie.pk


def test_a_cited_file_must_be_uploaded_and_of_the_kind_it_stands_for(charlie, household_a):
    cases = [
        ({"signature": photo(charlie, "grey")}, "visit_signature_kind"),
        ({"signature": "ab" * 32}, "visit_photos_missing"),
    ]
    for changes, code in cases:
        with pytest.raises(ValidationFailed) as refused:
            visit_submit(acting_user=charlie, payload=inspected(charlie, household_a, **changes))
        assert refused.value.code == code
    assert not Visit.objects.exists() and not LedgerEntry.objects.exists()


def test_a_correction_needs_a_reason_the_same_household_and_the_latest_version(
    charlie, dave, household_a, org
):
    visit, _ = visit_submit(acting_user=charlie, payload=inspected(charlie, household_a))
    neighbour = household_create(
        acting_user=None, branch=org.a, account_no="A000002", name="李娜", category="residential"
    )
    refusals = [
        (charlie, inspected(charlie, household_a), " ", "visit_correction_reason"),
        (charlie, inspected(charlie, neighbour), "抄错", "visit_correction_household"),
    ]
    for user, payload, reason, code in refusals:
        with pytest.raises(ValidationFailed) as refused:
            visit_correct(acting_user=user, visit=visit, payload=payload, reason=reason)
        assert refused.value.code == code
    with pytest.raises(NotFound):
        visit_correct(
            acting_user=dave, visit=visit, payload=inspected(dave, household_a), reason="抄错"
        )
    corrected = visit_correct(
        acting_user=charlie, visit=visit, payload=inspected(charlie, household_a), reason=" 抄错 "
    )
    assert (corrected.supersedes_id, corrected.correction_reason) == (visit.pk, "抄错")
    event = AuditEvent.objects.get(action="visit.correct")
    assert (event.actor_id, event.reason) == (charlie.pk, "抄错")
    with pytest.raises(IllegalTransition) as refused:
        visit_correct(
            acting_user=charlie, visit=visit, payload=inspected(charlie, household_a), reason="再改"
        )
    assert refused.value.code == "visit_superseded"
    assert Visit.objects.count() == 2 and ledger_verify().ok
