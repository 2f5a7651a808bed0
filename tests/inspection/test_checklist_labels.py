"""The checklist's labels quote the policy numbers in force for the household's branch on
the day (RULES B4: hose at most 2 m, cabinet vent at least 80 cm²), never numbers of their own."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from ruhu.common.policy import policy_set
from ruhu.inspection.checklist import ITEMS, item_label
from ruhu.inspection.models import Plan, PlanTask
from ruhu.inspection.services.visits import visit_submit
from tests.inspection.visiting import all_fine, inspected

HOSE = "checklist.hose_max_length_m"
VENT = "checklist.stove_cabinet_vent_min_cm2"
TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def visit_page_url(client, inspector, household) -> str:
    """The phone's page for a task at the household, signed in as its inspector."""
    plan = Plan.objects.create(branch_id=household.branch_id, month=TODAY.replace(day=1))
    task = PlanTask.objects.create(
        plan=plan, household=household, inspector=inspector, day=TODAY, sequence=1
    )
    client.force_login(inspector)
    return f"/field/tasks/{task.pk}/"


def visit_page(client, inspector, household) -> str:
    response = client.get(visit_page_url(client, inspector, household))
    assert response.status_code == 200
    return response.content.decode()


def test_it_writes_the_regulation_numbers_by_default(db, org):
    labels = {item.code: item_label(item, branch=org.a, on=TODAY) for item in ITEMS}
    assert labels["hose_condition"].startswith("软管不超2米、")
    assert labels["cabinet_vent"] == "嵌入式灶具橱柜通风孔不少于80cm²"


@time_machine.travel(NOW, tick=False)
def test_it_shows_a_branch_s_own_numbers_on_the_visit_page(
    client, alice, org, charlie, dave, household_a, household_b
):
    policy_set(acting_user=alice, key=HOSE, value="1.5", effective_from=TODAY, branch=org.a)
    policy_set(acting_user=alice, key=VENT, value=100, effective_from=TODAY, branch=org.a)

    page_a = visit_page(client, charlie, household_a)
    assert "软管不超1.5米、不穿墙" in page_a and "通风孔不少于100cm²" in page_a
    assert "2米" not in page_a and "80cm²" not in page_a
    page_b = visit_page(client, dave, household_b)  # branch B keeps the company's numbers
    assert "软管不超2米、不穿墙" in page_b and "通风孔不少于80cm²" in page_b


def test_it_quotes_the_number_in_force_on_the_day_of_the_page(client, alice, charlie, household_a):
    policy_set(acting_user=alice, key=HOSE, value=3, effective_from=TODAY + dt.timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        url = visit_page_url(client, charlie, household_a)
        assert "软管不超2米" in client.get(url).content.decode()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        client.force_login(charlie)  # a day idle ended the session
        assert "软管不超3米" in client.get(url).content.decode()


def test_a_recorded_visit_keeps_the_numbers_of_its_day(client, alice, bob, charlie, household_a):
    checklist = all_fine(household_a) | {"hose_condition": {"state": "na", "note": "无软管"}}
    visit, _ = visit_submit(
        acting_user=charlie, payload=inspected(charlie, household_a, checklist=checklist)
    )
    client.force_login(bob)
    assert "软管不超2米" in client.get(f"/inspection/visits/{visit.pk}/").content.decode()

    day = timezone.localdate(visit.finished_at)
    policy_set(acting_user=alice, key=HOSE, value=1.2, effective_from=day + dt.timedelta(days=1))
    page = client.get(f"/inspection/visits/{visit.pk}/").content.decode()
    assert "软管不超2米" in page and "1.2米" not in page  # a later value is not rewritten in
    policy_set(
        acting_user=alice, key=HOSE, value=1.8, effective_from=day, branch=household_a.branch
    )
    assert "软管不超1.8米" in client.get(f"/inspection/visits/{visit.pk}/").content.decode()


def test_it_quotes_the_numbers_in_english_too(db, alice, org):
    from django.utils import translation

    policy_set(acting_user=alice, key=HOSE, value=1.5, effective_from=TODAY, branch=org.a)
    hose = next(item for item in ITEMS if item.code == "hose_condition")
    with translation.override("en"):
        assert item_label(hose, branch=org.a, on=TODAY).startswith("Hose no longer than 1.5 m,")
