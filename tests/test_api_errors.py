"""Errors reach API clients as {"message", "code", "extra"} with the right HTTP status."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from ruhu.accounts.services import token_issue, user_deactivate
from ruhu.common.errors import Conflict, DomainError, NotFound, PermissionRefused, ValidationFailed
from ruhu.common.models import AuditEvent
from ruhu.common.schemas import Moment
from ruhu.inspection.models import Visit
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


def test_it_answers_401_not_a_csrf_403_to_a_post_without_any_credentials(household_a):
    response = Client(enforce_csrf_checks=True).post(
        f"/api/v1/households/{household_a.pk}/unmask",
        {"field": "phone", "reason": "核对身份信息"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_it_still_wants_the_csrf_token_from_a_session(household_a, bob):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    response = browser.post(
        f"/api/v1/households/{household_a.pk}/unmask",
        {"field": "phone", "reason": "核对身份信息"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert set(response.json()) == SHAPE
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_it_answers_413_in_the_same_shape_for_a_body_over_the_limit(bob_api, charlie, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = post(bob_api, f"/api/v1/staff/{charlie.pk}/deactivate", {"reason": "x" * 2000})
    assert response.status_code == 413
    assert set(response.json()) == SHAPE
    assert response.json()["code"] == "request_too_large"
    charlie.refresh_from_db()
    assert charlie.is_active


def test_it_answers_400_in_the_same_shape_for_a_nul_in_the_address(bob_api):
    response = bob_api.get("/api/v1/staff", {"q": "a\x00b"})
    assert response.status_code == 400
    assert set(response.json()) == SHAPE
    assert response.json()["code"] == "bad_request"


def _error_locs(response) -> list[list]:
    assert response.status_code == 422
    body = response.json()
    assert set(body) == SHAPE and body["code"] == "invalid_input"
    return [error["loc"] for error in body["extra"]["errors"]]


@pytest.fixture
def charlie_api(client, charlie):
    _token, raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def test_it_answers_422_for_a_nul_anywhere_in_a_json_body(charlie_api):
    """PostgreSQL cannot store NUL: any string of any body, or a key, is refused before a view."""
    text = post(charlie_api, "/api/v1/inspection/visits", {"signer_name": "王\x00伟"})
    assert _error_locs(text) == [["body", "signer_name"]]
    key = post(charlie_api, "/api/v1/inspection/visits", {"checklist": {"a\x00": {}}})
    assert _error_locs(key) == [["body", "checklist", "a\x00"]]
    deep = post(
        charlie_api, "/api/v1/facilities/checks", {"checklist": {"gauge": {"note": "\x00"}}}
    )
    assert _error_locs(deep) == [["body", "checklist", "gauge", "note"]]
    wide = json.dumps({"signer_name": "王\x00伟"}).encode("utf-16")  # json.loads reads it too
    response = charlie_api.post("/api/v1/inspection/visits", wide, content_type="application/json")
    assert _error_locs(response) == [["body", "signer_name"]]
    assert not Visit.objects.exists()


def test_a_backslash_before_u0000_is_text_not_a_nul(charlie_api):
    text = post(charlie_api, "/api/v1/inspection/visits", {"signer_name": "\\u0000"})
    assert ["body", "signer_name"] not in _error_locs(text)  # refused for the rest only


def test_it_answers_422_for_a_time_without_its_offset_or_beyond_the_databases(charlie_api):
    naive = post(charlie_api, "/api/v1/inspection/visits", {"started_at": "2026-12-01T09:00:00"})
    assert ["body", "payload", "started_at"] in _error_locs(naive)
    far = post(charlie_api, "/api/v1/facilities/checks", {"finished_at": "2026-12-01T09:00+23:59"})
    assert ["body", "payload", "finished_at"] in _error_locs(far)
    call = {"called_at": "2026-12-01T09:00:00", "result": "promised"}
    assert _error_locs(post(charlie_api, "/api/v1/hazards/1/calls", call)) == [
        ["body", "payload", "called_at"]
    ]


def test_it_answers_422_for_an_appliance_id_no_database_column_holds(charlie_api):
    appliance = {"appliance_id": 2**70, "action": "updated", "kind": "stove"}
    response = post(charlie_api, "/api/v1/inspection/visits", {"appliances": [appliance]})
    assert ["body", "payload", "appliances", 0, "appliance_id"] in _error_locs(response)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("2026-12-01T09:00:00+08:00", True),
        ("2026-12-01T01:00:00Z", True),
        ("2026-12-01T09:00:00+15:59", True),
        ("2026-12-01T09:00:00", False),  # no offset: whose nine o'clock?
        ("2026-12-01T09:00:00+16:00", False),  # PostgreSQL stops at ±15:59
        ("2026-12-01T09:00:00-23:59", False),
        ("0001-01-01T00:00:00+05:00", False),  # before the first representable UTC moment
        ("9999-12-31T23:00:00-05:00", False),
    ],
)
def test_it_takes_a_moment_only_with_an_offset_the_database_stores(value, kept):
    moment = TypeAdapter(Moment)
    if kept:
        assert moment.validate_python(value) == dt.datetime.fromisoformat(value)
        assert (
            moment.validate_python(value).utcoffset()
            == dt.datetime.fromisoformat(value).utcoffset()
        )
    else:
        with pytest.raises(PydanticValidationError):
            moment.validate_python(value)
