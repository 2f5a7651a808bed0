"""The hazard work queues on a phone (390×844): customer service limits gas sales, a
repairer takes a job and reports it done with an after-photo; the lead's queue, one
hazard's page and the household's section as they look."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from ruhu.hazards.models import Hazard, HazardNotice, State
from ruhu.hazards.services import (
    followup_call_record,
    hazard_limit_apply,
    hazard_notice_deliver,
    hazard_notice_issue,
)
from ruhu.premises.models import Household
from ruhu.premises.services import household_create
from tests.browser.pages import horizontal_overflow, log_in, small_tap_targets
from tests.hazards.conftest import find, picture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SHOTS = Path("/tmp/hazard-shots")
HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}
WALL = {"hazard_type": "hose_through_wall", "item": "stove_connection"}


def shoot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def at_state(hazard: Hazard, state: str, **fields) -> Hazard:
    Hazard.objects.filter(pk=hazard.pk).update(state=state, **fields)
    return Hazard.objects.get(pk=hazard.pk)


def after_photo() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 90)).save(out, "JPEG")
    return {"name": "after.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def fits_the_phone(page: Page) -> None:
    assert horizontal_overflow(page) == 0
    assert small_tap_targets(page) == []


def test_customer_service_applies_limited_sales_from_the_queue(
    open_page, charlie, cathy, household_a
):
    [hazard] = find(charlie, household_a, HEATER)
    hazard = at_state(hazard, State.LIMIT_DUE, due_on=None)
    page = open_page("phone")
    log_in(page, "cathy")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="隐患待办").click()
    card = page.locator(f"#hazard-{hazard.pk}")
    expect(card).to_contain_text(household_a.account_no)
    expect(card).to_contain_text("使用直排式热水器")
    expect(card.get_by_test_id("hazard-level")).to_have_text("一级")
    expect(card.get_by_test_id("hazard-state")).to_have_text("待限量售气")
    shoot(page, "queue-customer-service")
    fits_the_phone(page)

    card.get_by_text("执行限量售气", exact=True).click()
    card.get_by_label("说明（可选）").fill("已在营业系统设置限购")
    fits_the_phone(page)
    card.get_by_role("button", name="确认限量售气").click()

    expect(page.get_by_text(f"{household_a.account_no}：已执行限量售气")).to_be_visible()
    expect(page.locator(f"#hazard-{hazard.pk}")).to_have_count(0)
    assert Hazard.objects.get(pk=hazard.pk).state == State.LIMITED
    assert Household.objects.get(pk=household_a.pk).supply_status == "limited"


# `move` writes the assignee (a User) into the audit row's JSON, so taking a job answers
# 500 until the service records the id. Strict: this passes, and must be unmarked, once fixed.
def test_a_repairer_takes_a_job_from_the_queue(open_page, charlie, rick, household_a):
    [hazard] = find(charlie, household_a, WALL)
    page = open_page("phone")
    log_in(page, "rick")
    page.goto("/hazards/queue/")
    card = page.get_by_test_id("section-unassigned").locator(f"#hazard-{hazard.pk}")
    card.get_by_role("button", name="接单").click()
    expect(page.get_by_text(f"{household_a.account_no}：已接单")).to_be_visible(timeout=3000)
    expect(page.get_by_test_id("section-repair").locator(f"#hazard-{hazard.pk}")).to_be_visible()


def test_a_repairer_reports_a_job_done_with_an_after_photo(open_page, charlie, rick, household_a):
    [hazard] = find(charlie, household_a, WALL)
    hazard = at_state(hazard, State.DISPATCHED, assignee=rick)
    [other] = find(charlie, household_a, WALL)  # another job, still to be taken
    page = open_page("phone")
    log_in(page, "rick")
    page.goto("/hazards/queue/")
    expect(page.get_by_test_id("section-unassigned").locator(f"#hazard-{other.pk}")).to_be_visible()
    card = page.get_by_test_id("section-repair").locator(f"#hazard-{hazard.pk}")
    expect(card).to_contain_text("软管穿墙")
    shoot(page, "queue-repairer")
    fits_the_phone(page)

    card.get_by_text("维修完成", exact=True).click()
    card.get_by_label("整改后照片").set_input_files(after_photo())
    card.get_by_label("说明（可选）").fill("已加装套管并封堵")
    shoot(page, "queue-repairer-done-form")
    fits_the_phone(page)
    card.get_by_role("button", name="提交维修完成").click()

    expect(page.get_by_text(f"{household_a.account_no}：维修完成已登记")).to_be_visible()
    hazard = Hazard.objects.get(pk=hazard.pk)
    assert hazard.state == State.CLOSED and hazard.steps.filter(kind="repaired").exists()

    # the hazard's page shows the after-photo in its history
    page.goto(f"/hazards/{hazard.pk}/")
    expect(page.get_by_test_id("hazard-state")).to_have_text("已关闭")
    expect(page.get_by_test_id("hazard-photos").locator("img")).to_have_count(2)


def test_the_leads_queue_the_hazard_page_and_the_household_section(
    open_page, org, charlie, lena, cathy, household_a
):
    # two cases of one community waiting for the letter to the property manager
    letters = []
    for n in range(2):
        household = household_create(
            acting_user=None, branch=org.a, account_no=f"C{n:06d}", name=f"住户{n}",
            category="residential", community="翠苑小区", building="3幢", room=f"{n + 1}01",
            address=f"翠苑小区3幢{n + 1}01室", phone=f"1391234{n:04d}",
        )  # fmt: skip
        [case] = find(charlie, household, WALL)
        letters.append(at_state(case, State.STOP_NOTICED, due_on=None))
    # the household walked up the ladder: first notice at the visit, a second one posted,
    # limited sales; its company copy is late; a call is due
    [hazard] = find(charlie, household_a, HEATER)
    HazardNotice.objects.filter(kind="rectify").update(
        copy_due_at=timezone.now() - dt.timedelta(hours=3)
    )
    hazard = at_state(hazard, State.RENOTICE_DUE, due_on=None)
    second = hazard_notice_issue(acting_user=charlie, kind="rectify_second", hazards=[hazard])
    hazard_notice_deliver(
        acting_user=charlie, notice=second, method="posted", photo=picture(charlie, "blue")
    )
    hazard = at_state(hazard, State.LIMIT_DUE, due_on=None)
    hazard_limit_apply(acting_user=cathy, hazard=hazard, note="营业系统已限购")
    followup_call_record(
        acting_user=lena, hazard=Hazard.objects.get(pk=hazard.pk),
        called_at=timezone.now() - dt.timedelta(hours=1), result="promised", notes="本周内更换",
    )  # fmt: skip
    [due] = find(charlie, household_a, {**WALL, "item": "stove_connection"})
    at_state(due, State.RENOTICE_DUE, due_on=None)

    page = open_page("phone")
    log_in(page, "lena")
    page.goto("/hazards/queue/")
    group = page.get_by_test_id("letter-group")
    expect(group).to_contain_text("翠苑小区")
    expect(group).to_contain_text("2 个隐患")
    expect(page.get_by_test_id("copy-card")).to_have_count(1)
    expect(page.get_by_test_id("section-calls").get_by_test_id("hazard-card")).to_have_count(1)
    shoot(page, "queue-lead")
    fits_the_phone(page)

    group.get_by_role("button", name="致函物业").click()
    letter = page.get_by_test_id("letter-group").get_by_test_id("pending-notice")
    expect(letter).to_contain_text("物业联络函")
    expect(letter.get_by_role("link", name="打印文书（PDF）")).to_be_visible()
    letter.get_by_text("登记送达", exact=True).click()
    letter.get_by_label("物业签收人（当面送达必填）").fill("物业张经理")
    shoot(page, "queue-lead-letter")
    fits_the_phone(page)
    letter.get_by_role("button", name="确认已送达").click()
    expect(page.get_by_text("已登记送达")).to_be_visible()
    assert {Hazard.objects.get(pk=c.pk).state for c in letters} == {State.PM_LETTERED}

    page.goto(f"/hazards/{hazard.pk}/")
    expect(page.get_by_test_id("hazard-state")).to_have_text("限量售气中")
    expect(page.get_by_test_id("hazard-actions")).to_contain_text("登记回访电话")
    expect(page.get_by_test_id("hazard-steps").get_by_test_id("hazard-step")).to_have_count(4)
    expect(page.get_by_test_id("notice-row")).to_have_count(2)
    shoot(page, "hazard-detail")
    fits_the_phone(page)

    page.goto(f"/households/{household_a.pk}/")
    section = page.get_by_test_id("household-hazards")
    expect(section.get_by_test_id("supply-reason")).to_contain_text(f"#{hazard.pk}")
    expect(section.get_by_test_id("notice-row")).to_have_count(2)
    section.scroll_into_view_if_needed()
    shoot(page, "household-section")
    section.screenshot(path=str(SHOTS / "household-section-only.png"))
    fits_the_phone(page)

    page.goto("/hazards/rates/")
    shoot(page, "rates")
    fits_the_phone(page)
    page.goto("/hazards/calls/recordings/")
    shoot(page, "recordings")
    fits_the_phone(page)

    # the inspector's queue: the second notice is issued, printed, then its delivery recorded
    inspector = open_page("phone")
    log_in(inspector, "charlie")
    inspector.goto("/hazards/queue/")
    card = inspector.get_by_test_id("section-renotice").locator(f"#hazard-{due.pk}")
    card.get_by_role("button", name="再次下发").click()
    pending = inspector.locator(f"#hazard-{due.pk}").get_by_test_id("pending-notice")
    expect(pending).to_contain_text("安全隐患整改通知书（第二次）")
    pending.get_by_text("登记送达", exact=True).click()
    shoot(inspector, "queue-inspector")
    fits_the_phone(inspector)

    page.set_viewport_size({"width": 1280, "height": 800})  # the office desk
    desk = [
        ("/hazards/queue/", "queue-lead-desktop"),
        ("/hazards/rates/", "rates-desktop"),
        (f"/hazards/{hazard.pk}/", "hazard-detail-desktop"),
    ]
    for url, name in desk:
        page.goto(url)
        shoot(page, name)
        assert horizontal_overflow(page) == 0
