"""Community notices in the browser: the inspector on the stairs records the posting with a
photo from the phone; the lead sees the notices on the plan page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from ruhu.inspection.models import CommunityNotice
from ruhu.premises.services import household_create
from tests.browser.pages import horizontal_overflow, log_in, shoot, small_tap_targets
from tests.factories import make_approved_plan, make_training

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def notice(org, lena, charlie):
    """An approved plan for a month far enough ahead; approving it issues its notice."""
    today = timezone.localdate()
    make_training(lena, charlie, on=today)
    for n in range(3):
        household_create(
            acting_user=None, branch=org.a, account_no=f"A{n:06d}", name=f"住户{n}",
            category="residential", community="翠苑小区", building="1幢", room=f"{n + 1}01",
            phone=f"1391234{n:04d}",
        )  # fmt: skip
    month = (today + dt.timedelta(days=40)).replace(day=1)
    make_approved_plan(lena, org.a, month)
    return CommunityNotice.objects.get()  # issued by the job the approval queued


def photo() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 90)).save(out, "JPEG")
    return {"name": "stairwell.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_the_inspector_records_a_posting_with_a_photo_on_a_phone(open_page, notice, charlie):
    page = open_page("phone")
    log_in(page, "charlie")
    page.goto("/inspection/notices/")
    card = page.locator(f"#notice-{notice.pk}")
    expect(card.get_by_role("heading", name="翠苑小区")).to_be_visible()
    expect(card.get_by_test_id("notice-state")).to_have_text("待张贴")
    expect(card.get_by_role("link", name="打印通知（PDF）")).to_be_visible()
    shoot(page, "notices-phone")
    assert horizontal_overflow(page) == 0
    assert small_tap_targets(page) == []

    card.get_by_text("登记张贴", exact=True).click()
    card.get_by_label("张贴照片（可选）").set_input_files(photo())
    card.get_by_label("说明（可选）").fill("各单元楼道和电梯口已贴")
    shoot(page, "notices-posting-phone")
    assert horizontal_overflow(page) == 0
    assert small_tap_targets(page) == []
    card.get_by_role("button", name="确认已张贴").click()

    expect(page.get_by_text("已登记张贴：翠苑小区")).to_be_visible()
    card = page.locator(f"#notice-{notice.pk}")
    expect(card.get_by_test_id("notice-state")).to_have_text("已张贴")
    expect(card).to_contain_text("有照片")
    expect(card).to_contain_text("各单元楼道和电梯口已贴")
    expect(card.get_by_role("button", name="确认已张贴")).to_have_count(0)
    shoot(page, "notices-posted-phone")
    notice.refresh_from_db()
    assert notice.posted_by == charlie and notice.posting_photo.kind == "photo"


def test_the_lead_sees_the_notices_on_the_plan_page(open_page, notice, lena):
    page = open_page("phone")
    log_in(page, "lena")
    page.goto(f"/inspection/plans/{notice.plan_id}/#notices")
    section = page.locator("#notices")
    expect(section.get_by_role("heading", name="翠苑小区")).to_be_visible()
    expect(section).to_contain_text("3 户 · 短信 3 条")
    section.scroll_into_view_if_needed()
    shoot(page, "plan-notices-phone")
    assert horizontal_overflow(page) == 0
    pdf = page.request.get(f"/inspection/notices/{notice.pk}/notice.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
