from __future__ import annotations

import datetime as dt

import time_machine

from ruhu.accounts.services import user_deactivate
from ruhu.premises.services import household_update
from tests.conftest import login


def test_it_shows_actions_and_fields_in_words(client, alice, bob, charlie, household_a):
    household_update(acting_user=alice, household=household_a, phone="13700001111")
    user_deactivate(acting_user=bob, user=charlie, reason="离职")
    login(client, alice)
    trail = client.get(f"/households/{household_a.pk}/").content.decode()
    assert "修改用户档案" in trail
    assert "联系电话" in trail and "137****1111" in trail
    assert "13700001111" not in trail
    page = client.get("/audit/").content.decode()
    assert "停用账号" in page and "离职" in page


def test_it_names_related_objects_instead_of_ids(client, alice, charlie, org):
    login(client, alice)
    page = client.get(f"/staff/{charlie.pk}/").content.decode()
    assert "新建员工账号" in page
    assert org.team_a.name in page


def test_it_filters_the_audit_trail_by_actor_action_and_day(client, alice, bob, charlie):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        user_deactivate(acting_user=bob, user=charlie, reason="早先停用")
    login(client, alice)
    by_bob = client.get("/audit/", {"actor": "bob", "action": "user.deactivate"})
    assert "早先停用" in by_bob.content.decode()
    assert (
        client.get("/audit/", {"actor": "alice", "action": "user.deactivate"})
        .context["page"]
        .paginator.count
        == 0
    )
    march = client.get("/audit/", {"since": "2026-03-02", "until": "2026-03-02"})
    assert [e.action for e in march.context["page"]] == ["user.deactivate"]


def test_it_ignores_a_malformed_date_filter_with_a_message(client, alice):
    login(client, alice)
    response = client.get("/audit/", {"since": "not-a-date"})
    assert response.status_code == 200
    assert "筛选条件有误" in response.content.decode()


def test_it_names_the_field_an_unmasking_read(client, bob, household_a):
    login(client, bob)
    client.post(f"/households/{household_a.pk}/unmask/", {"field": "phone", "reason": "核实电话"})
    trail = client.get(f"/households/{household_a.pk}/").content.decode()
    assert "查看字段" in trail and "联系电话" in trail


def test_it_shows_a_related_object_recorded_by_name_as_written(client, alice, org, charlie):
    """A facility check records its facility by code, not id: the trail shows the code
    instead of failing on it."""
    from tests.facilities.checking import submit
    from tests.factories import make_facility

    box = make_facility(org.a, "TYX-A-900")
    submit(charlie, box)
    login(client, alice)
    page = client.get("/audit/", {"action": "facility_check"})
    assert page.status_code == 200 and "TYX-A-900" in page.content.decode()
