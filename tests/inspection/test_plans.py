"""Monthly plans: generation, regeneration keeping started work, approval by the lead."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from ruhu.accounts.roles import Role
from ruhu.common.errors import IllegalTransition, NotFound, PermissionRefused, ValidationFailed
from ruhu.common.models import AuditEvent
from ruhu.common.workdays import is_working_day
from ruhu.inspection.models import Plan, PlanTask, UnplannedHousehold
from ruhu.inspection.services import (
    plan_approve,
    plan_generate,
    plan_generate_year,
)
from tests.conftest import make_user
from tests.factories import make_households, make_training

NOON = dt.timezone(dt.timedelta(hours=8))
NOV_20 = dt.datetime(2026, 11, 20, 12, tzinfo=NOON)
DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture
def team(org, charlie, lena):
    colin = make_user("colin", Role.INSPECTOR, org.team_a, badge_no="A-002")
    make_training(lena, charlie, colin)
    return [charlie, colin]


@time_machine.travel(NOV_20, tick=False)
def test_it_plans_every_due_household_on_working_days_with_the_trained_team(lena, org, team):
    homes = make_households(org.a, "翠苑", 6, 0)
    homes += make_households(org.a, "文华苑", 6, 100, building="2幢")
    not_due = dt.date(2026, 1, 5)
    make_households(org.a, "翠苑", 2, 200, building="3幢", last_inspected_on=not_due)
    plan = plan_generate(acting_user=lena, branch=org.a, month=dt.date(2026, 12, 15))
    tasks = list(plan.tasks.all())
    assert plan.month == DECEMBER and plan.status == Plan.Status.DRAFT
    assert {t.household_id for t in tasks} == {h.pk for h in homes}
    assert {t.inspector_id for t in tasks} == {p.pk for p in team}
    assert all(is_working_day(t.day) and t.day.month == 12 for t in tasks)
    assert all(t.overdue and t.due_on is None for t in tasks)  # never inspected: due at once
    for building in ("1幢", "2幢"):
        owners = {t.inspector_id for t in tasks if t.household.building == building}
        assert len(owners) == 1  # a building stays with one inspector
    assert plan.summary["planned"] == 12 and plan.summary["load_ratio"] == 1.0
    event = AuditEvent.objects.get(action="plan.generate")
    assert event.changes["planned"] == [None, 12]


@time_machine.travel(NOV_20, tick=False)
def test_an_untrained_inspector_is_never_planned(lena, org, team):
    rookie = make_user("rookie", Role.INSPECTOR, org.team_a)
    make_households(org.a, "翠苑", 40, 0)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    assert not plan.tasks.filter(inspector=rookie).exists()
    assert plan.tasks.count() == 40


@time_machine.travel(NOV_20, tick=False)
def test_an_inspector_whose_training_lapses_mid_month_is_planned_only_until_then(lena, org):
    late = make_user("late", Role.INSPECTOR, org.team_a)
    make_training(lena, late, on=dt.date(2025, 12, 10))  # valid until 2026-12-09
    make_households(org.a, "翠苑", 250, 0)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    days = set(plan.tasks.values_list("day", flat=True))
    assert max(days) == dt.date(2026, 12, 9) and plan.tasks.count() == 7 * 30
    assert plan.unplanned.count() == 250 - 7 * 30


@time_machine.travel(NOV_20, tick=False)
def test_households_that_do_not_fit_are_listed_with_the_reason(lena, org, charlie):
    from ruhu.common.policy import policy_set

    make_training(lena, charlie)
    policy_set(
        acting_user=None, key="inspection.inspector_daily_capacity", value=1,
        effective_from=dt.date(2026, 1, 1), branch=org.a,
    )  # fmt: skip
    homes = make_households(org.a, "翠苑", 30, 0)
    frail = make_households(org.a, "翠苑", 2, 900, building="9幢", vulnerable=True)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    working = plan.summary["working_days"]
    assert plan.tasks.count() == working < 32
    assert {t.household_id for t in plan.tasks.all()} >= {h.pk for h in frail}
    left = UnplannedHousehold.objects.filter(plan=plan)
    assert left.count() == 32 - working and {u.reason for u in left} == {"超出本月安检能力"}
    assert len(homes) == 30


@time_machine.travel(NOV_20, tick=False)
def test_regenerating_keeps_started_and_done_tasks_and_needs_a_new_approval(lena, org, team):
    make_households(org.a, "翠苑", 10, 0)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    plan_approve(acting_user=lena, plan=plan)
    started, done = plan.tasks.all()[:2]
    PlanTask.objects.filter(pk=started.pk).update(status=PlanTask.Status.STARTED)
    PlanTask.objects.filter(pk=done.pk).update(status=PlanTask.Status.DONE)
    extra = make_households(org.a, "文华苑", 3, 500)
    again = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    assert again.pk == plan.pk and again.generation == 2
    assert again.status == Plan.Status.DRAFT and again.approved_by is None
    kept = PlanTask.objects.filter(pk__in=[started.pk, done.pk])
    assert [(t.inspector_id, t.day, t.status) for t in kept.order_by("pk")] == [
        (started.inspector_id, started.day, "started"), (done.inspector_id, done.day, "done"),
    ]  # fmt: skip
    assert again.tasks.count() == 13 and again.summary["kept"] == 2
    assert {h.pk for h in extra} <= set(again.tasks.values_list("household_id", flat=True))


@time_machine.travel(NOV_20, tick=False)
def test_only_a_draft_is_approved_and_only_by_a_lead(lena, org, team, bob):
    make_households(org.a, "翠苑", 3, 0)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    with pytest.raises(PermissionRefused):
        plan_approve(acting_user=bob, plan=plan)  # a manager plans but does not approve
    approved = plan_approve(acting_user=lena, plan=plan)
    assert approved.status == "approved" and approved.approved_by == lena
    with pytest.raises(IllegalTransition):
        plan_approve(acting_user=lena, plan=plan)
    assert AuditEvent.objects.filter(action="plan.approve").count() == 1


@time_machine.travel(NOV_20, tick=False)
def test_another_branchs_plan_is_not_found(org, team, bella, lena):
    with pytest.raises(NotFound):
        plan_generate(acting_user=bella, branch=org.a, month=DECEMBER)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    other_lead = make_user("luke", Role.INSPECTION_LEAD, org.b)
    with pytest.raises(NotFound):
        plan_approve(acting_user=other_lead, plan=plan)
    assert Plan.objects.get().status == "draft"


@time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=NOON), tick=False)
def test_no_task_is_planned_sooner_than_a_community_can_be_told(lena, org, team):
    make_households(org.a, "翠苑", 5, 0)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    assert min(plan.tasks.values_list("day", flat=True)) >= dt.date(2026, 12, 2)
    with pytest.raises(ValidationFailed) as refused:
        plan_generate(acting_user=lena, branch=org.a, month=dt.date(2026, 11, 1))
    assert refused.value.code == "plan_month_past"


@time_machine.travel(NOV_20, tick=False)
def test_the_annual_plan_is_twelve_months_and_plans_each_household_once(lena, org, team):
    make_households(org.a, "翠苑", 4, 0)
    make_households(org.a, "翠苑", 4, 100, building="2幢", last_inspected_on=dt.date(2025, 3, 10))
    plans = plan_generate_year(acting_user=lena, branch=org.a, year=2027)
    assert [p.month.month for p in plans] == list(range(1, 13))
    planned = list(PlanTask.objects.values_list("household_id", "plan__month"))
    assert len(planned) == len({h for h, _ in planned}) == 8
    march = [h for h, month in planned if month == dt.date(2027, 3, 1)]
    assert len(march) == 4  # inspected 2025-03-10, due 2027-03-10
    march_due = PlanTask.objects.filter(plan__month=dt.date(2027, 3, 1)).values_list("due_on")
    assert set(march_due) == {(dt.date(2027, 3, 10),)}


@time_machine.travel(NOV_20, tick=False)
def test_the_command_generates_a_month_and_reports_it(org, team, capsys):
    make_households(org.a, "翠苑", 5, 0)
    call_command("plan", "generate", "--branch", "a", "--month", "2026-12")
    out = capsys.readouterr().out
    assert "2026-12" in out and "5 planned" in out
    assert Plan.objects.get().tasks.count() == 5


@time_machine.travel(NOV_20, tick=False)
def test_the_plan_pages_draft_show_and_approve_a_plan(client, lena, org, team):
    make_households(org.a, "翠苑", 4, 0)
    client.force_login(lena)
    response = client.post("/inspection/plans/", {"branch": org.a.pk, "month": "2026-12"})
    plan = Plan.objects.get()
    assert response.status_code == 302 and response.url == f"/inspection/plans/{plan.pk}/"
    page = client.get(response.url).content.decode()
    assert "草稿" in page and "批准计划" in page and "Charlie" in page
    client.post(f"/inspection/plans/{plan.pk}/approve/")
    plan.refresh_from_db()
    assert plan.status == "approved"
    again = client.post(f"/inspection/plans/{plan.pk}/approve/", follow=True)
    assert "该计划已批准" in again.content.decode()


@time_machine.travel(NOV_20, tick=False)
def test_a_bad_month_is_refused_on_the_page_and_nothing_is_drafted(client, lena, org):
    client.force_login(lena)
    response = client.post("/inspection/plans/", {"branch": org.a.pk, "month": "2026-13"})
    assert response.status_code == 422 and not Plan.objects.exists()
    response = client.post("/inspection/plans/", {"branch": org.a.pk, "month": "2026-10"})
    assert response.status_code == 422 and "不能再编制计划" in response.content.decode()


@time_machine.travel(NOV_20, tick=False)
def test_another_branchs_plan_page_is_404_and_inspectors_cannot_open_plans(
    client, lena, org, team, charlie
):
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    client.force_login(make_user("luke", Role.INSPECTION_LEAD, org.b))
    assert client.get(f"/inspection/plans/{plan.pk}/").status_code == 404
    assert client.post(f"/inspection/plans/{plan.pk}/approve/").status_code == 404
    client.force_login(charlie)
    assert client.get("/inspection/plans/").status_code == 403


@time_machine.travel(NOV_20, tick=False)
def test_the_plan_page_makes_a_fixed_number_of_queries(
    client, lena, org, team, django_assert_max_num_queries
):
    make_households(org.a, "翠苑", 60, 0)
    plan = plan_generate(acting_user=lena, branch=org.a, month=DECEMBER)
    client.force_login(lena)
    with django_assert_max_num_queries(14):
        assert client.get(f"/inspection/plans/{plan.pk}/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(f"/inspection/plans/{plan.pk}/unplanned/").status_code == 200
