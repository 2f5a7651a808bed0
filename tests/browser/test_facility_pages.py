"""The office pages of station facilities in Chromium: the registry, the schedule (ticking
rows and giving them to an inspector) and the record card on a desk, the repair jobs on a
repairer's phone (reporting one done with a photo). Screenshots land in tests/screenshots/."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from ruhu.facilities.models import FacilityKind, FacilityRepair, FacilityTask
from ruhu.facilities.services import facility_check_correct, facility_check_submit
from tests.browser.pages import horizontal_overflow, log_in, shoot, small_tap_targets
from tests.facilities.checking import all_fine, check_payload
from tests.factories import make_facility
from tests.inspection.visiting import photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def payload(facility, *, hours_ago: int, **changes):
    finished = timezone.now() - dt.timedelta(hours=hours_ago)
    return check_payload(
        facility,
        started_at=(finished - dt.timedelta(minutes=18)).isoformat(),
        finished_at=finished.isoformat(),
        **changes,
    )


def checked(user, facility, *, hours_ago: int, **changes):
    check, _created = facility_check_submit(
        acting_user=user, payload=payload(facility, hours_ago=hours_ago, **changes)
    )
    return check


@pytest.fixture
def station(org, lena, charlie, rick, settings, tmp_path):
    """A branch's facilities in every state the pages show, and a box with a history."""
    settings.MEDIA_ROOT = tmp_path / "media"
    box = make_facility(
        org.a, "TYX-A-001", name="翠苑东门调压箱", model="RX200/0.4", manufacturer="杭州燃气设备厂",
        last_checked_on=days_ago(120), last_cleaned_on=days_ago(400),
        safety_valve_valid_until=timezone.localdate() + dt.timedelta(days=200),
        latitude="30.274100", longitude="120.155000", assignee=charlie,
    )  # fmt: skip
    rows = [  # three overdue, one due within the week, one within the month, one later
        ("TYX-A-002", FacilityKind.REGULATOR_BOX, "望江小区", "望江路88号西侧绿化带", 150),
        ("FJ-A-001", FacilityKind.VALVE_WELL, "翠苑小区", "翠苑小区2幢与3幢之间", 120),
        ("FS-A-001", FacilityKind.VALVE_ROOM, "", "文三路与学院路交叉口阀室", 100),
        ("FJ-A-002", FacilityKind.VALVE_WELL, "望江小区", "望江小区北门车行道", 88),
        ("TYG-A-001", FacilityKind.REGULATOR_CABINET, "文新小区", "文新小区锅炉房旁", 70),
    ]
    for code, kind, community, location, age in rows:
        make_facility(
            org.a, code, kind, community=community, location=location,
            last_checked_on=days_ago(age),
        )  # fmt: skip
    make_facility(org.a, "FJ-A-OLD", FacilityKind.VALVE_WELL, active=False, location="已拆除阀井")
    checked(charlie, box, hours_ago=40 * 24, cutoff_pa=3620)
    wrong = checked(charlie, box, hours_ago=5, operating_pa=2620)
    facility_check_correct(
        acting_user=charlie, check=wrong, payload=payload(box, hours_ago=4, operating_pa=2450),
        reason="运行压力抄错，复测为 2450 Pa",
    )  # fmt: skip
    rusty = all_fine(box) | {
        "corrosion": {"state": "defect", "note": "箱体底部锈蚀", "photos": [photo(charlie)]}
    }
    checked(charlie, box, hours_ago=1, checklist=rusty, cutoff_pa=3420)
    return box


def test_the_lead_works_the_registry_schedule_and_record_card_on_a_desk(
    open_page, station, charlie
):
    page = open_page("desktop")
    log_in(page, "lena")
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("link", name="设施巡检").click()
    expect(page.get_by_role("heading", name="设施巡检")).to_be_visible()

    page.goto("/facilities/")
    expect(page.get_by_test_id("facility-row")).to_have_count(6)
    shoot(page, "facilities-registry-desktop")
    page.get_by_label("类型").select_option("valve_well")
    expect(page.get_by_test_id("facility-row")).to_have_count(2)
    page.get_by_label("类型").select_option("")
    expect(page.get_by_test_id("facility-row")).to_have_count(6)
    page.get_by_text("更多筛选").click()
    page.get_by_label("编号").fill("TYX-A-001")
    shoot(page, "facilities-registry-filters-desktop")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_test_id("facility-row")).to_have_count(1)
    assert "code=TYX-A-001" in page.url  # the filter is in the address, to share or go back to

    page.goto("/facilities/schedule/")
    overdue = page.get_by_test_id("schedule-row")
    expect(overdue).to_have_count(3)
    page.locator("[data-select-all]").check()
    expect(page.locator("[data-picked]")).to_contain_text("已选 3 个设施")
    page.get_by_label("检查人").select_option(str(charlie.pk))
    page.get_by_role("button", name="分派所选设施").click()
    expect(page.locator(".msg")).to_contain_text("已将 3 个设施分派给 Charlie")
    expect(page.get_by_test_id("open-task")).to_have_count(3)
    assert FacilityTask.objects.filter(assignee=charlie).count() == 3
    shoot(page, "facilities-schedule-desktop")

    page.goto(f"/facilities/{station.pk}/")
    expect(page.get_by_test_id("check-row")).to_have_count(4)
    expect(page.get_by_test_id("superseded")).to_have_count(1)
    shoot(page, "facility-card-desktop")
    page.get_by_test_id("facility-edit").click()
    page.get_by_label("位置").fill("翠苑小区3幢北侧绿化带内")
    shoot(page, "facility-form-desktop")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".msg")).to_contain_text("已保存设施 TYX-A-001")
    expect(page.get_by_test_id("registry")).to_contain_text("翠苑小区3幢北侧绿化带内")
    page.get_by_test_id("check-row").first.get_by_role("link").click()
    expect(page.get_by_test_id("check-items")).to_contain_text("箱体底部锈蚀")
    shoot(page, "facility-check-desktop")


def test_the_repairer_reports_a_repair_done_on_a_phone(open_page, station, tmp_path):
    page = open_page("phone")
    log_in(page, "rick")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="设施维修").click()
    cards = page.get_by_test_id("repair-card")
    expect(cards).to_have_count(2)  # the low cut-off pressure and the corrosion
    shoot(page, "facility-repairs-phone")
    assert horizontal_overflow(page) == 0
    assert small_tap_targets(page) == []

    job = FacilityRepair.objects.get(item="corrosion")
    card = page.locator(f"#repair-{job.pk}")
    card.get_by_text("登记维修完成").click()
    picture = tmp_path / "after.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "green").save(buffer, "JPEG")
    picture.write_bytes(buffer.getvalue())
    card.locator('input[name="photo"]').set_input_files(str(picture))
    card.get_by_label("维修说明").fill("除锈后刷防锈漆两遍")
    shoot(page, "facility-repair-form-phone")
    assert small_tap_targets(page) == []
    card.get_by_role("button", name="提交维修完成").click()
    expect(page.locator(".msg")).to_contain_text("维修完成已登记")
    job.refresh_from_db()
    assert job.status == FacilityRepair.Status.REPAIRED and job.after_photo_id
    expect(page.locator(f"#repair-{job.pk}").get_by_test_id("repair-status")).to_have_text(
        "已维修待复查"
    )
    assert horizontal_overflow(page) == 0


def test_the_office_pages_fit_a_phone(open_page, station):
    page = open_page("phone")
    log_in(page, "lena")
    problems = []
    for url, name in (
        ("/facilities/", "facilities-registry-phone"),
        ("/facilities/schedule/", "facilities-schedule-phone"),
        (f"/facilities/{station.pk}/", "facility-card-phone"),
    ):
        page.goto(url)
        shoot(page, name)
        if horizontal_overflow(page):
            problems.append(f"{url} scrolls sideways by {horizontal_overflow(page)}px")
        if small_tap_targets(page):
            problems.append(f"{url} has small tap targets: {small_tap_targets(page)}")
    assert problems == []
