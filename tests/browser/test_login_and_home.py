"""Signing in, each role's home page and navigation, lockout, logout and the language switch."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ruhu.accounts.roles import FIELD_ROLES, Role
from tests.browser.pages import log_in
from tests.conftest import PASSWORD, make_user

# The live server's flush empties every table; tests/conftest.py reseeds the policy values.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

HOUSEHOLDS, STAFF, AUDIT, TRAINING, PLANS = "用户档案", "员工", "审计记录", "培训", "安检计划"
TODAY, NOTICES, REVIEWS = "今日任务", "小区通知", "不遇复核"
HAZARDS, RATES = "隐患待办", "整改率"
FACILITIES, FACILITY_REPAIRS = "设施巡检", "设施维修"
GATED = {
    HOUSEHOLDS: "/households/",
    STAFF: "/staff/",
    AUDIT: "/audit/",
    TRAINING: "/inspection/training/",
    PLANS: "/inspection/plans/",
    TODAY: "/field/",
    REVIEWS: "/field/reviews/",
    HAZARDS: "/hazards/queue/",
    RATES: "/hazards/rates/",
    FACILITIES: "/facilities/schedule/",
    FACILITY_REPAIRS: "/facilities/repairs/",
}
OFFICE = {HOUSEHOLDS, STAFF, AUDIT, HAZARDS, RATES, FACILITIES}

# role → (home variant, gated nav entries it shows); 首页 and 我的设备 are always there.
EXPECTED = {
    Role.INSPECTOR: ("home-field", {HOUSEHOLDS, TODAY, NOTICES, HAZARDS, RATES, FACILITIES}),
    Role.REPAIRER: ("home-field", {HOUSEHOLDS, HAZARDS, RATES, FACILITIES, FACILITY_REPAIRS}),
    Role.INSTALLER: ("home-field", {HOUSEHOLDS}),
    Role.CLEANER: ("home-field", set()),
    Role.SUBCONTRACTOR: ("home-field", set()),
    Role.REVIEWER: ("home-office", OFFICE | {REVIEWS}),
    Role.INSPECTION_LEAD: ("home-office", OFFICE | {TRAINING, PLANS, REVIEWS, FACILITY_REPAIRS}),
    Role.CUSTOMER_SERVICE: ("home-office", OFFICE),
    Role.SAFETY_SUPERVISION: ("home-office", OFFICE),
    Role.RECEPTION: ("home-front-desk", {STAFF}),
    Role.SECURITY: ("home-front-desk", {STAFF}),
    Role.HOST: ("home-front-desk", {STAFF}),
    Role.MANAGER: ("home-office", OFFICE | {TRAINING, PLANS, FACILITY_REPAIRS}),
    Role.ADMIN: ("home-office", OFFICE | {TRAINING, PLANS, REVIEWS, FACILITY_REPAIRS}),
}


def test_every_role_is_covered():
    assert set(EXPECTED) == set(Role)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_lands_on_its_own_home_and_sees_only_its_pages(
    page, org, household_a, household_b, role
):
    if role == Role.ADMIN:
        unit = org.company
    elif role in FIELD_ROLES:
        unit = org.team_a
    else:
        unit = org.a
    make_user("someone", role, unit, badge_no="A-100")
    variant, gated = EXPECTED[role]

    log_in(page, "someone")

    expect(page.get_by_test_id("home-role")).to_contain_text(str(role.label))
    expect(page.get_by_test_id(variant)).to_be_visible()
    for other in {"home-field", "home-front-desk", "home-office"} - {variant}:
        expect(page.get_by_test_id(other)).to_have_count(0)

    nav = page.get_by_role("navigation", name="主导航")
    labels = {text.strip() for text in nav.get_by_role("link").all_inner_texts()}
    expected = {"首页", "我的设备"} | gated | ({"后台"} if role == Role.ADMIN else set())
    assert labels == expected

    # what the nav hides is really closed, and what it shows really opens
    for label, url in GATED.items():
        response = page.goto(url)
        assert response.status == (200 if label in gated else 403), (label, response.status)
    page.goto("/")

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_label("密码")).to_be_visible()
    assert page.goto("/").url.endswith("/accounts/login/?next=/")


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(page, bob):
    page.goto("/accounts/login/")
    error = page.get_by_test_id("login-error")
    for _ in range(5):
        page.get_by_label("用户名").fill("bob")
        page.get_by_label("密码").fill("not-the-password-1")
        page.get_by_role("button", name="登录", exact=True).click()
        expect(error).to_be_visible()
    page.get_by_label("用户名").fill("bob")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()

    expect(error).to_contain_text("锁定")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert page.goto("/").url.endswith("/accounts/login/?next=/")


def test_a_wrong_password_keeps_the_username_and_says_why(page, bob):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("bob")
    page.get_by_label("密码").fill("not-the-password-1")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("login-error")).to_contain_text("用户名或密码错误")
    expect(page.get_by_label("用户名")).to_have_value("bob")
    expect(page.get_by_label("密码")).to_have_value("")


def test_the_language_switch_goes_to_english_and_back(page, bob):
    log_in(page, "bob")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")

    page.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="中文")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/$"))

    page.get_by_role("button", name="中文").click()
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("button", name="English")).to_be_visible()
