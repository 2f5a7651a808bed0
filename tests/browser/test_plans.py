"""The inspection lead drafts and approves a month's plan; the inspector's day list; a
visit's evidence page. Screenshots at phone and desktop size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ruhu.accounts.roles import Role
from ruhu.inspection.models import Plan, PlanTask
from ruhu.inspection.services import visit_submit
from ruhu.premises.models import Household
from ruhu.premises.services import household_create
from tests.browser.pages import horizontal_overflow, log_in, shoot, small_tap_targets
from tests.conftest import make_user
from tests.factories import make_training
from tests.inspection.visiting import inspected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lena(org, charlie):
    lead = make_user("lena", Role.INSPECTION_LEAD, org.a)
    make_training(lead, charlie, on=timezone.localdate())
    for n in range(8):
        household_create(
            acting_user=None, branch=org.a, account_no=f"A2{n:05d}", name=f"住户{n}",
            category="residential", community="翠苑", building=f"{n // 4 + 1}幢", room=f"{n}01",
        )  # fmt: skip
    return lead


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_lead_drafts_next_months_plan_and_approves_it(open_page, lena, size):
    page = open_page(size)
    log_in(page, "lena")
    page.goto("/inspection/plans/")
    following = (timezone.localdate().replace(day=1) + dt.timedelta(days=40)).replace(day=1)
    page.get_by_label("月份").fill(f"{following:%Y-%m}")
    page.get_by_role("button", name="生成计划草稿").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("草稿")
    expect(page.get_by_test_id("planned")).to_have_text("8")
    expect(page.get_by_role("cell", name="Charlie").first).to_be_visible()
    shoot(page, f"plan-draft-{size}")
    page.get_by_role("button", name="批准计划").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("已批准")
    assert Plan.objects.get().status == "approved"
    assert horizontal_overflow(page) == 0
    if size == "phone":
        assert small_tap_targets(page) == []


def test_the_inspectors_day_and_a_visits_evidence_page(
    open_page, lena, charlie, org, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    plan = Plan.objects.create(branch=org.a, month=timezone.localdate().replace(day=1))
    homes = list(Household.objects.filter(branch=org.a).order_by("account_no"))
    for n, home in enumerate(homes[:5]):
        PlanTask.objects.create(plan=plan, household=home, inspector=charlie,
                                day=timezone.localdate(), sequence=n)  # fmt: skip
    visit, _ = visit_submit(acting_user=charlie, payload=inspected(charlie, homes[0]))
    PlanTask.objects.filter(household=homes[0]).update(status="done")
    page = open_page("phone")
    log_in(page, "charlie")
    page.goto("/field/")
    expect(page.get_by_test_id("day-count")).to_contain_text("共 5 户，待完成 4 户")
    shoot(page, "field-day-phone")
    assert small_tap_targets(page) == [] and horizontal_overflow(page) == 0
    page.goto(f"/inspection/visits/{visit.pk}/")
    expect(page.get_by_text("哈希链第 1 条")).to_be_visible()
    shoot(page, "visit-evidence-phone")
    assert horizontal_overflow(page) == 0
