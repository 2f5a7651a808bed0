"""Errors reach API clients as {"message", "code", "extra"} with the right HTTP status."""

from __future__ import annotations

import pytest

from ruhu.accounts.services import token_issue, user_deactivate
from ruhu.common.errors import Conflict, DomainError, NotFound, PermissionRefused, ValidationFailed
from tests.conftest import login

SHAPE = {"message", "code", "extra"}


@pytest.fixture
def bob_api(client, bob):
    _token, raw = token_issue(acting_user=bob, user=bob, name="laptop")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def post(client, url, payload):
    return client.post(url, payload, content_type="application/json")


def test_it_answers_409_for_a_conflict(bob_api, bob, charlie):
    user_deactivate(acting_user=bob, user=charlie, reason="离职")
    response = post(bob_api, f"/api/v1/staff/{charlie.pk}/deactivate", {"reason": "again"})
    assert response.status_code == 409
    body = response.json()
    assert set(body) == SHAPE
    assert body["code"] == "user_already_inactive"
    assert body["message"] == "该账号已停用"
    assert body["extra"] == {}


def test_it_answers_409_when_a_manager_deactivates_themself(bob_api, bob):
    response = post(bob_api, f"/api/v1/staff/{bob.pk}/deactivate", {"reason": "test"})
    assert response.status_code == 409
    assert response.json()["code"] == "user_self_deactivate"


def test_it_answers_422_for_a_broken_rule(bob_api, household_a):
    response = post(
        bob_api, f"/api/v1/households/{household_a.pk}/unmask", {"field": "phone", "reason": "看"}
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == SHAPE
    assert body["code"] == "pii_reason_required"
    assert "原因" in body["message"]


def test_it_answers_422_in_the_same_shape_for_malformed_input(bob_api, charlie, household_a):
    missing = post(bob_api, f"/api/v1/staff/{charlie.pk}/deactivate", {})
    assert missing.status_code == 422
    body = missing.json()
    assert set(body) == SHAPE
    assert body["code"] == "invalid_input"
    assert body["extra"]["errors"][0]["loc"][-1] == "reason"
    not_a_number = bob_api.get("/api/v1/households/abc")
    assert not_a_number.status_code == 422
    assert set(not_a_number.json()) == SHAPE
    bad_json = bob_api.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert bad_json.status_code == 400
    assert set(bad_json.json()) == SHAPE
    assert bad_json.json()["code"] == "bad_request"
    charlie.refresh_from_db()
    assert charlie.is_active


def test_it_answers_403_and_404_in_the_same_shape(client, charlie, household_b):
    login(client, charlie)
    refused = client.get("/api/v1/staff")
    assert refused.status_code == 403
    assert set(refused.json()) == SHAPE
    assert refused.json()["extra"] == {"capability": "staff.view"}
    missing = client.get(f"/api/v1/households/{household_b.pk}")
    assert missing.status_code == 404
    assert set(missing.json()) == SHAPE


def test_it_answers_401_in_the_same_shape(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json()) == SHAPE


def test_it_gives_every_domain_error_its_status():
    assert (ValidationFailed("x").status, Conflict("x").status) == (422, 409)
    assert (PermissionRefused("x").status, NotFound("x").status) == (403, 404)
    error = DomainError("消息", code="some_code", field="phone")
    assert error.as_dict() == {"message": "消息", "code": "some_code", "extra": {"field": "phone"}}
