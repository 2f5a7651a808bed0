"""The token lookup reads the token and its user afresh on every call: what an
administrator changes about the user holds from the very next call with the same token."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruhu.accounts.models import User
from ruhu.accounts.services import token_authenticate, token_issue, user_deactivate, user_update


@pytest.fixture
def raw(charlie):
    return token_issue(acting_user=charlie, user=charlie, name="phone")[1]


def get(client, path, raw):
    return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_deactivation_holds_from_the_next_call(client, alice, charlie, raw, household_a):
    assert get(client, f"/households/{household_a.pk}", raw).status_code == 200
    user_deactivate(acting_user=alice, user=charlie, reason="left the company")
    assert get(client, f"/households/{household_a.pk}", raw).status_code == 401


def test_an_inactive_user_is_refused_even_with_a_live_token(client, charlie, raw):
    assert get(client, "/me", raw).status_code == 200
    User.objects.filter(pk=charlie.pk).update(is_active=False)  # the token left untouched
    assert get(client, "/me", raw).status_code == 401


def test_a_new_role_holds_from_the_next_call(client, alice, charlie, raw, household_a):
    assert get(client, f"/households/{household_a.pk}", raw).status_code == 200
    User.objects.filter(pk=charlie.pk).update(role="cleaner")  # the token left untouched
    response = get(client, f"/households/{household_a.pk}", raw)
    assert response.status_code == 403
    assert response.json()["code"] == "capability_missing"
    charlie.refresh_from_db()
    user_update(acting_user=alice, user=charlie, role="repairer")  # revokes the devices
    assert get(client, f"/households/{household_a.pk}", raw).status_code == 401


def test_a_new_branch_holds_from_the_next_call(
    client, org, alice, charlie, raw, household_a, household_b
):
    assert get(client, f"/households/{household_a.pk}", raw).status_code == 200
    assert get(client, f"/households/{household_b.pk}", raw).status_code == 404
    user_update(acting_user=alice, user=charlie, org_unit=org.team_b)
    assert get(client, f"/households/{household_a.pk}", raw).status_code == 404
    assert get(client, f"/households/{household_b.pk}", raw).status_code == 200


def test_a_password_to_replace_holds_from_the_next_call(client, charlie, raw):
    User.objects.filter(pk=charlie.pk).update(must_change_password=True)
    response = get(client, "/me", raw)
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"


def test_it_reads_token_and_user_in_one_statement_without_personal_fields(charlie, raw):
    token_authenticate(raw)  # the first use of the minute writes last_used_at
    with CaptureQueriesContext(connection) as queries:
        user = token_authenticate(raw)
    assert user == charlie
    assert len(queries) == 1
    sql = queries[0]["sql"]
    for column in ("phone", "phone_bidx", "id_number", "id_number_bidx", "password"):
        assert f'"{column}"' not in sql
    assert (user.role, user.branch_id, user.badge_no) == ("inspector", charlie.branch_id, "A-001")
    assert user.phone == charlie.phone  # loaded (and decrypted) only when asked for
