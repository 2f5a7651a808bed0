"""A facility check on a phone (390×844): the facility task in the day list, the regulator
box's pressures judged as they are typed, the check sent through the outbox, and the
repair job a pressure out of range raises."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import uuid

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from ruhu.accounts.roles import Role
from ruhu.facilities.models import FacilityCheck, FacilityKind, FacilityRepair, FacilityTask
from ruhu.facilities.services import facility_tasks_assign
from ruhu.inspection.models import Plan, PlanTask, Visit
from ruhu.premises.services import household_create
from tests.browser.pages import horizontal_overflow, log_in, shoot, small_tap_targets
from tests.conftest import make_user
from tests.factories import make_facility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT_OF_RANGE = "超出 3500–3800 Pa，提交后将生成维修任务"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "valve.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "grey").save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def box(org):
    return make_facility(
        org.a,
        "TYX-A-001",
        name="翠苑3号调压箱",
        last_checked_on=dt.date(2026, 1, 10),
        last_cleaned_on=dt.date(2026, 1, 10),
        safety_valve_valid_until=timezone.localdate() + dt.timedelta(days=400),
        installed_on=dt.date(2019, 5, 1),
        model="RX200/0.4",
    )


@pytest.fixture
def task(org, charlie, box):
    """Charlie's day: one household, the regulator box, and a valve well he did not get
    to three days ago (given then; the service refuses to plan a day already past)."""
    lena = make_user("lena", Role.INSPECTION_LEAD, org.a)
    today = timezone.localdate()
    home = household_create(
        acting_user=None, branch=org.a, account_no="A100001", name="王伟", category="residential",
        phone="13912345678", community="翠苑", building="1幢", unit="2单元", room="301",
    )  # fmt: skip
    plan = Plan.objects.create(branch=org.a, month=today.replace(day=1))
    PlanTask.objects.create(plan=plan, household=home, inspector=charlie, day=today, sequence=1)
    well = make_facility(org.a, "FJ-A-007", FacilityKind.VALVE_WELL, name="翠苑东门阀井")
    FacilityTask.objects.create(
        facility=well, branch=org.a, assignee=charlie, day=today - dt.timedelta(days=3)
    )
    return facility_tasks_assign(
        acting_user=lena, facility_ids=[box.pk], assignee=charlie, day=today
    )[0]


def open_check(open_page, task) -> Page:
    page = open_page("phone")
    log_in(page, "charlie")
    page.goto("/field/")
    section = page.get_by_test_id("facility-tasks")
    expect(section).to_contain_text("TYX-A-001")
    expect(section).to_contain_text("翠苑3号调压箱")
    expect(section.locator(".fc-task.late")).to_contain_text("FJ-A-007")
    shoot(page, "facility-day-phone")
    assert horizontal_overflow(page) == 0
    section.locator(f'[data-facility-task="{task.pk}"]').click()
    expect(page.get_by_role("heading", name="TYX-A-001 调压箱")).to_be_visible()
    page.get_by_role("button", name="开始检查").click()
    page.get_by_role("button", name="其余项目全部正常").click()
    expect(page.locator('[data-section="items"]')).to_contain_text("✓ 已完成")
    return page


def pressures(page: Page, cutoff: str) -> None:
    page.get_by_label("切断压力").fill(cutoff)
    page.get_by_label("关闭压力").fill("2800")
    page.get_by_label("运行压力").fill("2400")


def test_a_pressure_is_judged_as_typed_and_a_good_check_is_stored(open_page, task):
    page = open_check(open_page, task)
    cutoff = page.get_by_label("切断压力")
    message = page.locator("#pressure-cutoff_pa-msg")

    cutoff.fill("3400")
    expect(cutoff).to_have_class(re.compile(r"\bout-of-range\b"))
    expect(cutoff).to_have_attribute("aria-invalid", "true")
    expect(message).to_have_text(OUT_OF_RANGE)
    shoot(page, "facility-check-out-of-range-phone")

    cutoff.fill("3500")
    expect(cutoff).to_have_class(re.compile(r"\bin-range\b"))
    expect(cutoff).to_have_attribute("aria-invalid", "false")
    expect(message).to_have_text("在 3500–3800 Pa 范围内")
    pressures(page, "3500")
    page.get_by_text("本次已清洗").click()
    assert small_tap_targets(page) == []
    page.get_by_role("button", name="提交检查记录").click()

    done = page.locator("[data-done]")
    expect(done).to_have_attribute("data-sent", "1")
    expect(done).to_contain_text("已上传")
    expect(done).to_contain_text("检查结果正常，未发现缺陷")
    shoot(page, "facility-check-done-phone")
    check = FacilityCheck.objects.get()
    assert (check.cutoff_pa, check.closing_pa, check.operating_pa) == (3500, 2800, 2400)
    assert check.result == FacilityCheck.Result.PASSED and check.cleaned and check.frozen
    assert set(item["state"] for item in check.checklist.values()) == {"ok"}
    assert check.task_id == task.pk
    assert FacilityTask.objects.get(pk=task.pk).status == FacilityTask.Status.DONE
    assert not FacilityRepair.objects.exists()
    assert horizontal_overflow(page) == 0


def test_a_cut_off_pressure_of_3400_sent_after_going_offline_raises_a_repair(open_page, task):
    page = open_check(open_page, task)
    pressures(page, "3400")
    page.context.set_offline(True)
    page.get_by_role("button", name="提交检查记录").click()

    done = page.locator("[data-done]")
    expect(done).to_have_attribute("data-sent", "0")
    expect(done).to_contain_text("已保存，等待上传")
    assert not FacilityCheck.objects.exists()
    page.context.set_offline(False)
    expect(done).to_have_attribute("data-sent", "1", timeout=15_000)
    expect(done).to_contain_text("发现 1 项缺陷")
    expect(done).to_contain_text("切断压力 3400 Pa，应在 3500–3800 Pa 之间")
    expect(done).to_contain_text("已生成 1 个维修任务")
    shoot(page, "facility-check-done-defects-phone")
    repair = FacilityRepair.objects.get()
    assert repair.item == "cutoff_pa" and repair.status == FacilityRepair.Status.OPEN
    check = FacilityCheck.objects.get()
    assert check.cutoff_pa == 3400 and check.result == FacilityCheck.Result.DEFECTS
    assert repair.raised_by == check


def test_problems_are_listed_before_anything_is_queued_and_the_draft_survives_a_reload(
    open_page, task
):
    page = open_page("phone")
    log_in(page, "charlie")
    page.goto(f"/field/facilities/tasks/{task.pk}/")
    page.get_by_role("button", name="开始检查").click()
    gauge = page.locator('[data-item="gauge"]')
    gauge.get_by_role("radio", name="缺陷").click()
    expect(gauge.locator("[data-defect]")).to_be_visible()
    page.get_by_label("切断压力").fill("3900")
    page.get_by_role("button", name="提交检查记录").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("还有检查项未选择：箱体标识清晰")
    expect(alert).to_contain_text("有缺陷的项目须拍照：压力表正常")
    expect(alert).to_contain_text("请填写关闭压力")
    assert page.evaluate("localStorage.getItem('ruhu.outbox')") in (None, "[]")
    shoot(page, "facility-check-problems-phone")

    page.reload()
    expect(page.get_by_label("切断压力")).to_have_value("3900")
    expect(page.get_by_label("切断压力")).to_have_class(re.compile(r"\bout-of-range\b"))
    expect(gauge.get_by_role("radio", name="缺陷")).to_be_checked()
    assert not FacilityCheck.objects.exists()


def test_an_expired_safety_valve_is_a_defect_until_a_new_validity_is_given(
    open_page, org, charlie, picture
):
    room = make_facility(
        org.a,
        "FS-A-009",
        FacilityKind.VALVE_ROOM,
        safety_valve_valid_until=timezone.localdate() - dt.timedelta(days=3),
    )
    page = open_page("phone")
    log_in(page, "charlie")
    page.goto(f"/field/facilities/{room.pk}/check/")
    expect(page.get_by_test_id("valve-validity")).to_contain_text("已过期")
    page.get_by_role("button", name="开始检查").click()
    valve = page.locator('[data-item="safety_valve"]')
    expect(valve.get_by_role("radio", name="缺陷")).to_be_checked()
    expect(valve.get_by_role("radio", name="正常")).to_be_disabled()
    expect(valve.locator("[data-valve-reason]")).to_contain_text("已过期")

    new_date = page.get_by_label("安全阀重新检验有效期至")
    new_date.fill((timezone.localdate() + dt.timedelta(days=365)).isoformat())
    expect(valve.get_by_role("radio", name="正常")).to_be_enabled()
    expect(valve.get_by_role("radio", name="缺陷")).not_to_be_checked()
    new_date.fill("")
    expect(valve.get_by_role("radio", name="缺陷")).to_be_checked()

    page.get_by_role("button", name="其余项目全部正常").click()
    valve.locator("input[data-photo]").set_input_files(str(picture))
    expect(valve.locator("[data-thumbs] img")).to_have_count(1)
    shoot(page, "facility-check-valve-expired-phone")
    page.get_by_role("button", name="提交检查记录").click()

    expect(page.locator("[data-done]")).to_have_attribute("data-sent", "1")
    check = FacilityCheck.objects.get()
    assert check.task_id is None and check.result == FacilityCheck.Result.DEFECTS
    assert [d.item for d in check.defects.all()] == ["safety_valve"]
    assert check.photos.get().item == "safety_valve"
    assert FacilityRepair.objects.get().item == "safety_valve"


def test_the_outbox_sends_entries_queued_before_they_named_an_endpoint_as_visits(
    open_page, task, picture
):
    """Phones updated with visits still in their outbox: those entries have no endpoint.
    A refused entry ahead of them is marked with the server's reason and does not block."""
    visit_task = PlanTask.objects.get()
    finished = timezone.now() - dt.timedelta(minutes=1)
    jpeg = "data:image/jpeg;base64," + base64.b64encode(picture.read_bytes()).decode()
    refused = {
        "endpoint": "/api/v1/facilities/checks",
        "payload": {
            "id": str(uuid.uuid4()), "facility_id": task.facility_id, "task_id": 999999,
            "started_at": (finished - dt.timedelta(minutes=9)).isoformat(),
            "finished_at": finished.isoformat(), "checklist": {},
        },
        "photos": {},
        "error": None,
    }  # fmt: skip
    legacy = {
        "payload": {
            "id": str(uuid.uuid4()), "household_id": visit_task.household_id,
            "task_id": visit_task.pk, "outcome": "absent",
            "started_at": (finished - dt.timedelta(minutes=3)).isoformat(),
            "finished_at": finished.isoformat(), "absent_photo": "local:1",
            "door_number": "1幢 2单元 301",
        },
        "photos": {"local:1": {"kind": "photo", "data": jpeg, "sha256": None}},
        "error": None,
    }  # fmt: skip
    page = open_page("phone")
    log_in(page, "charlie")
    page.evaluate(
        "entries => localStorage.setItem('ruhu.outbox', JSON.stringify(entries))",
        [refused, legacy],
    )

    page.goto("/field/")

    note = page.locator("[data-outbox-note]")
    expect(note).to_have_text("上传被拒绝：未找到该任务")
    visit = Visit.objects.get()
    assert visit.id == uuid.UUID(legacy["payload"]["id"]) and visit.outcome == "absent"
    assert visit.photos.get().purpose == "absent_notice"
    assert not FacilityCheck.objects.exists()
    left = page.evaluate("JSON.parse(localStorage.getItem('ruhu.outbox'))")
    assert [entry["payload"]["id"] for entry in left] == [refused["payload"]["id"]]
    assert left[0]["error"] == "未找到该任务"
