"""Screenshots of every page at phone and desktop size, with checks a reviewer would make.

PNGs land in tests/screenshots/ (gitignored) for a human to look at. On top of that, each
page is checked for what a screenshot would show wrong: sideways scrolling on a phone and
tap targets smaller than 44 px.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ruhu.accounts.models import User
from ruhu.premises.demo import DEMO_PASSWORD, demo_load
from ruhu.premises.models import Household
from tests.browser.pages import horizontal_overflow, log_in, shoot, small_tap_targets

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SIZES = ("phone", "desktop")


@pytest.fixture
def demo(db):
    demo_load()


class Screens:
    """Shoots each page and notes its layout problems, to be asserted once all are shot."""

    def __init__(self, page: Page, size: str):
        self.page, self.size, self.problems = page, size, []

    def __call__(self, name: str) -> None:
        shoot(self.page, f"{name}-{self.size}")
        if self.size == "phone":
            overflow = horizontal_overflow(self.page)
            if overflow:
                self.problems.append(f"{name}: the page scrolls sideways by {overflow}px")
            small = small_tap_targets(self.page)
            if small:
                self.problems.append(f"{name}: tap targets under 44px: {small}")

    def assert_clean(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
def screens(open_page, demo, request):
    size = request.node.callspec.params["size"]
    return Screens(open_page(size), size)


@pytest.mark.parametrize("size", SIZES)
def test_screens_of_the_login_page(screens, size):
    page = screens.page
    page.goto("/accounts/login/")
    screens("login")
    page.get_by_label("用户名").fill("inspector.east")
    page.get_by_label("密码").fill("wrong-password-1")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    screens("login-error")
    screens.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_screens_of_a_field_worker(screens, size):
    page = screens.page
    log_in(page, "inspector.east", DEMO_PASSWORD)
    screens("home-field")
    page.goto("/households/")
    screens("households-inspector")
    screens.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_screens_of_the_front_desk(screens, size):
    page = screens.page
    log_in(page, "reception.east", DEMO_PASSWORD)
    screens("home-front-desk")
    page.goto("/staff/?q=EAST-001")
    screens("staff-check-badge")
    screens.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_screens_of_an_administrator(screens, size):
    page = screens.page
    log_in(page, "admin.hq", DEMO_PASSWORD)
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link")).to_have_count(13)
    screens("home-admin")
    screens.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_screens_of_a_manager(screens, size):
    page = screens.page
    log_in(page, "manager.east", DEMO_PASSWORD)
    # some history to show: a device bound, a number looked at
    page.goto("/me/tokens/")
    page.get_by_placeholder("例如：张三的手机").fill("巡检平板 03")
    page.get_by_role("button", name="生成令牌").click()
    expect(page.get_by_test_id("new-token")).to_be_visible()
    screens("tokens")

    household = Household.objects.filter(account_no="EAST000001").get()
    page.goto(f"/households/{household.pk}/")
    screens("household-detail")
    phone = page.locator("#pii-phone")
    phone.get_by_role("button", name="查看完整").click()
    screens("household-detail-reason")
    phone.get_by_label("查看原因").fill("用户来电报修，核实联系电话")
    phone.get_by_role("button", name="确认查看").click()
    expect(page.get_by_test_id("unmasked-phone")).to_be_visible()
    screens("household-detail-unmasked")

    page.goto("/inspection/training/")
    screens("training")
    page.get_by_label("培训人").fill("王建国")
    page.locator("input[name=inspectors]").first.check()
    page.get_by_role("button", name="登记培训").click()
    expect(page.get_by_test_id("training-status")).to_contain_text("合格至")
    screens("training-recorded")

    page.goto("/")
    screens("home-office")
    page.goto("/households/")
    screens("households")
    page.goto("/households/?overdue=1&vulnerable=0")
    screens("households-filtered")
    page.goto("/staff/")
    screens("staff-list")
    inspector = User.objects.get(username="inspector.east")
    page.goto(f"/staff/{inspector.pk}/")
    screens("staff-detail")
    page.goto("/audit/")
    screens("audit")
    page.goto("/audit/?action=pii.unmask")
    screens("audit-filtered")
    page.goto("/staff/new/")
    screens("staff-form")
    page.goto("/me/password/")
    screens("password-change")
    page.goto("/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screens("home-office-en")
    page.goto(f"/households/{household.pk}/")
    screens("household-detail-en")
    screens.assert_clean()
