"""Submitting visits: validation, idempotency, frozen evidence, the ledger, the household."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from ruhu.accounts.roles import Role
from ruhu.common.errors import Conflict, NotFound, ValidationFailed
from ruhu.common.immutability import guards_lifted
from ruhu.common.ledger import ledger_verify
from ruhu.common.models import AuditEvent, LedgerEntry
from ruhu.inspection.models import Visit, VisitHazard, VisitPhoto
from ruhu.inspection.services import visit_correct, visit_submit
from tests.conftest import make_user
from tests.inspection.visiting import absent, inspected, photo

REFUSED = (IntegrityError, DatabaseError)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_stores_a_clean_visit_frozen_chained_and_dates_the_household(charlie, household_a):
    payload = inspected(charlie, household_a)
    visit, created = visit_submit(acting_user=charlie, payload=payload)
    assert created and visit.frozen and visit.outcome == "inspected"
    household_a.refresh_from_db()
    assert household_a.last_inspected_on == visit.finished_at.astimezone().date()
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.record_id) == ("visit", str(visit.pk))
    assert len(entry.attachments) == 1  # the signature
    assert ledger_verify().ok
    assert AuditEvent.objects.filter(action="visit.submit", target_id=str(visit.pk)).exists()


def test_the_same_visit_sent_ten_times_leaves_one(charlie, household_a):
    payload = inspected(charlie, household_a)
    answers = [visit_submit(acting_user=charlie, payload=payload) for _ in range(10)]
    assert [created for _, created in answers] == [True] + [False] * 9
    assert Visit.objects.count() == 1 and LedgerEntry.objects.count() == 1


def test_the_same_id_with_another_payload_is_a_conflict_and_changes_nothing(charlie, household_a):
    payload = inspected(charlie, household_a)
    visit_submit(acting_user=charlie, payload=payload)
    changed = payload.model_copy(update={"meter_reading": payload.meter_reading + 1})
    with pytest.raises(Conflict) as conflict:
        visit_submit(acting_user=charlie, payload=changed)
    assert conflict.value.status == 409 and conflict.value.code == "visit_id_conflict"
    assert Visit.objects.get().meter_reading == payload.meter_reading


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"checklist": {"gas_odour": {"state": "ok"}}}, "visit_checklist"),
        ({"signature": None}, "visit_signature"),
        ({"meter_reading": None}, "visit_meter_reading"),
        ({"signature": "ab" * 32}, "visit_photos_missing"),
    ],
)
def test_an_incomplete_visit_is_refused_and_leaves_nothing(charlie, household_a, change, code):
    payload = inspected(charlie, household_a, **change)
    with pytest.raises(ValidationFailed) as refused:
        visit_submit(acting_user=charlie, payload=payload)
    assert refused.value.code == code
    assert not Visit.objects.exists() and not LedgerEntry.objects.exists()
    assert not VisitPhoto.objects.exists()


def test_an_item_marked_hazard_needs_its_hazard_with_photos(charlie, household_a):
    checklist = {
        **inspected(charlie, household_a).model_dump()["checklist"],
        "hose_condition": {"state": "hazard", "note": "软管老化", "photos": []},
    }
    with pytest.raises(ValidationFailed) as refused:
        visit_submit(
            acting_user=charlie, payload=inspected(charlie, household_a, checklist=checklist)
        )
    assert refused.value.code == "visit_hazard_missing"
    before, after = photo(charlie, "red"), photo(charlie, "green")
    hazard = {
        "hazard_type": "hose_defect", "item": "hose_condition", "level": 1,
        "fixed_on_spot": True, "before_photo": before, "after_photo": after,
    }  # fmt: skip
    visit, _ = visit_submit(
        acting_user=charlie,
        payload=inspected(charlie, household_a, checklist=checklist, hazards=[hazard]),
    )
    stored = VisitHazard.objects.get(visit=visit)
    assert (stored.level, stored.fixed_on_spot, stored.before_photo.sha256) == (1, True, before)
    assert len(LedgerEntry.objects.get().attachments) == 3


def test_an_absent_visit_needs_the_notice_photo_and_door_number(charlie, household_a):
    with pytest.raises(ValidationFailed) as refused:
        visit_submit(acting_user=charlie, payload=absent(charlie, household_a, absent_photo=None))
    assert refused.value.code == "visit_absent_photo"
    visit, _ = visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    assert visit.frozen and visit.photos.get().purpose == "absent_notice"
    household_a.refresh_from_db()
    assert household_a.last_inspected_on is None


def test_consecutive_absences_mark_the_household_long_term_absent(charlie, household_a):
    for _ in range(3):
        visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    household_a.refresh_from_db()
    assert household_a.long_term_absent
    visit_submit(acting_user=charlie, payload=inspected(charlie, household_a))
    household_a.refresh_from_db()
    assert not household_a.long_term_absent


def test_a_refusal_needs_a_reason_and_evidence(charlie, household_a):
    payload = absent(charlie, household_a, outcome="refused", absent_photo=None)
    with pytest.raises(ValidationFailed):
        visit_submit(acting_user=charlie, payload=payload)
    evidence = photo(charlie, "grey")
    payload = absent(
        charlie, household_a, outcome="refused", absent_photo=None,
        refusal_reason="用户称没时间", refusal_photos=[evidence],
    )  # fmt: skip
    visit, _ = visit_submit(acting_user=charlie, payload=payload)
    assert visit.outcome == "refused" and visit.photos.get().purpose == "refusal"


def test_another_branchs_household_is_not_found(dave, household_a):
    with pytest.raises(NotFound):
        visit_submit(acting_user=dave, payload=inspected(dave, household_a))
    assert not Visit.objects.exists()


def test_a_frozen_visit_and_its_photos_refuse_every_change(charlie, household_a):
    visit, _ = visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    table = Visit._meta.db_table
    attempts = [
        lambda: Visit.objects.filter(pk=visit.pk).update(note="改"),
        lambda: Visit.objects.filter(pk=visit.pk).delete(),
        lambda: VisitPhoto.objects.filter(visit=visit).update(item="x"),
        lambda: VisitPhoto.objects.filter(visit=visit).delete(),
        lambda: VisitPhoto.objects.create(
            visit=visit, attachment=visit.photos.get().attachment, purpose="item", position=9
        ),
        lambda: connection.cursor().execute(f"UPDATE {table} SET note = 'x'"),
        lambda: connection.cursor().execute(f"DELETE FROM {table}"),
    ]
    for attempt in attempts:
        with pytest.raises(REFUSED), transaction.atomic():
            attempt()
    visit.note = "改"
    with pytest.raises(REFUSED), transaction.atomic():
        visit.save()
    assert Visit.objects.get().note == "" and VisitPhoto.objects.count() == 1


def test_an_edit_with_the_triggers_dropped_is_named_by_ledger_verify(charlie, household_a):
    visit_submit(acting_user=charlie, payload=inspected(charlie, household_a))
    second, _ = visit_submit(acting_user=charlie, payload=inspected(charlie, household_a))
    with guards_lifted(connection), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Visit._meta.db_table} SET signer_name = %s WHERE id = %s",
            ["王玮", Visit._meta.pk.get_db_prep_value(second.pk, connection)],
        )
    result = ledger_verify()
    assert not result.ok and result.broken.record_id == str(second.pk)
    assert result.broken.problem == "record changed" and result.broken.seq == 2


def test_a_correction_is_a_new_version_citing_the_old(charlie, household_a):
    old, _ = visit_submit(acting_user=charlie, payload=inspected(charlie, household_a))
    fixed = inspected(charlie, household_a, meter_reading="1235.5")
    with pytest.raises(ValidationFailed):
        visit_correct(acting_user=charlie, visit=old, payload=fixed, reason=" ")
    new = visit_correct(acting_user=charlie, visit=old, payload=fixed, reason="读数抄错")
    assert new.supersedes == old and new.correction_reason == "读数抄错"
    assert Visit.objects.get(pk=old.pk).meter_reading == old.meter_reading
    assert LedgerEntry.objects.count() == 2 and ledger_verify().ok
    assert AuditEvent.objects.get(action="visit.correct").reason == "读数抄错"


def test_the_api_answers_201_then_200_then_409_and_422(client, charlie, household_a):
    client.force_login(charlie)
    payload = inspected(charlie, household_a).model_dump(mode="json")
    first = client.post("/api/v1/inspection/visits", payload, content_type="application/json")
    again = client.post("/api/v1/inspection/visits", payload, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] == payload["id"]
    assert first.json()["frozen"] is True
    seq = LedgerEntry.objects.get(kind="visit", record_id=payload["id"]).seq
    shown = client.get(f"/api/v1/inspection/visits/{payload['id']}").json()["ledger_seq"]
    assert first.json()["ledger_seq"] == again.json()["ledger_seq"] == shown == seq
    payload["note"] = "different"
    clash = client.post("/api/v1/inspection/visits", payload, content_type="application/json")
    assert clash.status_code == 409 and clash.json()["code"] == "visit_id_conflict"
    payload.pop("outcome")
    assert (
        client.post(
            "/api/v1/inspection/visits", payload, content_type="application/json"
        ).status_code
        == 422
    )
    assert Visit.objects.count() == 1


def test_the_day_list_is_the_inspectors_own_and_ordered_by_building(client, charlie, org):
    import datetime as dt

    from ruhu.inspection.models import Plan, PlanTask
    from tests.factories import make_households

    homes = make_households(org.a, "翠苑", 2, 0, building="2幢")
    homes += make_households(org.a, "翠苑", 2, 10)
    plan = Plan.objects.create(branch=org.a, month=dt.date(2026, 12, 1))
    day = dt.date(2026, 12, 1)
    for n, home in enumerate(homes):
        PlanTask.objects.create(plan=plan, household=home, inspector=charlie, day=day, sequence=n)
    client.force_login(charlie)
    rows = client.get("/api/v1/inspection/tasks?day=2026-12-01").json()
    assert [row["building"] for row in rows] == ["1幢", "1幢", "2幢", "2幢"]
    task_id = rows[0]["id"]
    started = client.post(f"/api/v1/inspection/tasks/{task_id}/start")
    assert started.status_code == 200 and started.json()["status"] == "started"
    assert client.post(f"/api/v1/inspection/tasks/{task_id}/start").status_code == 409
    client.logout()
    from tests.conftest import make_user

    colin = make_user("colin", "inspector", org.team_a)
    client.force_login(colin)
    assert client.get("/api/v1/inspection/tasks?day=2026-12-01").json() == []
    assert client.post(f"/api/v1/inspection/tasks/{task_id}/start").status_code == 404


def test_the_visit_page_shows_the_evidence_and_another_branch_gets_404(
    client, charlie, household_a, bob, bella
):
    visit, _ = visit_submit(acting_user=charlie, payload=inspected(charlie, household_a))
    client.force_login(bob)
    page = client.get(f"/inspection/visits/{visit.pk}/").content.decode()
    assert "哈希链第 1 条" in page and "全部正常" in page and "王伟" in page
    client.force_login(bella)
    assert client.get(f"/inspection/visits/{visit.pk}/").status_code == 404


def test_a_correction_through_the_api_cites_the_old_visit(client, charlie, household_a):
    old, _ = visit_submit(acting_user=charlie, payload=inspected(charlie, household_a))
    client.force_login(charlie)
    body = {
        "reason": "读数抄错",
        "visit": inspected(charlie, household_a, meter_reading="99").model_dump(mode="json"),
    }
    url = f"/api/v1/inspection/visits/{old.pk}/corrections"
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201
    assert Visit.objects.get(pk=response.json()["id"]).supersedes == old
    again = client.post(url, {**body, "visit": {**body["visit"], "id": str(old.pk)}},
                        content_type="application/json")  # fmt: skip
    assert again.status_code == 409


def test_the_household_page_lists_its_visits_for_its_branch_only(
    client, charlie, household_a, bob, bella
):
    visit, _ = visit_submit(acting_user=charlie, payload=inspected(charlie, household_a))
    client.force_login(bob)
    detail = client.get(f"/households/{household_a.pk}/").content.decode()
    assert f"/inspection/households/{household_a.pk}/visits/" in detail
    listing = client.get(f"/inspection/households/{household_a.pk}/visits/").content.decode()
    assert f"/inspection/visits/{visit.pk}/" in listing and "已安检" in listing
    client.force_login(bella)
    assert client.get(f"/inspection/households/{household_a.pk}/visits/").status_code == 404


def test_an_absent_visit_prints_its_missed_visit_notice(client, charlie, bob, household_a):
    from tests.pdf import pdf_text

    visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    second, _ = visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    client.force_login(bob)
    page = client.get(f"/inspection/visits/{second.pk}/").content.decode()
    assert f"/inspection/visits/{second.pk}/missed-visit.pdf" in page
    response = client.get(f"/inspection/visits/{second.pk}/missed-visit.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(response.streaming_content)).replace(" ", "")
    assert "到访不遇通知单" in text and "第2次" in text and "A-001" in text
    inspected_visit, _ = visit_submit(acting_user=charlie, payload=inspected(charlie, household_a))
    assert (
        client.get(f"/inspection/visits/{inspected_visit.pk}/missed-visit.pdf").status_code == 404
    )


def test_another_branchs_missed_visit_notice_is_404(client, charlie, bella, household_a):
    visit, _ = visit_submit(acting_user=charlie, payload=absent(charlie, household_a))
    client.force_login(bella)
    assert client.get(f"/inspection/visits/{visit.pk}/missed-visit.pdf").status_code == 404


def test_field_staff_get_a_link_only_to_the_visits_they_made(
    client, org, charlie, household_a, bob
):
    colleague = make_user("colin", Role.INSPECTOR, org.team_a, badge_no="A-002")
    theirs, _ = visit_submit(acting_user=colleague, payload=absent(colleague, household_a))
    mine, _ = visit_submit(acting_user=charlie, payload=inspected(charlie, household_a))
    url = f"/inspection/households/{household_a.pk}/visits/"
    client.force_login(charlie)
    listing = client.get(url).content.decode()
    assert listing.count("<li>") == 2
    assert f"/inspection/visits/{mine.pk}/" in listing
    assert f"/inspection/visits/{theirs.pk}/" not in listing
    assert client.get(f"/inspection/visits/{theirs.pk}/").status_code == 404
    client.force_login(bob)
    listing = client.get(url).content.decode()
    assert f"/inspection/visits/{mine.pk}/" in listing
    assert f"/inspection/visits/{theirs.pk}/" in listing
