"""Web sessions: idle expiry from policy, and disabling a user ends everything they hold."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.utils import timezone

from ruhu.accounts.models import ApiToken, UserSession
from ruhu.accounts.services import token_issue, user_deactivate
from ruhu.common.errors import Conflict
from ruhu.common.models import AuditEvent
from ruhu.common.policy import policy_set
from tests.conftest import PASSWORD, login


def still_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_it_logs_out_after_thirty_idle_minutes(client, bob, clock):
    login(client, bob)
    assert still_in(client)
    clock.shift(dt.timedelta(minutes=31))
    response = client.get("/households/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "expired=1" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert not UserSession.objects.filter(user=bob).exists()
    assert "长时间未操作" in client.get(response["Location"]).content.decode()


def test_it_keeps_a_session_that_is_used_within_thirty_minutes(client, bob, clock):
    login(client, bob)
    for _ in range(4):  # two hours in all, never idle for 30 minutes
        clock.shift(dt.timedelta(minutes=29))
        assert still_in(client)


def test_it_takes_the_idle_time_from_the_policy(client, bob, alice, clock):
    policy_set(
        acting_user=alice,
        key="auth.session_idle_minutes",
        value=10,
        effective_from=timezone.localdate(),
    )
    login(client, bob)
    clock.shift(dt.timedelta(minutes=11))
    assert not still_in(client)


def test_it_keeps_a_session_longer_when_the_policy_allows_it(client, bob, alice, clock):
    login(client, bob)
    policy_set(
        acting_user=alice,
        key="auth.session_idle_minutes",
        value=60,
        effective_from=timezone.localdate(),
    )
    clock.shift(dt.timedelta(minutes=45))
    assert still_in(client)
    clock.shift(dt.timedelta(minutes=61))
    assert not still_in(client)


def test_it_applies_a_branch_idle_time_only_to_that_branch(client, bob, bella, alice, org, clock):
    policy_set(
        acting_user=alice,
        key="auth.session_idle_minutes",
        value=5,
        effective_from=timezone.localdate(),
        branch=org.a,
    )
    other = client.__class__()
    login(client, bob)
    login(other, bella)
    clock.shift(dt.timedelta(minutes=6))
    assert not still_in(client)
    assert other.get("/").status_code == 200


def _web_and_api_sessions(client, client_factory, user):
    login(client, user)
    _token, raw = token_issue(acting_user=user, user=user, name="phone")
    api = client_factory()
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    return api, raw


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


def test_it_ends_sessions_and_tokens_when_a_user_is_deactivated(
    client, bob, charlie, client_factory
):
    api, raw = _web_and_api_sessions(client, client_factory, charlie)
    assert still_in(client)
    key = client.cookies["sessionid"].value
    user_deactivate(acting_user=bob, user=charlie, reason="离职")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert not ApiToken.objects.filter(user=charlie, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="user.deactivate")
    assert event.actor == bob
    assert event.reason == "离职"
    assert event.changes["is_active"] == [True, False]
    assert event.changes["tokens_revoked"] == [None, 1]
    assert event.changes["sessions_ended"] == [None, 1]
    # and cannot sign in again
    response = client.post("/accounts/login/", {"username": "charlie", "password": PASSWORD})
    assert response.status_code == 401
    assert "_auth_user_id" not in client.session


def test_it_deactivates_from_the_staff_page(client, bob, charlie, client_factory):
    victim = client_factory()
    api, raw = _web_and_api_sessions(victim, client_factory, charlie)
    login(client, bob)
    response = client.post(f"/staff/{charlie.pk}/deactivate/", {"reason": "离职"})
    assert response.status_code == 302
    charlie.refresh_from_db()
    assert not charlie.is_active
    assert victim.get("/").status_code == 302
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert AuditEvent.objects.filter(action="user.deactivate", actor=bob, via="").count() == 1


def test_it_deactivates_through_the_api(client, bob, charlie, client_factory):
    victim = client_factory()
    api, raw = _web_and_api_sessions(victim, client_factory, charlie)
    _token, manager_raw = token_issue(acting_user=bob, user=bob, name="laptop")
    response = client.post(
        f"/api/v1/staff/{charlie.pk}/deactivate",
        {"reason": "离职"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {manager_raw}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert victim.get("/").status_code == 302
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert AuditEvent.objects.filter(action="user.deactivate", actor=bob).count() == 1


def test_it_refuses_to_deactivate_twice_or_without_a_reason(bob, charlie):
    with pytest.raises(Exception) as no_reason:
        user_deactivate(acting_user=bob, user=charlie, reason="  ")
    assert no_reason.value.code == "reason_required"
    user_deactivate(acting_user=bob, user=charlie, reason="离职")
    with pytest.raises(Conflict):
        user_deactivate(acting_user=bob, user=charlie, reason="离职")
    assert AuditEvent.objects.filter(action="user.deactivate").count() == 1


def test_it_keeps_a_manager_of_another_branch_away(client, bella, charlie):
    login(client, bella)
    assert client.post(f"/staff/{charlie.pk}/deactivate/", {"reason": "x"}).status_code == 404
    charlie.refresh_from_db()
    assert charlie.is_active
