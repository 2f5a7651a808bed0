"""Scoping: a branch sees its branch, head office everything, an outsider nothing.

Checked through the pages and through the API, since both must go through the selectors.
"""

from __future__ import annotations

import pytest

from ruhu.accounts.services import token_issue
from ruhu.common.models import AuditEvent
from tests.conftest import login


@pytest.fixture
def everyone(alice, bob, bella, charlie, dave, eve, household_a, household_b):
    return None


def api_client(client, user):
    _token, raw = token_issue(acting_user=user, user=user, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def page_accounts(response) -> set[str]:
    return {h.account_no for h in response.context["page"].object_list}


def test_it_shows_bella_only_branch_b_on_the_pages(
    client, everyone, bella, bob, charlie, dave, household_a, household_b
):
    login(client, bella)
    response = client.get("/households/")
    assert response.status_code == 200
    assert page_accounts(response) == {"B000001"}
    assert "A000001" not in response.content.decode()
    assert client.get(f"/households/{household_a.pk}/").status_code == 404
    assert client.get(f"/households/{household_b.pk}/").status_code == 200
    assert (
        client.post(
            f"/households/{household_a.pk}/unmask/", {"field": "phone", "reason": "核实身份信息"}
        ).status_code
        == 404
    )
    staff = client.get("/staff/")
    assert staff.status_code == 200
    names = {u.username for u in staff.context["page"].object_list}
    assert names == {"bella", "dave"}
    assert client.get(f"/staff/{bob.pk}/").status_code == 404
    assert client.get(f"/staff/{charlie.pk}/").status_code == 404
    assert client.get(f"/staff/{dave.pk}/").status_code == 200
    # a search for branch A's phone number finds nothing either
    searched = client.post("/households/", {"q": "13912345678"}, follow=True)
    assert page_accounts(searched) == set()
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_it_shows_bella_only_branch_b_through_the_api(
    client, everyone, bella, bob, charlie, dave, household_a, household_b
):
    api = api_client(client, bella)
    response = api.get("/api/v1/households")
    assert response.status_code == 200
    assert [row["account_no"] for row in response.json()["items"]] == ["B000001"]
    assert response.json()["count"] == 1
    missing = api.get(f"/api/v1/households/{household_a.pk}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert api.get(f"/api/v1/households/{household_b.pk}").status_code == 200
    assert api.get(f"/api/v1/staff/{bob.pk}").status_code == 404
    assert api.get(f"/api/v1/staff/{charlie.pk}").status_code == 404
    assert api.get(f"/api/v1/staff/{dave.pk}").status_code == 200
    staff = api.get("/api/v1/staff").json()["items"]
    assert {row["username"] for row in staff} == {"bella", "dave"}
    assert api.get(f"/api/v1/households?branch={household_a.branch_id}").json()["count"] == 0
    unmask = api.post(
        f"/api/v1/households/{household_a.pk}/unmask",
        {"field": "phone", "reason": "核实身份信息"},
        content_type="application/json",
    )
    assert unmask.status_code == 404
    deactivate = api.post(
        f"/api/v1/staff/{charlie.pk}/deactivate",
        {"reason": "离职"},
        content_type="application/json",
    )
    assert deactivate.status_code == 404
    charlie.refresh_from_db()
    assert charlie.is_active


def test_it_shows_alice_both_branches(client, everyone, alice, bob, dave, household_a, household_b):
    login(client, alice)
    assert page_accounts(client.get("/households/")) == {"A000001", "B000001"}
    assert client.get(f"/households/{household_a.pk}/").status_code == 200
    assert client.get(f"/households/{household_b.pk}/").status_code == 200
    assert client.get(f"/staff/{bob.pk}/").status_code == 200
    assert client.get(f"/staff/{dave.pk}/").status_code == 200
    api = api_client(client.__class__(), alice)
    assert api.get("/api/v1/households").json()["count"] == 2
    assert api.get(f"/api/v1/staff/{dave.pk}").status_code == 200
    assert api.get("/api/v1/staff").json()["count"] == 6


def test_it_shows_eve_nothing(client, everyone, eve, household_a, household_b, bob):
    login(client, eve)
    assert page_accounts(client.get("/households/")) == set()
    assert client.get(f"/households/{household_a.pk}/").status_code == 404
    assert client.get(f"/households/{household_b.pk}/").status_code == 404
    assert client.get("/staff/").status_code == 403
    api = api_client(client.__class__(), eve)
    empty = {"items": [], "count": 0, "count_is": "exact", "has_next": False}
    assert api.get("/api/v1/households").json() == empty
    assert api.get(f"/api/v1/households/{household_a.pk}").status_code == 404
    assert api.get(f"/api/v1/staff/{bob.pk}").status_code == 403


def test_it_keeps_charlie_out_of_the_staff_directory_and_unmasking(
    client, everyone, charlie, bob, household_a
):
    login(client, charlie)
    assert page_accounts(client.get("/households/")) == {"A000001"}
    assert client.get("/staff/").status_code == 403
    assert client.get(f"/staff/{bob.pk}/").status_code == 403
    page = client.get(f"/households/{household_a.pk}/")
    assert page.status_code == 200
    assert "查看完整" not in page.content.decode()
    assert "13912345678" not in page.content.decode()
    response = client.post(
        f"/households/{household_a.pk}/unmask/", {"field": "phone", "reason": "核实身份信息"}
    )
    assert response.status_code == 403
    assert "13912345678" not in response.content.decode()
    api = api_client(client.__class__(), charlie)
    assert api.get("/api/v1/staff").status_code == 403
    unmask = api.post(
        f"/api/v1/households/{household_a.pk}/unmask",
        {"field": "phone", "reason": "核实身份信息"},
        content_type="application/json",
    )
    assert unmask.status_code == 403
    assert unmask.json()["code"] == "pii_unmask_refused"
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_it_scopes_the_audit_trail_by_branch(client, everyone, bella, household_a, household_b):
    login(client, bella)
    response = client.get("/audit/")
    assert response.status_code == 200
    shown = {e.target_repr for e in response.context["page"].object_list}
    assert str(household_b) in shown
    assert str(household_a) not in shown
