"""A manager adds an inspector with a one-time password; the inspector must set their own
password before anything else. Phone and desktop, with the layout checks of the screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ruhu.accounts.roles import Role
from tests.browser.pages import horizontal_overflow, log_in, shoot, small_tap_targets
from tests.conftest import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def assert_fits(page, name: str, size: str) -> None:
    shoot(page, f"{name}-{size}")
    if size == "phone":
        assert horizontal_overflow(page) == 0, name
        assert small_tap_targets(page) == [], name


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_new_inspector_sets_their_own_password_first(open_page, org, size):
    make_user("bob", Role.MANAGER, org.a)
    manager = open_page(size)
    log_in(manager, "bob")
    manager.goto("/staff/new/")
    expect(manager.locator("select[name=role] option[value=inspection_lead]")).to_have_count(0)
    manager.get_by_label("用户名").fill("frank")
    manager.get_by_label("姓名").fill("冯刚")
    manager.get_by_label("角色").select_option("inspector")
    manager.get_by_label("组织").select_option(label="东城一班")
    expect(manager.get_by_label("生成一次性密码，由我当面告知")).to_be_checked()
    assert_fits(manager, "staff-form-delivery", size)
    manager.get_by_role("button", name="创建账号").click()
    shown = manager.get_by_test_id("one-time-password")
    expect(shown).to_be_visible()
    assert_fits(manager, "staff-one-time-password", size)
    one_time = manager.locator("#one-time-password-value").inner_text().strip()

    inspector = open_page(size)
    inspector.goto("/accounts/login/")
    inspector.get_by_label("用户名").fill("frank")
    inspector.get_by_label("密码").fill(one_time)
    inspector.get_by_role("button", name="登录", exact=True).click()
    expect(inspector.get_by_test_id("must-change-password")).to_be_visible()
    assert_fits(inspector, "password-change-required", size)
    inspector.goto("/households/")
    expect(inspector).to_have_url(re.compile(r"/me/password/$"))
    expect(inspector.get_by_role("navigation", name="主导航").get_by_role("link")).to_have_count(0)
    inspector.get_by_label("当前密码").fill(one_time)
    inspector.get_by_label("新密码", exact=True).fill("franks-own-secret-7")
    inspector.get_by_label("再次输入新密码").fill("franks-own-secret-7")
    inspector.get_by_role("button", name="保存新密码").click()
    expect(inspector.get_by_test_id("home-role")).to_be_visible()

    manager.goto("/staff/")
    manager.get_by_role("link", name="冯刚").click()
    expect(manager.get_by_test_id("access-card")).to_be_visible()
    expect(manager.get_by_test_id("must-change-badge")).to_have_count(0)
    assert_fits(manager, "staff-detail-access", size)
