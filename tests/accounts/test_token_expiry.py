"""Device tokens expire by policy: idle days sliding with each use, never past a maximum from
issue; they die with a password change, a role change and a deactivation."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from ruhu.accounts.models import ApiToken
from ruhu.accounts.roles import Role
from ruhu.accounts.services import token_issue, user_update
from ruhu.common.models import AuditEvent
from ruhu.common.policy import policy_cache_clear, policy_set
from tests.conftest import PASSWORD, login

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def me(client, raw):
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as machine:
        yield machine


def test_it_issues_a_token_expiring_after_the_idle_days(traveller, charlie):
    token, _raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    assert token.expires_at == START + 30 * DAY


def test_it_slides_the_expiry_with_each_use(client, traveller, charlie):
    token, raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    for _ in range(4):  # 80 days in use, never more than 20 apart
        traveller.shift(20 * DAY)
        assert me(client, raw).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == START + 80 * DAY
    assert token.expires_at == START + 110 * DAY


def test_it_writes_the_slide_at_most_once_a_minute(client, traveller, charlie):
    token, raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    me(client, raw)
    traveller.shift(dt.timedelta(seconds=30))
    me(client, raw)
    token.refresh_from_db()
    assert token.last_used_at == START and token.expires_at == START + 30 * DAY


def test_it_refuses_a_token_left_idle_past_its_expiry(client, traveller, charlie):
    token, raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    traveller.shift(30 * DAY + dt.timedelta(seconds=1))
    assert me(client, raw).status_code == 401
    token.refresh_from_db()
    assert token.state == "expired" and token.revoked_at is None


def test_it_never_slides_past_the_maximum_from_issue(client, traveller, charlie):
    token, raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    for _ in range(8):  # used every 20 days up to day 160
        traveller.shift(20 * DAY)
        assert me(client, raw).status_code == 200
    token.refresh_from_db()
    assert token.expires_at == START + 180 * DAY  # not day 190
    traveller.shift(19 * DAY)
    assert me(client, raw).status_code == 200
    traveller.shift(DAY)
    assert me(client, raw).status_code == 401


def test_it_applies_a_shorter_maximum_at_once(client, traveller, alice, charlie):
    _token, raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    traveller.shift(20 * DAY)
    assert me(client, raw).status_code == 200
    policy_set(
        acting_user=alice, key="auth.token_max_days", value=14, effective_from=dt.date(2026, 3, 1)
    )
    policy_cache_clear()
    assert me(client, raw).status_code == 401


def test_it_takes_the_idle_days_from_the_branch_policy(traveller, alice, charlie, dave, org):
    policy_set(
        acting_user=alice,
        key="auth.token_idle_days",
        value=7,
        effective_from=dt.date(2026, 3, 1),
        branch=org.a,
    )
    policy_cache_clear()
    charlies, _ = token_issue(acting_user=charlie, user=charlie, name="phone")
    daves, _ = token_issue(acting_user=dave, user=dave, name="phone")
    assert charlies.expires_at == START + 7 * DAY
    assert daves.expires_at == START + 30 * DAY


def test_it_kills_every_token_when_the_user_changes_their_password(client, charlie):
    _token, raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    login(client, charlie)
    new = "charlies-new-secret-7"
    response = client.post(
        "/me/password/",
        {"old_password": PASSWORD, "new_password": new, "new_password_again": new},
    )
    assert response.status_code == 302
    assert me(client.__class__(), raw).status_code == 401
    assert client.get("/").status_code == 200  # this session goes on
    event = AuditEvent.objects.get(action="user.set_password")
    assert event.changes["tokens_revoked"] == [None, 1]


def test_it_kills_every_token_when_the_role_changes(client, bob, charlie):
    _token, raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    user_update(acting_user=bob, user=charlie, role=Role.REPAIRER)
    assert me(client, raw).status_code == 401


def test_it_shows_each_device_with_its_use_expiry_and_state(client, traveller, charlie):
    _live, raw = token_issue(acting_user=charlie, user=charlie, name="巡检手机")
    token_issue(acting_user=charlie, user=charlie, name="旧平板")
    gone, _ = token_issue(acting_user=charlie, user=charlie, name="丢失的手机")
    gone.revoked_at = timezone.now()
    gone.save(update_fields=["revoked_at"])
    traveller.shift(29 * DAY)
    me(client, raw)
    traveller.shift(2 * DAY)
    login(client, charlie)
    page = client.get("/me/tokens/").content.decode()
    for name in ("巡检手机", "旧平板", "丢失的手机"):
        assert name in page
    assert "2026-03-31" in page  # the phone's last use (Shanghai time)
    assert "2026-04-30" in page  # and its expiry, slid 30 days on from there
    assert page.count('data-testid="token-state"') == 3
    assert "有效" in page and "已过期" in page and "已吊销" in page
    listed = client.get("/api/v1/auth/tokens").json()
    assert {row["name"]: row["state"] for row in listed} == {
        "巡检手机": "live",
        "旧平板": "expired",
        "丢失的手机": "revoked",
    }


def test_it_gives_tokens_from_before_expiry_the_policy_they_would_have_had(charlie, db):
    migration = importlib.import_module(
        "ruhu.accounts.migrations.0003_seed_token_and_first_login_policies"
    )
    now = timezone.now()
    recent, _ = token_issue(acting_user=charlie, user=charlie, name="recent")
    stale, _ = token_issue(acting_user=charlie, user=charlie, name="stale")
    ApiToken.objects.filter(pk=recent.pk).update(
        created_at=now - 200 * DAY, last_used_at=now - DAY, expires_at=None
    )
    ApiToken.objects.filter(pk=stale.pk).update(
        created_at=now - 50 * DAY, last_used_at=now - 40 * DAY, expires_at=None
    )
    migration.expire_old_tokens(apps, None)
    recent.refresh_from_db()
    stale.refresh_from_db()
    assert recent.expires_at == now - 20 * DAY  # past its 180 days
    assert stale.expires_at == now - 10 * DAY  # idle for 40
    assert recent.state == stale.state == "expired"
