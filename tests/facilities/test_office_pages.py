"""The office pages of station facilities: the registry with its filters, the schedule and
the assignment of checks, the record card with its history, one check as evidence, and
the repair jobs. Each page is scoped (another branch's facility answers 404) and lists
with a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from ruhu.accounts.roles import Role
from ruhu.common.models import AuditEvent, LedgerEntry
from ruhu.facilities.models import Facility, FacilityRepair, FacilityTask
from ruhu.facilities.services import (
    facility_check_correct,
    facility_tasks_assign,
)
from tests.conftest import login, make_user
from tests.facilities.checking import check_payload, submit
from tests.facilities.conftest import make_facility
from tests.inspection.visiting import photo

TODAY = dt.date(2026, 11, 27)


pytestmark = pytest.mark.usefixtures("media")


def jpeg(colour: str = "green") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return SimpleUploadedFile(f"{colour}.jpg", out.getvalue(), content_type="image/jpeg")


def html(response) -> str:
    return response.content.decode()


def rows(page: str, testid: str) -> list[str]:
    return re.findall(rf'<tr[^>]*data-testid="{testid}".*?</tr>', page, re.S)


def overdue(org, code: str, **extra) -> Facility:
    """A regulator box of branch A last checked long ago: on the overdue list."""
    return make_facility(org.a, code, last_checked_on=dt.date(2026, 6, 1), **extra)


# ── every page, scoped ──────────────────────────────────────────────────────────────


def test_it_shows_every_office_page_to_the_inspection_lead(client, clock, lena, charlie, box):
    check = submit(charlie, box, cutoff_pa=3400)
    login(client, lena)
    for url in (
        "/facilities/",
        "/facilities/new/",
        "/facilities/schedule/",
        *[f"/facilities/schedule/?which={which}" for which in ("due", "upcoming", "cleaning")],
        "/facilities/schedule/?which=flagged",
        f"/facilities/{box.pk}/",
        f"/facilities/{box.pk}/edit/",
        f"/facilities/checks/{check.pk}/",
        "/facilities/repairs/",
        "/facilities/repairs/?status=all",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    pdf = client.get(f"/facilities/{box.pk}/card.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_it_answers_404_for_another_branchs_facility_and_its_checks(
    client, clock, lena, dave, well_b
):
    check = submit(dave, well_b, checklist={"standing_water": {"state": "ok"}} | _well_rest())
    login(client, lena)
    for url in (
        f"/facilities/{well_b.pk}/",
        f"/facilities/{well_b.pk}/edit/",
        f"/facilities/{well_b.pk}/card.pdf",
        f"/facilities/checks/{check.pk}/",
        f"/facilities/checks/{check.pk}/files/{uuid.uuid4()}",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/facilities/{well_b.pk}/active/", {"active": "0", "reason": "x"}).status_code
        == 404
    )
    assert well_b.code not in html(client.get("/facilities/?state=all"))
    assert Facility.objects.get(pk=well_b.pk).active is True


def _well_rest() -> dict:
    return {code: {"state": "ok"} for code in ("numbered", "flow_direction", "valve_closes")}


def test_an_inspector_sees_the_schedule_but_cannot_assign_or_register(
    client, clock, org, charlie, lena
):
    late = overdue(org, "TYX-LATE")
    login(client, charlie)
    page = client.get("/facilities/schedule/")
    assert page.status_code == 200
    assert "TYX-LATE" in html(page)
    assert 'data-testid="assign-form"' not in html(page)
    assert 'name="facility"' not in html(page)
    refused = client.post(
        "/facilities/schedule/",
        {"facility": [late.pk], "assignee": charlie.pk, "day": TODAY.isoformat()},
    )
    assert refused.status_code == 403
    assert not FacilityTask.objects.exists()
    assert client.get("/facilities/new/").status_code == 403
    assert 'data-testid="facility-create"' not in html(client.get("/facilities/"))


def test_a_user_without_facility_rights_may_not_open_the_repairs(client, org):
    installer = make_user("ivan", Role.INSTALLER, org.team_a)
    login(client, installer)
    assert client.get("/facilities/repairs/").status_code == 403
    assert client.get("/facilities/schedule/").status_code == 403


def test_the_navigation_shows_the_facility_pages_by_capability(client, lena, charlie, rick):
    def nav(user) -> str:
        client.logout()
        login(client, user)
        return re.search(r'<nav class="nav".*?</nav>', html(client.get("/")), re.S).group(0)

    lead = nav(lena)
    assert 'href="/facilities/schedule/"' in lead and "设施巡检" in lead
    assert 'href="/facilities/repairs/"' in lead  # the lead hands the jobs out
    repairer = nav(rick)
    assert 'href="/facilities/repairs/"' in repairer and "设施维修" in repairer
    assert "设施维修" not in nav(charlie)


# ── the registry ────────────────────────────────────────────────────────────────────


def test_the_registry_filters_narrow_the_list(client, clock, org, lena, box, well, room):
    make_facility(org.a, "TYX-A-002", location="解放路12号", community="望江小区", flagged=True)
    make_facility(org.a, "TYX-A-OLD", active=False, name="旧调压箱")
    login(client, lena)

    def listed(query: str) -> set[str]:
        page = html(client.get("/facilities/?" + query))
        return set(re.findall(r'class="row-link"[^>]*>([^<]+)<', page))

    assert listed("") == {"TYX-A-001", "FJ-A-001", "FS-A-001", "TYX-A-002"}
    assert listed("kind=valve_well") == {"FJ-A-001"}
    assert listed("q=a-00") == {"TYX-A-001", "FJ-A-001", "FS-A-001", "TYX-A-002"}
    assert listed("q=解放路") == {"TYX-A-002"}
    assert listed("community=望江") == {"TYX-A-002"}
    assert listed("flagged=1") == {"TYX-A-002"}
    assert listed("flagged=0&kind=regulator_box") == {"TYX-A-001"}
    assert listed("state=retired") == {"TYX-A-OLD"}
    assert listed("state=all&q=旧调压箱") == {"TYX-A-OLD"}
    assert listed("kind=nonsense") == listed("")  # a bad filter filters by nothing


def test_the_registry_shows_when_each_facility_is_next_due(client, clock, org, lena):
    overdue(org, "TYX-LATE")
    login(client, lena)
    page = html(client.get("/facilities/"))
    [row] = rows(page, "facility-row")
    assert "2026-06-01" in row and "2026-09-01" in row and "已超期" in row


def test_the_lead_registers_a_facility_into_their_branch(client, clock, org, lena, charlie):
    login(client, lena)
    response = client.post(
        "/facilities/new/",
        {
            "code": "TYX-A-100", "kind": "regulator_box", "name": "东门调压箱",
            "location": "翠苑小区东门", "community": "翠苑小区", "latitude": "30.274100",
            "longitude": "120.155000", "installed_on": "2020-05-01",
            "safety_valve_valid_until": "2027-05-01", "assignee": charlie.pk,
        },
    )  # fmt: skip
    facility = Facility.objects.get(code="TYX-A-100")
    assert response.status_code == 302 and response["Location"] == f"/facilities/{facility.pk}/"
    assert facility.branch == org.a and facility.assignee == charlie
    assert AuditEvent.objects.filter(action="facility.create", target_id=str(facility.pk)).exists()


def test_a_refused_registration_shows_why_and_stores_nothing(client, clock, lena, box):
    login(client, lena)
    taken = client.post(
        "/facilities/new/", {"code": box.code, "kind": "valve_well", "location": "某处"}
    )
    assert taken.status_code == 422 and "设施编号已存在" in html(taken)
    no_valve = client.post(
        "/facilities/new/",
        {
            "code": "FJ-9",
            "kind": "valve_well",
            "location": "某处",
            "safety_valve_valid_until": "2027-01-01",
        },
    )
    assert no_valve.status_code == 422 and "该类设施没有安全阀" in html(no_valve)
    assert list(Facility.objects.values_list("code", flat=True)) == [box.code]


def test_head_office_chooses_the_branch(client, clock, org, alice):
    login(client, alice)
    missing = client.post(
        "/facilities/new/", {"code": "FJ-X", "kind": "valve_well", "location": "某处"}
    )
    assert missing.status_code == 422
    client.post(
        "/facilities/new/",
        {"code": "FJ-X", "kind": "valve_well", "location": "某处", "branch": org.b.pk},
    )
    assert Facility.objects.get(code="FJ-X").branch == org.b


def test_the_lead_edits_and_retires_a_facility_with_a_reason(client, clock, lena, box):
    login(client, lena)
    edited = client.post(
        f"/facilities/{box.pk}/edit/",
        {"kind": "regulator_box", "location": "翠苑小区3幢南侧", "model": "RX300"},
    )
    assert edited.status_code == 302
    box.refresh_from_db()
    assert (box.location, box.model) == ("翠苑小区3幢南侧", "RX300")
    no_reason = client.post(f"/facilities/{box.pk}/active/", {"active": "0", "reason": ""})
    assert no_reason.status_code == 302
    box.refresh_from_db()
    assert box.active is True
    client.post(f"/facilities/{box.pk}/active/", {"active": "0", "reason": "已拆除"})
    box.refresh_from_db()
    assert box.active is False
    card = html(client.get(f"/facilities/{box.pk}/"))
    assert "已停用" in card and "已拆除" in card  # the reason in the audit trail


# ── the schedule ────────────────────────────────────────────────────────────────────


def test_the_schedule_counts_each_list_and_shows_days_overdue(client, clock, org, lena, box):
    overdue(org, "TYX-LATE")
    login(client, lena)
    page = html(client.get("/facilities/schedule/"))
    assert re.search(r'data-testid="count-overdue">1<', page)
    assert re.search(r'data-testid="count-due">1<', page)  # the box is due today
    [row] = rows(page, "schedule-row")
    assert "TYX-LATE" in row and "2026-09-01" in row and "超期 87 天" in row
    due = html(client.get("/facilities/schedule/?which=due"))
    assert box.code in due and "今天到期" in due


def test_the_lead_assigns_ticked_facilities_to_an_inspector_for_a_day(
    client, clock, org, lena, charlie
):
    first, second = overdue(org, "TYX-1"), overdue(org, "TYX-2")
    login(client, lena)
    day = TODAY + dt.timedelta(days=3)
    response = client.post(
        "/facilities/schedule/?which=overdue",
        {"facility": [first.pk, second.pk], "assignee": charlie.pk, "day": day.isoformat()},
    )
    assert response.status_code == 302
    tasks = FacilityTask.objects.filter(status=FacilityTask.Status.PLANNED)
    assert {(t.facility_id, t.assignee_id, t.day) for t in tasks} == {
        (first.pk, charlie.pk, day),
        (second.pk, charlie.pk, day),
    }
    page = html(client.get(response["Location"]))
    assert "已将 2 个设施分派给 Charlie" in page
    assert len(re.findall(r'data-testid="open-task"', page)) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"day": "2026-11-26"}, "计划日期不能早于今天"),
        ({"facility": []}, "请先勾选要分派的设施"),
        ({"assignee": ""}, "请选择检查人"),
    ],
)
def test_a_refused_assignment_shows_why_and_changes_nothing(
    client, clock, org, lena, charlie, change, message
):
    late = overdue(org, "TYX-LATE")
    login(client, lena)
    data = {"facility": [late.pk], "assignee": charlie.pk, "day": TODAY.isoformat()} | change
    response = client.post("/facilities/schedule/", data)
    assert response.status_code == 422
    assert message in html(response)
    assert not FacilityTask.objects.exists()


def test_assigning_another_branchs_facility_or_inspector_changes_nothing(
    client, clock, org, lena, charlie, dave, well_b
):
    late = overdue(org, "TYX-LATE")
    login(client, lena)
    foreign = client.post(
        "/facilities/schedule/",
        {"facility": [late.pk, well_b.pk], "assignee": charlie.pk, "day": TODAY.isoformat()},
    )
    assert foreign.status_code == 404
    stranger = client.post(
        "/facilities/schedule/",
        {"facility": [late.pk], "assignee": dave.pk, "day": TODAY.isoformat()},
    )
    assert stranger.status_code == 422
    assert not FacilityTask.objects.exists()


def test_the_lead_cancels_an_open_task(client, clock, org, lena, charlie):
    late = overdue(org, "TYX-LATE")
    [task] = facility_tasks_assign(
        acting_user=lena, facility_ids=[late.pk], assignee=charlie, day=TODAY
    )
    login(client, lena)
    response = client.post(
        f"/facilities/{late.pk}/tasks/{task.pk}/cancel/",
        {"next": "/facilities/schedule/?which=overdue"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/facilities/schedule/?which=overdue"
    task.refresh_from_db()
    assert task.status == FacilityTask.Status.CANCELLED
    again = client.post(f"/facilities/{late.pk}/tasks/{task.pk}/cancel/", follow=True)
    assert "该任务已完成或已取消" in html(again)


def test_an_inspector_cannot_cancel_a_task(client, clock, org, lena, charlie):
    late = overdue(org, "TYX-LATE")
    [task] = facility_tasks_assign(
        acting_user=lena, facility_ids=[late.pk], assignee=charlie, day=TODAY
    )
    login(client, charlie)
    assert client.post(f"/facilities/{late.pk}/tasks/{task.pk}/cancel/").status_code == 403
    task.refresh_from_db()
    assert task.status == FacilityTask.Status.PLANNED


# ── the record card and one check ───────────────────────────────────────────────────


def test_the_record_card_lists_checks_newest_first_and_marks_the_corrected_one(
    client, clock, lena, charlie, box
):
    oldest = submit(charlie, box, cutoff_pa=3400)
    clock.shift(dt.timedelta(hours=2))
    wrong = submit(charlie, box, operating_pa=2600)
    clock.shift(dt.timedelta(hours=3))
    corrected = facility_check_correct(
        acting_user=charlie,
        check=wrong,
        payload=check_payload(box),
        reason="运行压力抄错，实测 2400 Pa",
    )
    login(client, lena)
    page = html(client.get(f"/facilities/{box.pk}/"))
    history = rows(page, "check-row")
    assert all(
        str(check.pk) in row for check, row in zip((corrected, wrong, oldest), history, strict=True)
    )
    assert "已被更正" in history[1] and "运行压力抄错" in history[1]
    assert "已被更正" not in history[0] and "更正记录" in history[0]
    assert 'data-testid="out-of-range"' in history[2] and "3400" in history[2]
    assert "切断压力 3400 Pa" in history[2]


def test_the_check_detail_shows_answers_photos_defects_and_its_ledger_entry(
    client, clock, lena, charlie, well
):
    sha = photo(charlie, "red")
    water = {"state": "defect", "note": "井内积水约20厘米", "photos": [sha]}
    check = submit(charlie, well, checklist=_well_rest() | {"standing_water": water})
    login(client, lena)
    page = html(client.get(f"/facilities/checks/{check.pk}/"))
    entry = LedgerEntry.objects.get(kind="facility_check", record_id=str(check.pk))
    assert "井内无积水" in page and "井内积水约20厘米" in page and "阀井已编号" in page
    assert f"哈希链第 {entry.seq} 条" in page and entry.entry_hash in page
    [attachment_id] = check.photos.values_list("attachment_id", flat=True)
    url = f"/facilities/checks/{check.pk}/files/{attachment_id}"
    assert url in page
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert client.get(f"/facilities/checks/{check.pk}/files/{uuid.uuid4()}").status_code == 404


# ── repairs ─────────────────────────────────────────────────────────────────────────


def test_a_repairer_records_a_repair_done_with_an_after_photo(client, clock, charlie, rick, box):
    submit(charlie, box, cutoff_pa=3400)
    job = FacilityRepair.objects.get(facility=box)
    login(client, rick)
    queue = html(client.get("/facilities/repairs/"))
    assert box.code in queue and "切断压力 3400 Pa" in queue and "登记维修完成" in queue
    response = client.post(
        "/facilities/repairs/",
        {"op": "done", "repair": job.pk, "note": "更换切断阀，复测 3600 Pa", "photo": jpeg()},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == FacilityRepair.Status.REPAIRED
    assert job.repaired_by == rick and job.after_photo_id is not None
    assert job.repair_note == "更换切断阀，复测 3600 Pa"
    card = html(client.get(f"/facilities/{box.pk}/"))
    photo_url = f"/facilities/{box.pk}/repairs/{job.pk}/photo"
    assert photo_url in card and "已维修待复查" in card
    assert client.get(photo_url).status_code == 200


def test_a_repair_done_without_a_photo_is_refused_and_changes_nothing(
    client, clock, charlie, rick, box
):
    submit(charlie, box, cutoff_pa=3400)
    job = FacilityRepair.objects.get(facility=box)
    login(client, rick)
    response = client.post(
        "/facilities/repairs/", {"op": "done", "repair": job.pk, "note": "已修好"}
    )
    assert response.status_code == 422
    assert "请拍摄或选择维修后照片" in html(response)
    job.refresh_from_db()
    assert job.status == FacilityRepair.Status.OPEN and job.repaired_by is None


def test_the_lead_assigns_a_repairer_and_the_inspector_cannot(
    client, clock, org, lena, charlie, rick, box
):
    submit(charlie, box, cutoff_pa=3400)
    job = FacilityRepair.objects.get(facility=box)
    login(client, charlie)
    assert (
        client.post(
            "/facilities/repairs/", {"op": "assign", "repair": job.pk, "repairer": rick.pk}
        ).status_code
        == 403
    )
    client.logout()
    login(client, lena)
    client.post("/facilities/repairs/", {"op": "assign", "repair": job.pk, "repairer": rick.pk})
    job.refresh_from_db()
    assert job.assignee == rick


def test_a_refused_step_shows_why_on_the_jobs_card_and_a_done_one_returns_to_it(
    client, clock, lena, charlie, rick, box
):
    submit(charlie, box, cutoff_pa=3400)
    job = FacilityRepair.objects.get(facility=box)
    login(client, lena)
    refused = client.post("/facilities/repairs/", {"op": "assign", "repair": job.pk})
    assert refused.status_code == 422
    card = re.search(rf'<li[^>]*id="repair-{job.pk}".*?</li>', html(refused), re.S).group(0)
    assert 'data-testid="card-error"' in card and "请选择维修员" in card
    unknown = client.post("/facilities/repairs/", {"op": "finish", "repair": job.pk})
    assert unknown.status_code == 400
    assert client.post("/facilities/repairs/", {"op": "assign"}).status_code == 404
    job.refresh_from_db()
    assert job.assignee is None
    done = client.post(
        "/facilities/repairs/?status=todo", {"op": "assign", "repair": job.pk, "repairer": rick.pk}
    )
    assert done["Location"] == f"/facilities/repairs/?status=todo#repair-{job.pk}"
    assert "已分派给 Rick" in html(client.get(done["Location"]))


def test_the_repairs_mark_overdue_jobs_and_filter_by_status(client, clock, charlie, lena, box):
    submit(charlie, box, cutoff_pa=3400)  # due 30 Nov
    clock.shift(dt.timedelta(days=5))
    login(client, lena)
    page = html(client.get("/facilities/repairs/"))
    assert 'data-testid="repair-overdue"' in page and "逾期 2 天" in page
    assert box.code not in html(client.get("/facilities/repairs/?status=verified"))
    assert box.code in html(client.get("/facilities/repairs/?status=todo"))


# ── queries stay constant ───────────────────────────────────────────────────────────


def queries(client, url: str) -> int:
    client.get(url)  # warm the per-process caches (policy values, content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_overdue(org, lena, inspector, start: int, count: int) -> None:
    made = [overdue(org, f"TYX-Q{n:03d}", flagged=n % 2 == 0) for n in range(start, start + count)]
    facility_tasks_assign(
        acting_user=lena, facility_ids=[f.pk for f in made[::2]], assignee=inspector, day=TODAY
    )


@pytest.mark.parametrize(
    "url", ["/facilities/", "/facilities/schedule/", "/facilities/schedule/?which=flagged"]
)
def test_the_registry_and_schedule_do_not_grow_queries_per_row(
    client, clock, org, lena, charlie, url, django_assert_max_num_queries
):
    login(client, lena)
    add_overdue(org, lena, charlie, 0, 3)
    few = queries(client, url)
    add_overdue(org, lena, charlie, 3, 30)
    assert queries(client, url) == few
    with django_assert_max_num_queries(20):
        client.get(url)


def test_the_repairs_page_does_not_grow_queries_per_job(
    client, clock, org, lena, charlie, django_assert_max_num_queries
):
    def faulty(start: int, count: int) -> None:
        for n in range(start, start + count):
            submit(charlie, overdue(org, f"TYX-R{n:03d}"), cutoff_pa=3400, operating_pa=2600)

    login(client, lena)
    faulty(0, 2)
    few = queries(client, "/facilities/repairs/")
    faulty(2, 12)
    assert queries(client, "/facilities/repairs/") == few
    with django_assert_max_num_queries(12):
        client.get("/facilities/repairs/")


def test_the_record_card_does_not_grow_queries_per_check(
    client, clock, lena, charlie, rick, box, django_assert_max_num_queries
):
    login(client, lena)
    url = f"/facilities/{box.pk}/"

    made = iter(range(1000))

    def checks(count: int) -> None:
        """`count` more checks, each an hour before the one made before it."""
        for _ in range(count):
            n = next(made)
            finished = timezone.now() - dt.timedelta(hours=n + 1)
            submit(
                charlie,
                box,
                cutoff_pa=3400 if n % 2 else 3600,
                started_at=(finished - dt.timedelta(minutes=15)).isoformat(),
                finished_at=finished.isoformat(),
            )

    checks(2)
    few = queries(client, url)
    checks(30)
    assert queries(client, url) == few
    with django_assert_max_num_queries(15):
        client.get(url)


def test_head_office_sees_every_branch_with_its_name(client, clock, alice, box, well_b):
    login(client, alice)
    registry = html(client.get("/facilities/"))
    assert box.code in registry and well_b.code in registry
    assert "东城项目公司" in registry and "西城项目公司" in registry
    narrowed = html(client.get(f"/facilities/?branch={well_b.branch_id}"))
    assert well_b.code in narrowed and box.code not in narrowed
    schedule = client.get("/facilities/schedule/?which=due")
    assert schedule.status_code == 200 and box.code in html(schedule)
    assert client.get(f"/facilities/{well_b.pk}/").status_code == 200
