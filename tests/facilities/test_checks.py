"""A facility check: judged against the policy ranges, frozen and chained like a visit,
idempotent under the phone's id, raising repair jobs that only a later check clears."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruhu.common.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from ruhu.common.evidence import reference_json
from ruhu.common.ledger import ledger_verify
from ruhu.common.models import AuditEvent, LedgerEntry
from ruhu.common.policy import policy_set
from ruhu.facilities.evidence import CHECK, DEFECT, PHOTO, check_records
from ruhu.facilities.models import Facility, FacilityCheck, FacilityDefect, FacilityRepair
from ruhu.facilities.services import (
    facility_check_correct,
    facility_check_submit,
    facility_repair_done,
)
from tests.facilities.checking import check_payload, submit
from tests.inspection.visiting import photo

pytestmark = pytest.mark.usefixtures("media")


def defects_of(check) -> list[str]:
    return [d.item for d in check.defects.all()]


@pytest.mark.parametrize(
    ("pressures", "defects"),
    [
        ({"cutoff_pa": 3400}, ["cutoff_pa"]),
        ({"cutoff_pa": 3499}, ["cutoff_pa"]),
        ({"cutoff_pa": 3500}, []),
        ({"cutoff_pa": 3800}, []),
        ({"cutoff_pa": 3801}, ["cutoff_pa"]),
        ({"closing_pa": 2699}, ["closing_pa"]),
        ({"closing_pa": 2700}, []),
        ({"closing_pa": 2900}, []),
        ({"closing_pa": 2901}, ["closing_pa"]),
        ({"operating_pa": 2299}, ["operating_pa"]),
        ({"operating_pa": 2300}, []),
        ({"operating_pa": 2500}, []),
        ({"operating_pa": 2501}, ["operating_pa"]),
        ({"cutoff_pa": 0, "operating_pa": 9000}, ["cutoff_pa", "operating_pa"]),
    ],
)
def test_it_judges_each_pressure_at_the_edges_of_its_range(clock, charlie, box, pressures, defects):
    check = submit(charlie, box, **pressures)
    assert defects_of(check) == defects
    assert check.result == ("defects" if defects else "passed")
    assert FacilityRepair.objects.filter(facility=box).count() == len(defects)


def test_it_raises_a_repair_job_for_a_cut_off_pressure_of_3400(clock, charlie, box, lena, rick):
    check = submit(charlie, box, cutoff_pa=3400)
    job = FacilityRepair.objects.get(facility=box)
    assert job.raised_by == check
    assert job.item == "cutoff_pa"
    assert "3400 Pa" in job.description and "3500–3800" in job.description
    assert job.due_on == dt.date(2026, 11, 30)  # checked 27 Nov + 3 days (policy)
    assert job.status == FacilityRepair.Status.OPEN
    box.refresh_from_db()
    assert box.flagged is True
    assert box.last_checked_on == dt.date(2026, 11, 27)


def test_it_follows_a_branch_policy_for_the_closing_tolerance(clock, alice, charlie, box, org):
    policy_set(
        acting_user=alice,
        key="facility.regulator_box.closing_tolerance_pa",
        value=50,
        branch=org.a,
        effective_from=dt.date(2026, 11, 1),
    )
    assert defects_of(submit(charlie, box, closing_pa=2860)) == ["closing_pa"]


def test_a_safety_valve_past_its_validity_is_a_defect_whatever_was_answered(clock, charlie, room):
    clock.move_to(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    check = submit(charlie, room)  # every item answered 正常
    assert defects_of(check) == ["safety_valve"]
    assert "2026-11-30" in check.defects.get().description


def test_a_safety_valve_retested_at_the_check_is_no_defect(clock, charlie, room):
    clock.move_to(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    check = submit(charlie, room, safety_valve_valid_until="2027-11-30")
    assert defects_of(check) == []
    room.refresh_from_db()
    assert room.safety_valve_valid_until == dt.date(2027, 11, 30)


def test_a_defective_item_needs_a_photo_and_becomes_a_job(clock, charlie, well):
    checklist = check_payload(well).model_dump()["checklist"]
    checklist["standing_water"] = {"state": "defect", "note": "积水约20厘米"}
    with pytest.raises(ValidationFailed) as refused:
        submit(charlie, well, checklist=checklist)
    assert refused.value.code == "check_defect_photo"
    assert FacilityCheck.objects.count() == 0
    checklist["standing_water"]["photos"] = [photo(charlie, "blue")]
    check = submit(charlie, well, checklist=checklist)
    job = FacilityRepair.objects.get()
    assert job.item == "standing_water" and "积水约20厘米" in job.description
    assert check.photos.get().item == "standing_water"


def test_the_flag_stays_until_a_later_check_clears_it(clock, charlie, rick, box):
    submit(charlie, box, cutoff_pa=3400)
    job = FacilityRepair.objects.get()
    facility_repair_done(
        acting_user=rick, repair=job, note="更换切断阀弹簧", after_photo=photo(rick, "green")
    )
    box.refresh_from_db()
    assert box.flagged is True  # a repair report alone does not clear it
    clock.shift(dt.timedelta(days=1))
    later = submit(charlie, box)
    job.refresh_from_db()
    box.refresh_from_db()
    assert job.status == FacilityRepair.Status.VERIFIED and job.closed_by == later
    assert box.flagged is False


def test_a_repair_found_faulty_again_reopens_and_no_second_job_is_raised(clock, charlie, rick, box):
    submit(charlie, box, cutoff_pa=3400)
    job = FacilityRepair.objects.get()
    facility_repair_done(acting_user=rick, repair=job, note="调整", after_photo=photo(rick))
    clock.shift(dt.timedelta(days=2))
    submit(charlie, box, cutoff_pa=3450)
    job.refresh_from_db()
    assert FacilityRepair.objects.count() == 1
    assert job.status == FacilityRepair.Status.OPEN
    assert job.due_on == dt.date(2026, 12, 2)
    box.refresh_from_db()
    assert box.flagged is True


def test_a_check_is_frozen_and_chained(clock, charlie, box):
    check = submit(charlie, box, cutoff_pa=3400)
    entry = LedgerEntry.objects.get(kind="facility_check", record_id=str(check.pk))
    assert entry.record_sha256
    assert ledger_verify().ok
    with pytest.raises(DatabaseError), transaction.atomic():
        FacilityCheck.objects.filter(pk=check.pk).update(note="改过")
    with pytest.raises(DatabaseError), transaction.atomic():
        FacilityDefect.objects.filter(check_record=check).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        FacilityCheck.objects.filter(pk=check.pk).delete()


def test_the_database_writes_the_record_as_the_reference(clock, charlie, well):
    checklist = check_payload(well).model_dump()["checklist"]
    checklist["numbered"] = {
        "state": "defect",
        "note": '编号牌脱落 "引号" ü',
        "photos": [photo(charlie)],
    }
    check = submit(charlie, well, checklist=checklist, latitude=30.123456, longitude=120.5)
    check.refresh_from_db()
    parts = [reference_json(check, CHECK)]
    for rows, part in ((check.photos.all(), PHOTO), (check.defects.all(), DEFECT)):
        parts.append("[" + ",".join(reference_json(row, part) for row in rows) + "]")
    record = check_records([str(check.pk)])[str(check.pk)]
    assert record.canonical == ("[" + ",".join(parts) + "]").encode()
    assert len(record.attachments) == 1


def test_the_same_check_again_returns_the_stored_one_and_another_is_a_conflict(clock, charlie, box):
    payload = check_payload(box)
    first, created = facility_check_submit(acting_user=charlie, payload=payload)
    again, created_again = facility_check_submit(acting_user=charlie, payload=payload)
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(Conflict):
        facility_check_submit(
            acting_user=charlie, payload=payload.model_copy(update={"cutoff_pa": 3700})
        )
    assert FacilityCheck.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"cutoff_pa": None}, "check_pressures"),
        ({"checklist": {}}, "check_checklist"),
        ({"finished_at": "2030-01-01T00:00:00+08:00"}, "check_future"),
    ],
)
def test_bad_checks_are_refused_and_change_nothing(clock, charlie, box, changes, code):
    with pytest.raises(ValidationFailed) as refused:
        submit(charlie, box, **changes)
    assert refused.value.code == code
    assert FacilityCheck.objects.count() == 0
    assert not AuditEvent.objects.filter(action="facility_check.submit").exists()
    box.refresh_from_db()
    assert box.last_checked_on == dt.date(2026, 8, 27)


def test_pressures_on_a_valve_well_are_refused(clock, charlie, well):
    with pytest.raises(ValidationFailed) as refused:
        submit(charlie, well, cutoff_pa=3600)
    assert refused.value.code == "check_not_regulator_box"


def test_another_branchs_facility_answers_not_found(clock, charlie, well_b):
    with pytest.raises(NotFound):
        submit(charlie, well_b)


def test_a_correction_withdraws_the_jobs_of_the_version_it_replaces(clock, charlie, lena, box):
    wrong = submit(charlie, box, cutoff_pa=340)  # typed one digit short
    assert FacilityRepair.objects.get().status == "open"
    fixed = facility_check_correct(
        acting_user=charlie, check=wrong, payload=check_payload(box, cutoff_pa=3400 + 200),
        reason="切断压力录入少一位",
    )  # fmt: skip
    assert fixed.supersedes == wrong
    assert FacilityRepair.objects.get().status == FacilityRepair.Status.WITHDRAWN
    box.refresh_from_db()
    assert box.flagged is False
    with pytest.raises(IllegalTransition):
        facility_check_correct(
            acting_user=charlie, check=wrong, payload=check_payload(box), reason="again"
        )


def test_a_cleaning_moves_the_cleaning_date(clock, charlie, box):
    submit(charlie, box, cleaned=True)
    box.refresh_from_db()
    assert box.last_cleaned_on == dt.date(2026, 11, 27)
    assert Facility.objects.get(pk=box.pk).flagged is False


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=st.integers(min_value=0, max_value=10_000))
def test_a_cut_off_pressure_is_a_defect_exactly_outside_3500_to_3800(charlie, box, value):
    from ruhu.facilities.services import judge

    payload = check_payload(box, cutoff_pa=value)
    found = [f.item for f in judge(payload, box, dt.date(2026, 11, 27))]
    assert ("cutoff_pa" in found) == (not 3500 <= value <= 3800)


def test_a_checked_facility_keeps_its_kind_and_its_assignee_is_branch_staff(
    clock, charlie, dave, lena, box
):
    from ruhu.facilities.services import facility_update

    submit(charlie, box)
    with pytest.raises(ValidationFailed) as refused:
        facility_update(acting_user=lena, facility=box, kind="valve_well")
    assert refused.value.code == "facility_kind_checked"
    with pytest.raises(ValidationFailed) as refused:
        facility_update(acting_user=lena, facility=box, assignee=dave)
    assert refused.value.code == "facility_assignee"
    box.refresh_from_db()
    assert box.kind == "regulator_box" and box.assignee is None
    facility_update(acting_user=lena, facility=box, assignee=charlie, name="新名称")
    box.refresh_from_db()
    assert box.assignee == charlie and box.name == "新名称"
    assert AuditEvent.objects.filter(action="facility.update").count() == 1


def test_a_check_counts_its_photos_against_its_own_policy_not_the_visits(
    clock, alice, charlie, box, org
):
    gauge = {"state": "ok", "photos": [photo(charlie, "red"), photo(charlie, "blue")]}
    checklist = {**check_payload(box).model_dump()["checklist"], "gauge": gauge}

    def limit(key: str) -> None:
        policy_set(
            acting_user=alice, key=key, value=1, branch=org.a, effective_from=dt.date(2026, 11, 1)
        )

    limit("inspection.visit_max_photo_count")
    assert submit(charlie, box, checklist=checklist).photos.count() == 2
    limit("facility.check_max_photo_count")
    with pytest.raises(ValidationFailed) as refused:
        submit(charlie, box, checklist=checklist)
    assert refused.value.code == "check_too_many_photos"
    assert FacilityCheck.objects.count() == 1
