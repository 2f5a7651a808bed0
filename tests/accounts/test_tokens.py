"""Device tokens: shown once, stored as SHA-256 only, listed, revoked, scoped."""

from __future__ import annotations

import hashlib

from django.forms.models import model_to_dict

from ruhu.accounts.models import ApiToken
from ruhu.accounts.services import token_issue
from ruhu.common.models import AuditEvent
from tests.conftest import PASSWORD, login


def issue(client, user, device="phone"):
    response = client.post(
        "/api/v1/auth/token",
        {"username": user.username, "password": PASSWORD, "device_name": device},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_it_returns_the_token_once_and_stores_only_its_digest(client, charlie):
    body = issue(client, charlie)
    raw = body["token"]
    assert raw.startswith("rh_") and len(raw) > 40
    row = ApiToken.objects.get(pk=body["id"])
    assert row.digest == hashlib.sha256(raw.encode()).hexdigest()
    stored = " ".join(str(v) for v in model_to_dict(row).values())
    stored += " ".join(str(getattr(row, f.attname)) for f in row._meta.concrete_fields)
    assert raw not in stored
    assert raw[10:] not in stored  # not even the secret part after the shown prefix
    # nowhere else either: the audit trail and the list never show it again
    assert raw not in str(list(AuditEvent.objects.values()))
    listed = client.get("/api/v1/auth/tokens", **bearer(raw))
    assert raw not in listed.content.decode()


def test_it_authenticates_with_the_token(client, charlie):
    raw = issue(client, charlie)["token"]
    response = client.get("/api/v1/me", **bearer(raw))
    assert response.status_code == 200
    assert response.json()["username"] == "charlie"
    assert client.get("/api/v1/me", **bearer(raw + "x")).status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer rh_nonsense").status_code == 401


def test_it_lists_only_the_callers_own_tokens(client, charlie, dave):
    mine = [issue(client, charlie, "phone")["id"], issue(client, charlie, "tablet")["id"]]
    token_issue(acting_user=dave, user=dave, name="dave's phone")
    third = issue(client, charlie, "third")
    response = client.get("/api/v1/auth/tokens", **bearer(third["token"]))
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()}
    assert ids == {*mine, third["id"]}
    assert {row["name"] for row in response.json()} == {"phone", "tablet", "third"}
    assert "token" not in response.json()[0]


def test_it_revokes_a_token_after_which_it_gets_401(client, charlie):
    first = issue(client, charlie, "phone")
    second = issue(client, charlie, "tablet")
    response = client.delete(f"/api/v1/auth/tokens/{first['id']}", **bearer(second["token"]))
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert client.get("/api/v1/me", **bearer(first["token"])).status_code == 401
    assert client.get("/api/v1/me", **bearer(second["token"])).status_code == 200
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.actor == charlie
    assert event.changes["revoked_at"][0] is None
    # revoking again is a conflict, in the error shape
    again = client.delete(f"/api/v1/auth/tokens/{first['id']}", **bearer(second["token"]))
    assert again.status_code == 409
    assert again.json()["code"] == "token_already_revoked"


def test_it_lets_a_token_revoke_itself(client, charlie):
    body = issue(client, charlie)
    response = client.delete(f"/api/v1/auth/tokens/{body['id']}", **bearer(body["token"]))
    assert response.status_code == 200
    assert client.get("/api/v1/auth/tokens", **bearer(body["token"])).status_code == 401


def test_it_answers_404_for_another_users_token_to_a_non_manager(client, charlie, dave):
    daves, _raw = token_issue(acting_user=dave, user=dave, name="dave's phone")
    raw = issue(client, charlie)["token"]
    response = client.delete(f"/api/v1/auth/tokens/{daves.pk}", **bearer(raw))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    missing = client.delete("/api/v1/auth/tokens/999999", **bearer(raw))
    assert missing.status_code == 404
    assert missing.json() == response.json()  # absent and foreign look the same
    daves.refresh_from_db()
    assert daves.revoked_at is None


def test_it_answers_404_for_a_token_of_another_branch_to_a_manager(client, bella, charlie):
    charlies, _raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    raw = issue(client, bella)["token"]
    response = client.delete(f"/api/v1/auth/tokens/{charlies.pk}", **bearer(raw))
    assert response.status_code == 404
    charlies.refresh_from_db()
    assert charlies.revoked_at is None


def test_it_lets_the_branch_manager_revoke_a_staff_token(client, bob, charlie):
    charlies, charlie_raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    raw = issue(client, bob)["token"]
    response = client.delete(f"/api/v1/auth/tokens/{charlies.pk}", **bearer(raw))
    assert response.status_code == 200
    assert client.get("/api/v1/me", **bearer(charlie_raw)).status_code == 401


def test_it_manages_tokens_on_the_web_page(client, charlie):
    login(client, charlie)
    response = client.post("/me/tokens/", {"name": "我的手机"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=charlie)
    raw = response.context["created"]
    assert raw in response.content.decode()
    assert client.get("/me/tokens/").content.decode().count(raw) == 0  # shown once
    assert client.post(f"/me/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
