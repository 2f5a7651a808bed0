"""The hazards API: scoped reads, offline-safe re-checks, 409 on illegal steps, 422 on bad
input, the queues and the rates."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from ruhu.accounts.roles import Role
from ruhu.common.models import AuditEvent
from ruhu.hazards.models import Hazard, HazardStep, State
from tests.conftest import make_user
from tests.hazards.conftest import find, today
from tests.inspection.visiting import photo

HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}
JSON = "application/json"


def test_it_lists_and_filters_the_branchs_hazards(clock, client, charlie, bob, household_a):
    [hazard] = find(charlie, household_a, HEATER)
    client.force_login(bob)
    listed = client.get("/api/v1/hazards", {"state": "noticed", "level": 1}).json()
    assert [row["id"] for row in listed["items"]] == [hazard.pk]
    assert listed["items"][0]["hazard_type"] == "direct_exhaust_heater"
    assert client.get("/api/v1/hazards", {"state": "closed"}).json()["count"] == 0
    detail = client.get(f"/api/v1/hazards/{hazard.pk}").json()
    assert [s["kind"] for s in detail["steps"]] == ["found", "noticed"]
    assert detail["notices"][0]["delivery_method"] == "handed"
    assert detail["notices"][0]["hazard_ids"] == [hazard.pk]


def test_another_branchs_hazard_answers_404(clock, client, charlie, bella, household_a, org):
    [hazard] = find(charlie, household_a, HEATER)
    client.force_login(bella)
    assert client.get(f"/api/v1/hazards/{hazard.pk}").status_code == 404
    assert client.get("/api/v1/hazards").json()["count"] == 0
    url = f"/api/v1/hazards/{hazard.pk}/arranged"
    # a manager may not take the lead's step at all: 403 before any hazard is looked up
    assert client.post(url, {}, content_type=JSON).status_code == 403
    client.force_login(make_user("lina", Role.INSPECTION_LEAD, org.b))
    assert client.post(url, {}, content_type=JSON).status_code == 404


def test_a_recheck_is_201_then_200_then_409_for_another_payload(
    clock, client, charlie, lena, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    client.force_login(lena)
    arranged = client.post(f"/api/v1/hazards/{hazard.pk}/arranged", {}, content_type=JSON)
    assert arranged.status_code == 200
    client.force_login(charlie)
    body = {"id": str(uuid.uuid4()), "rectified": True, "after_photo": photo(charlie, "green")}
    url = f"/api/v1/hazards/{hazard.pk}/rechecks"
    first = client.post(url, body, content_type=JSON)
    again = client.post(url, body, content_type=JSON)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] == body["id"]
    clash = client.post(url, {**body, "note": "不同"}, content_type=JSON)
    assert clash.status_code == 409 and clash.json()["code"] == "recheck_id_conflict"
    assert Hazard.objects.get(pk=hazard.pk).state == State.CLOSED
    assert HazardStep.objects.filter(kind="rectified").count() == 1


def test_an_illegal_step_is_409_and_bad_input_422_and_neither_changes_anything(
    clock, client, charlie, cathy, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    steps = HazardStep.objects.count()
    client.force_login(cathy)
    refused = client.post(f"/api/v1/hazards/{hazard.pk}/limit", {}, content_type=JSON)
    assert refused.status_code == 409
    assert refused.json()["code"] == "hazard_illegal_transition"
    assert set(refused.json()) == {"message", "code", "extra"}
    client.force_login(charlie)
    missing = client.post(
        f"/api/v1/hazards/{hazard.pk}/rechecks",
        {"id": str(uuid.uuid4()), "rectified": True, "after_photo": "0" * 64},
        content_type=JSON,
    )
    assert missing.status_code == 422 and missing.json()["code"] == "recheck_photos_missing"
    malformed = client.post(
        f"/api/v1/hazards/{hazard.pk}/rechecks", {"rectified": "maybe"}, content_type=JSON
    )
    assert malformed.status_code == 422
    assert HazardStep.objects.count() == steps
    assert Hazard.objects.get(pk=hazard.pk).state == State.NOTICED


def test_a_second_notice_is_issued_and_delivered_through_the_api(
    clock, client, charlie, household_a
):
    from ruhu.hazards.services import hazard_clock_run

    [hazard] = find(charlie, household_a, HEATER)
    clock.shift(dt.timedelta(days=8))
    hazard_clock_run()
    client.force_login(charlie)
    issued = client.post(
        "/api/v1/hazards/notices",
        {"kind": "rectify_second", "hazard_ids": [hazard.pk]},
        content_type=JSON,
    )
    assert issued.status_code == 201
    notice = issued.json()
    assert notice["number"].startswith("ZGE") and notice["document_sha256"]
    posted = client.post(
        f"/api/v1/hazards/notices/{notice['id']}/delivery",
        {"method": "posted"},
        content_type=JSON,
    )
    assert posted.status_code == 422 and posted.json()["code"] == "hazard_delivery_photo"
    delivered = client.post(
        f"/api/v1/hazards/notices/{notice['id']}/delivery",
        {"method": "posted", "photo": photo(charlie, "blue")},
        content_type=JSON,
    )
    assert delivered.status_code == 200 and delivered.json()["delivered_on"] == str(today())
    hazard.refresh_from_db()
    assert (hazard.state, hazard.due_on) == (State.RENOTICED, today() + dt.timedelta(days=3))


def test_the_queue_and_rates_endpoints(clock, client, charlie, lena, household_a):
    find(charlie, household_a, HEATER, {**HEATER, "hazard_type": "leak", "fixed_on_spot": True,
                                         "after_photo": photo(charlie, "green")})  # fmt: skip
    client.force_login(lena)
    sections = {s["key"]: s for s in client.get("/api/v1/hazards/queue?role=lead").json()}
    assert set(sections) == {"letter", "calls", "stalled", "serious"}
    assert sections["serious"]["count"] == 1
    assert client.get("/api/v1/hazards/queue?role=nobody").status_code == 404
    assert client.get("/api/v1/hazards/queue?role=customer_service").status_code == 403
    rates = client.get("/api/v1/hazards/rates", {"start": "2026-01-01", "end": "2026-12-31"}).json()
    [level1] = [row for row in rates if row["level"] == 1]
    assert (level1["found"], level1["rectified"], level1["rate"]) == (2, 1, 0.5)
    assert level1["target"] == pytest.approx(0.99) and level1["met"] is False
    bad = client.get("/api/v1/hazards/rates", {"start": "2026-12-31", "end": "2026-01-01"})
    assert bad.status_code == 422
    far = client.get("/api/v1/hazards/rates", {"start": "2026-01-01", "end": "9999-12-31"})
    assert (
        far.status_code == 422 and far.json()["code"] == "invalid_input"
    )  # a day from 1900 to 2999


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/hazards", "/api/v1/hazards/queue?role=lead", "/api/v1/hazards/queue?role=inspector"],
)
def test_the_lists_use_constant_queries(clock, client, charlie, lena, household_a, url):
    def add(n: int) -> None:
        for _ in range(n):
            find(charlie, household_a, HEATER)

    add(2)
    client.force_login(charlie if url.endswith("inspector") else lena)
    few = _queries(client, url)
    add(6)
    assert _queries(client, url) == few


WALL = {"hazard_type": "hose_through_wall", "item": "stove_connection"}


def test_a_second_repairer_is_refused_a_colleagues_job_and_nothing_changes(
    clock, client, charlie, rick, lena, household_a, org
):
    ryan = make_user("ryan", Role.REPAIRER, org.team_a)
    [hazard] = find(charlie, household_a, WALL)
    assign, repair = f"/api/v1/hazards/{hazard.pk}/assign", f"/api/v1/hazards/{hazard.pk}/repair"
    client.force_login(rick)
    assert client.post(assign, {"repairer_id": rick.pk}, content_type=JSON).status_code == 200
    assert client.get(f"/api/v1/hazards/{hazard.pk}").json()["actions"] == [
        "repair", "repair_fail",
    ]  # fmt: skip

    def trace():
        case = Hazard.objects.get(pk=hazard.pk)
        return case.state, case.assignee_id, HazardStep.objects.count(), AuditEvent.objects.count()

    finished = {"done": True, "after_photo": photo(ryan, "green")}
    before = trace()
    client.force_login(ryan)
    assert client.get(f"/api/v1/hazards/{hazard.pk}").json()["actions"] == []
    refused = [
        (repair, finished, "hazard_not_assignee"),
        (repair, {"done": False, "reason": "客户拒绝入户"}, "hazard_not_assignee"),
        (assign, {"repairer_id": ryan.pk}, "hazard_assigned"),
        (assign, {"repairer_id": rick.pk}, "capability_missing"),
    ]
    for url, body, code in refused:
        answer = client.post(url, body, content_type=JSON)
        assert (answer.status_code, answer.json()["code"]) == (403, code), (url, body)
    assert trace() == before

    # a lead may give the job to another repairer; then only that one may finish it
    client.force_login(lena)
    assert client.post(assign, {"repairer_id": ryan.pk}, content_type=JSON).status_code == 200
    client.force_login(rick)
    late = client.post(repair, {"done": False, "reason": "客户拒绝入户"}, content_type=JSON)
    assert late.status_code == 403
    client.force_login(ryan)
    done = client.post(repair, finished, content_type=JSON)
    assert done.status_code == 200 and done.json()["kind"] == "repaired"
    assert Hazard.objects.get(pk=hazard.pk).state == State.CLOSED
