"""The facilities API: the schedule and registry lists, the day's tasks, offline-safe
check submission (201, then 200, then 409), repairs, and refusals that change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from ruhu.facilities.models import FacilityCheck, FacilityRepair, FacilityTask
from ruhu.facilities.services import facility_tasks_assign
from tests.facilities.checking import check_payload
from tests.facilities.conftest import make_facility
from tests.inspection.visiting import photo

JSON = "application/json"


pytestmark = pytest.mark.usefixtures("media")


def body(facility, **changes) -> dict:
    return check_payload(facility, **changes).model_dump(mode="json")


def test_it_takes_a_check_once_and_answers_a_repeat_with_the_stored_one(
    clock, client, charlie, box
):
    client.force_login(charlie)
    sent = body(box, cutoff_pa=3400)
    first = client.post("/api/v1/facilities/checks", sent, content_type=JSON)
    assert first.status_code == 201
    assert first.json()["result"] == "defects"
    assert [d["item"] for d in first.json()["defects"]] == ["cutoff_pa"]
    assert len(first.json()["repair_ids"]) == 1
    again = client.post("/api/v1/facilities/checks", sent, content_type=JSON)
    assert again.status_code == 200 and again.json()["id"] == sent["id"]
    assert again.json()["repair_ids"] == first.json()["repair_ids"]
    other = client.post("/api/v1/facilities/checks", {**sent, "cutoff_pa": 3600}, content_type=JSON)
    assert other.status_code == 409
    assert other.json()["code"] == "check_id_conflict"
    assert FacilityCheck.objects.count() == 1 and FacilityRepair.objects.count() == 1


def test_a_check_at_3500_raises_no_job(clock, client, charlie, box):
    client.force_login(charlie)
    answer = client.post("/api/v1/facilities/checks", body(box, cutoff_pa=3500), content_type=JSON)
    assert answer.status_code == 201
    assert answer.json()["result"] == "passed" and answer.json()["defects"] == []
    assert not FacilityRepair.objects.exists()


def test_bad_checks_answer_422_and_change_nothing(clock, client, charlie, box):
    client.force_login(charlie)
    missing = body(box)
    del missing["checklist"]["gauge"]
    answer = client.post("/api/v1/facilities/checks", missing, content_type=JSON)
    assert answer.status_code == 422
    assert answer.json()["extra"]["unanswered"] == ["gauge"]
    negative = client.post(
        "/api/v1/facilities/checks", {**body(box), "cutoff_pa": -5}, content_type=JSON
    )
    assert negative.status_code == 422
    unknown_photo = body(box)
    unknown_photo["checklist"]["gauge"] = {"state": "defect", "photos": ["a" * 64]}
    answer = client.post("/api/v1/facilities/checks", unknown_photo, content_type=JSON)
    assert answer.status_code == 422 and answer.json()["extra"]["missing"] == ["a" * 64]
    assert not FacilityCheck.objects.exists()


def test_another_branchs_facility_and_check_answer_404(clock, client, charlie, dave, well, well_b):
    client.force_login(charlie)
    assert (
        client.post("/api/v1/facilities/checks", body(well_b), content_type=JSON).status_code == 404
    )
    assert client.get(f"/api/v1/facilities/{well_b.pk}").status_code == 404
    mine = client.post("/api/v1/facilities/checks", body(well), content_type=JSON).json()
    client.force_login(dave)
    assert client.get(f"/api/v1/facilities/checks/{mine['id']}").status_code == 404


def test_a_repairer_cannot_submit_a_check(clock, client, rick, box):
    client.force_login(rick)
    answer = client.post("/api/v1/facilities/checks", body(box), content_type=JSON)
    assert answer.status_code == 403
    assert not FacilityCheck.objects.exists()


def test_the_schedule_lists_overdue_facilities_with_their_due_date(clock, client, lena, org):
    make_facility(org.a, "OVER", last_checked_on=dt.date(2026, 8, 26))
    make_facility(org.a, "FINE", last_checked_on=dt.date(2026, 11, 1))
    client.force_login(lena)
    listed = client.get("/api/v1/facilities/schedule", {"which": "overdue"}).json()
    assert [row["code"] for row in listed["items"]] == ["OVER"]
    assert listed["items"][0]["due_on"] == "2026-11-26" and listed["items"][0]["overdue"]
    assert client.get("/api/v1/facilities/schedule", {"which": "soon"}).status_code == 422


def test_the_registry_filters_on_its_fields(clock, client, lena, box, well, room):
    client.force_login(lena)
    kinds = client.get("/api/v1/facilities", {"kind": "valve_well"}).json()
    assert [row["code"] for row in kinds["items"]] == [well.code]
    lapsing = client.get("/api/v1/facilities", {"safety_valve_before": "2027-01-01"}).json()
    assert [row["code"] for row in lapsing["items"]] == [room.code]
    assert client.get("/api/v1/facilities", {"search": "TYX"}).json()["count"] == 1


def test_tasks_go_to_the_day_list_and_the_check_finishes_them(clock, client, charlie, lena, box):
    client.force_login(lena)
    made = client.post(
        "/api/v1/facilities/tasks",
        {"facility_ids": [box.pk], "assignee_id": charlie.pk, "day": "2026-11-27"},
        content_type=JSON,
    )
    assert made.status_code == 201
    client.force_login(charlie)
    [task] = client.get("/api/v1/facilities/tasks/day").json()
    assert task["code"] == box.code and task["status"] == "planned"
    sent = body(box, task_id=task["id"])
    assert client.post("/api/v1/facilities/checks", sent, content_type=JSON).status_code == 201
    assert FacilityTask.objects.get().status == FacilityTask.Status.DONE
    again = client.post(
        "/api/v1/facilities/checks", body(box, task_id=task["id"]), content_type=JSON
    )
    assert again.status_code == 409 and again.json()["code"] == "task_not_planned"


def test_tasks_for_the_past_or_another_branchs_inspector_are_refused(
    clock, client, lena, charlie, dave, box
):
    client.force_login(lena)
    past = {"facility_ids": [box.pk], "assignee_id": charlie.pk, "day": "2026-11-26"}
    answer = client.post("/api/v1/facilities/tasks", past, content_type=JSON)
    assert answer.status_code == 422 and answer.json()["code"] == "task_day_past"
    not_a_checker = {**past, "assignee_id": lena.pk, "day": "2026-11-28"}
    answer = client.post("/api/v1/facilities/tasks", not_a_checker, content_type=JSON)
    assert answer.status_code == 404
    outsider = {"facility_ids": [box.pk], "assignee_id": dave.pk, "day": "2026-11-28"}
    assert client.post("/api/v1/facilities/tasks", outsider, content_type=JSON).status_code == 404
    assert not FacilityTask.objects.exists()


def test_a_repair_is_reported_once_and_assigned_only_while_open(
    clock, client, charlie, lena, rick, box
):
    client.force_login(charlie)
    client.post("/api/v1/facilities/checks", body(box, operating_pa=2600), content_type=JSON)
    job = FacilityRepair.objects.get()
    client.force_login(lena)
    assigned = client.post(
        f"/api/v1/facilities/repairs/{job.pk}/assign", {"assignee_id": rick.pk}, content_type=JSON
    )
    assert assigned.status_code == 200 and assigned.json()["assignee_id"] == rick.pk
    client.force_login(rick)
    [listed] = client.get("/api/v1/facilities/repairs", {"mine": True}).json()["items"]
    assert listed["id"] == job.pk and listed["due_on"] == "2026-11-30"
    done = {"note": "更换调压器皮膜", "after_photo": photo(rick, "green")}
    url = f"/api/v1/facilities/repairs/{job.pk}/done"
    assert client.post(url, done, content_type=JSON).json()["status"] == "repaired"
    assert client.post(url, done, content_type=JSON).status_code == 409
    queued = {
        queue: [
            row["id"]
            for row in client.get("/api/v1/facilities/repairs", {"queue": queue}).json()["items"]
        ]
        for queue in ("todo", "open", "all")
    }
    assert queued == {"todo": [], "open": [job.pk], "all": [job.pk]}
    client.force_login(lena)
    late = client.post(
        f"/api/v1/facilities/repairs/{job.pk}/assign", {"assignee_id": rick.pk}, content_type=JSON
    )
    assert late.status_code == 409


def test_the_schedule_endpoint_costs_the_same_queries_for_more_rows(
    clock, client, lena, org, django_assert_max_num_queries
):
    for n in range(3):
        make_facility(org.a, f"F{n}", last_checked_on=dt.date(2026, 1, 1))
    client.force_login(lena)
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/facilities/schedule")
    for n in range(3, 40):
        make_facility(org.a, f"F{n}", last_checked_on=dt.date(2026, 1, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/facilities/schedule").json()["count"] == 40


def test_tasks_assign_service_moves_an_open_task(clock, lena, charlie, box, org):
    from ruhu.accounts.roles import Role
    from tests.conftest import make_user

    other = make_user("ivan", Role.INSPECTOR, org.team_a)
    [first] = facility_tasks_assign(
        acting_user=lena, facility_ids=[box.pk], assignee=charlie, day=dt.date(2026, 11, 28)
    )
    [moved] = facility_tasks_assign(
        acting_user=lena, facility_ids=[box.pk], assignee=other, day=dt.date(2026, 11, 30)
    )
    assert moved.pk == first.pk and moved.assignee == other
    assert FacilityTask.objects.count() == 1
