"""The phone's facility pages: the day list's facility section and the check page, with
who may see which, and the policy ranges the page is given."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from ruhu.common.policy import policy_set
from ruhu.facilities.models import Facility, FacilityKind
from ruhu.facilities.services import facility_check_submit, facility_tasks_assign
from tests.conftest import login
from tests.facilities.checking import check_payload
from tests.facilities.conftest import make_facility

TODAY = dt.date(2026, 11, 27)
HTMX = {"HTTP_HX_REQUEST": "true"}


def assign(lead, facility, to, day):
    return facility_tasks_assign(
        acting_user=lead, facility_ids=[facility.pk], assignee=to, day=day
    )[0]


def day_section(client, day=None, **headers):
    url = reverse("field-facility-tasks") + (f"?day={day:%Y-%m-%d}" if day else "")
    return client.get(url, **(headers or HTMX))


def setup_of(response) -> dict:
    found = re.search(
        r'<script id="facility-check-setup" type="application/json">(.*?)</script>',
        response.content.decode(),
    )
    return json.loads(found.group(1))


def test_it_lists_the_days_facility_tasks_with_the_late_ones_and_nobody_elses(
    client, clock, charlie, dave, lena, alice, box, well, room, well_b
):
    clock.move_to(dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    late = assign(lena, box, charlie, dt.date(2026, 11, 20))
    clock.move_to(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    today = assign(lena, well, charlie, TODAY)
    tomorrow = assign(lena, room, charlie, TODAY + dt.timedelta(days=1))
    assign(alice, well_b, dave, TODAY)
    login(client, charlie)

    page = day_section(client, TODAY).content.decode()

    assert "TYX-A-001" in page and "FJ-A-001" in page
    assert "FJ-B-001" not in page and "FS-A-001" not in page
    assert reverse("facility-check-page", args=[late.pk]) in page
    assert reverse("facility-check-page", args=[today.pk]) in page
    assert page.count("逾期") == 1 and "原定 11月20日" in page
    assert "翠苑小区3幢北侧" in page and "调压箱" in page and "阀井" in page
    assert "共 2 处，待检查 2 处" in page

    later = day_section(client, TODAY + dt.timedelta(days=1)).content.decode()
    assert "FS-A-001" in later and "TYX-A-001" not in later and "逾期" not in later
    assert reverse("facility-check-page", args=[tomorrow.pk]) in later


def test_it_shows_a_done_task_as_done_and_no_longer_late(client, clock, charlie, lena, box):
    task = assign(lena, box, charlie, TODAY)
    facility_check_submit(acting_user=charlie, payload=check_payload(box, task_id=task.pk))
    login(client, charlie)

    page = day_section(client, TODAY).content.decode()

    assert "已完成" in page and "共 1 处，待检查 0 处" in page
    assert "task-link fc-task done" in page


def test_it_says_so_when_the_day_has_no_facility_check(client, clock, charlie):
    login(client, charlie)

    response = day_section(client, TODAY)

    assert response.status_code == 200
    assert "这一天没有安排设施检查" in response.content.decode()


def test_it_leaves_the_section_out_for_users_who_do_not_check_facilities(client, clock, bob):
    login(client, bob)

    assert day_section(client, TODAY).content == b""
    assert day_section(client, TODAY, HTTP_ACCEPT="text/html").status_code == 403


def test_it_loads_the_section_into_the_day_page_for_the_day_shown(client, clock, charlie):
    login(client, charlie)

    page = client.get(reverse("field-day") + "?day=2026-12-01").content.decode()

    assert f'hx-get="{reverse("field-facility-tasks")}?day=2026-12-01"' in page
    assert page.index("js/outbox.js") < page.index("js/visit.js")


def test_it_opens_the_check_of_ones_own_task_with_the_facility_and_its_items(
    client, clock, charlie, lena, box
):
    task = assign(lena, box, charlie, TODAY)
    login(client, charlie)

    response = client.get(reverse("facility-check-page", args=[task.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "TYX-A-001" in page and "RX200/0.4" in page and "翠苑小区3幢北侧" in page
    assert "2026-08-27" in page and "2026-03-01" in page  # last check, last cleaning
    assert "压力表正常" in page and "安全距离内无易燃物" in page
    assert 'capture="environment"' in page and 'inputmode="numeric"' in page
    assert "3500–3800 Pa" in page and "2700–2900 Pa" in page and "2300–2500 Pa" in page
    assert page.index("js/outbox.js") < page.index("js/facility_check.js")
    setup = setup_of(response)
    assert setup["taskId"] == task.pk and setup["facilityId"] == box.pk
    assert setup["pressures"]["cutoff_pa"] == {"low": 3500, "high": 3800}
    assert setup["endpoint"] == "/api/v1/facilities/checks"
    assert [item["code"] for item in setup["items"]][-1] == "safety_valve"


def test_it_refuses_someone_elses_task(client, clock, charlie, dave, alice, well_b):
    task = assign(alice, well_b, dave, TODAY)
    login(client, charlie)

    assert client.get(reverse("facility-check-page", args=[task.pk])).status_code == 404


def test_it_refuses_an_unplanned_check_of_another_branchs_facility(client, clock, charlie, well_b):
    login(client, charlie)

    assert client.get(reverse("facility-check-unplanned", args=[well_b.pk])).status_code == 404


def test_it_opens_an_unplanned_check_of_a_facility_of_ones_branch(client, clock, charlie, well):
    login(client, charlie)

    response = client.get(reverse("facility-check-unplanned", args=[well.pk]))

    assert response.status_code == 200
    assert "计划外检查" in response.content.decode()
    setup = setup_of(response)
    assert setup["taskId"] is None and setup["takesPressures"] is False
    assert setup["safetyValve"] is None


@pytest.mark.parametrize("persona", ["rick", "bob"])
def test_it_refuses_the_check_page_to_staff_who_do_not_check_facilities(
    client, clock, request, persona, box
):
    login(client, request.getfixturevalue(persona))

    assert client.get(reverse("facility-check-unplanned", args=[box.pk])).status_code == 403


def test_it_shows_the_branchs_pressure_range_in_force_today(
    client, clock, charlie, alice, org, box
):
    policy_set(
        acting_user=alice,
        key="facility.regulator_box.cutoff_min_pa",
        value=3600,
        effective_from=TODAY,
        branch=org.a,
    )
    login(client, charlie)

    response = client.get(reverse("facility-check-unplanned", args=[box.pk]))

    assert "3600–3800 Pa" in response.content.decode()
    assert "3500–3800 Pa" not in response.content.decode()
    assert setup_of(response)["pressures"]["cutoff_pa"] == {"low": 3600, "high": 3800}


def test_it_warns_of_a_safety_valve_running_out_or_already_expired(
    client, clock, charlie, org, room
):
    expired = make_facility(
        org.a, "FS-A-002", FacilityKind.VALVE_ROOM, safety_valve_valid_until=dt.date(2026, 11, 1)
    )
    login(client, charlie)

    soon = client.get(reverse("facility-check-unplanned", args=[room.pk])).content.decode()
    past = client.get(reverse("facility-check-unplanned", args=[expired.pk]))

    assert 'class="fc-valve expiring"' in soon and "30 天内到期" in soon
    assert "安全阀重新检验有效期至" in soon
    assert 'class="fc-valve expired"' in past.content.decode()
    assert "已过期" in past.content.decode()
    assert setup_of(past)["safetyValve"] == {"item": "safety_valve", "validUntil": "2026-11-01"}


def test_it_shows_the_facilitys_open_defects(client, clock, charlie, box):
    facility_check_submit(acting_user=charlie, payload=check_payload(box, cutoff_pa=3400))
    login(client, charlie)

    page = client.get(reverse("facility-check-unplanned", args=[box.pk])).content.decode()

    assert "有 1 项未消除的缺陷" in page
    assert "切断压力 3400 Pa，应在 3500–3800 Pa 之间" in page


def test_it_asks_for_a_cleaning_when_it_is_due(client, clock, charlie, box):
    Facility.objects.filter(pk=box.pk).update(last_cleaned_on=dt.date(2025, 11, 1))
    login(client, charlie)

    page = client.get(reverse("facility-check-unplanned", args=[box.pk])).content.decode()

    assert "清洗已到期（应于 2026-11-01 前完成），请本次清洗" in page


def test_it_offers_no_second_check_of_a_task_already_done(client, clock, charlie, lena, well):
    task = assign(lena, well, charlie, TODAY)
    facility_check_submit(acting_user=charlie, payload=check_payload(well, task_id=task.pk))
    login(client, charlie)

    page = client.get(reverse("facility-check-page", args=[task.pk])).content.decode()

    assert "该任务已完成，不能再次提交" in page
    assert "<form data-check" not in page and 'data-action="start"' not in page


def test_it_asks_for_login(client, clock, box):
    response = client.get(reverse("facility-check-unplanned", args=[box.pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
