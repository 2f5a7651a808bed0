"""A person never chooses someone else's password: new accounts get a one-time password or an
e-mailed invitation, and must set their own password before doing anything else."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import signing
from django.utils import timezone

from ruhu.accounts.models import ApiToken, User
from ruhu.accounts.roles import Role
from ruhu.accounts.services import (
    INVITATION,
    ONE_TIME_PASSWORD,
    token_issue,
    user_enrol,
    user_invite,
    user_password_reset,
    user_set_password,
)
from ruhu.common.errors import Conflict, ValidationFailed
from ruhu.common.models import AuditEvent, OutboxMessage
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "franks-own-secret-7"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def enrol(bob, org, delivery=ONE_TIME_PASSWORD, email=""):
    return user_enrol(
        acting_user=bob,
        delivery=delivery,
        site_url="http://testserver/",
        username="frank",
        full_name="冯刚",
        role=Role.INSPECTOR,
        org_unit=org.team_a,
        email=email,
    )


def sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def change_password(client, old, new=NEW_PASSWORD):
    return client.post(
        "/me/password/", {"old_password": old, "new_password": new, "new_password_again": new}
    )


def invitation_path() -> str:
    body = OutboxMessage.objects.get(channel=OutboxMessage.Channel.EMAIL).body
    match = re.search(r"http://testserver(/accounts/invite/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_it_hands_out_a_one_time_password_stored_only_as_a_hash(bob, org):
    frank, one_time = enrol(bob, org)
    assert re.fullmatch(r"([a-z2-9]{4}-){3}[a-z2-9]{4}", one_time)
    assert frank.must_change_password and frank.check_password(one_time)
    assert frank.password_issued_at is not None
    events = AuditEvent.objects.filter(target_id=str(frank.pk), action__startswith="user.")
    assert {e.action for e in events} == {"user.create", "user.one_time_password"}
    assert one_time not in str(list(events.values()))


def test_it_holds_a_user_to_the_password_page_until_they_set_their_own(client, bob, org):
    _frank, one_time = enrol(bob, org)
    assert sign_in(client, "frank", one_time).status_code == 302
    for url in ("/", "/households/", "/me/tokens/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/me/password/", url
    page = client.get("/me/password/")
    assert page.status_code == 200 and 'data-testid="must-change-password"' in page.content.decode()
    refused = change_password(client, one_time, new=one_time)
    assert refused.status_code == 422 and "不能与当前密码相同" in refused.content.decode()
    assert change_password(client, one_time).status_code == 302
    assert client.get("/").status_code == 200
    frank = User.objects.get(username="frank")
    assert not frank.must_change_password and frank.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="user.set_password", actor=frank)
    assert event.changes["must_change_password"] == [True, False]


def test_it_lets_a_user_who_must_change_sign_out(client, bob, org):
    _frank, one_time = enrol(bob, org)
    sign_in(client, "frank", one_time)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_answers_the_api_with_a_clear_403_until_the_password_is_changed(client, bob, org):
    _frank, one_time = enrol(bob, org)
    sign_in(client, "frank", one_time)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
    device = client.post(
        "/api/v1/auth/token",
        {"username": "frank", "password": one_time, "device_name": "phone"},
        content_type="application/json",
    )
    assert device.status_code == 403
    assert device.json()["code"] == "password_change_required"
    assert not ApiToken.objects.filter(user__username="frank").exists()


def test_it_refuses_a_token_issued_before_a_reset(client, bob, charlie):
    _token, raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    user_password_reset(acting_user=bob, user=charlie)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_it_lets_a_one_time_password_lapse_after_the_policy_hours(client, bob, org):
    with time_machine.travel(START, tick=False) as traveller:
        _frank, one_time = enrol(bob, org)
        traveller.shift(dt.timedelta(hours=71))
        assert sign_in(client, "frank", one_time).status_code == 302
        client.post("/accounts/logout/")
        traveller.shift(dt.timedelta(hours=2))
        response = sign_in(client, "frank", one_time)
        assert response.status_code == 401
        assert "一次性密码已过期" in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_it_resets_a_password_from_the_staff_page(client, bob, charlie):
    _token, _raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    victim = client.__class__()
    login(victim, charlie)
    login(client, bob)
    response = client.post(f"/staff/{charlie.pk}/password/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    one_time = re.search(r'id="one-time-password-value">([^<]+)<', response.content.decode()).group(
        1
    )
    charlie.refresh_from_db()
    assert charlie.must_change_password and charlie.check_password(one_time)
    assert not charlie.check_password(PASSWORD)
    assert not ApiToken.objects.filter(user=charlie, revoked_at__isnull=True).exists()
    assert victim.get("/").status_code == 302  # the old session is over
    event = AuditEvent.objects.get(action="user.one_time_password")
    assert event.actor == bob and event.changes["tokens_revoked"] == [None, 1]


def test_it_makes_a_password_set_by_a_manager_one_to_change(bob, charlie):
    user_set_password(acting_user=bob, user=charlie, password="bobs-choice-12345")
    charlie.refresh_from_db()
    assert charlie.must_change_password
    event = AuditEvent.objects.get(action="user.set_password")
    assert event.changes["must_change_password"] == [False, True]


def test_it_refuses_to_reset_ones_own_or_a_disabled_password(bob, charlie):
    with pytest.raises(Conflict):
        user_password_reset(acting_user=bob, user=bob)
    charlie.is_active = False
    charlie.save(update_fields=["is_active"])
    with pytest.raises(Conflict):
        user_password_reset(acting_user=bob, user=charlie)
    assert not AuditEvent.objects.filter(action="user.one_time_password").exists()


def test_it_keeps_system_made_accounts_free_to_sign_in(client, charlie):
    assert not charlie.must_change_password
    login(client, charlie)
    assert client.get("/").status_code == 200


def test_it_invites_by_email_and_lets_the_user_set_their_password(client, bob, org):
    frank, one_time = enrol(bob, org, delivery=INVITATION, email="frank@example.com")
    assert one_time == "" and frank.must_change_password and not frank.has_usable_password()
    path = invitation_path()
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == "/accounts/invite/set-password/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "frank" in page.content.decode()
    done = client.post(
        response["Location"], {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    frank.refresh_from_db()
    assert not frank.must_change_password and frank.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="user.invitation_accept", actor=frank).exists()
    assert client.get(path, follow=True).status_code == 410  # used once, then dead
    assert sign_in(client, "frank", NEW_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_it_refuses_a_weak_password_from_an_invitation(client, bob, org):
    enrol(bob, org, delivery=INVITATION, email="frank@example.com")
    client.get(invitation_path())
    response = client.post(
        "/accounts/invite/set-password/", {"new_password": "short", "new_password_again": "short"}
    )
    assert response.status_code == 422
    assert User.objects.get(username="frank").must_change_password


def test_it_lets_an_invitation_lapse_and_a_newer_one_replace_it(client, bob, org):
    with time_machine.travel(START, tick=False) as traveller:
        frank, _ = enrol(bob, org, delivery=INVITATION, email="frank@example.com")
        first = invitation_path()
        traveller.shift(dt.timedelta(hours=73))
        assert client.get(first, follow=True).status_code == 410
        OutboxMessage.objects.all().delete()
        user_invite(acting_user=bob, user=frank, site_url="http://testserver")
        second = invitation_path()
        assert client.get(second, follow=True).status_code == 200
        assert client.get(first, follow=True).status_code == 410


def test_it_refuses_a_forged_invitation(client, bob, org, charlie):
    enrol(bob, org, delivery=INVITATION, email="frank@example.com")
    genuine = invitation_path()
    payload, stamp, signature = genuine.split("/")[3].split(":")
    claims = json.loads(signing.b64_decode(payload.encode()))
    other = signing.b64_encode(json.dumps({**claims, "u": charlie.pk}).encode()).decode()
    forged = f"/accounts/invite/{other}:{stamp}:{signature}/"
    for path in (forged, "/accounts/invite/rubbish/", genuine[:-5] + "xxxx/"):
        response = client.get(path, follow=True)
        assert response.status_code == 410
        assert "邀请链接无效或已过期" in response.content.decode()


def test_it_refuses_an_invitation_without_an_email_and_writes_nothing(bob, org):
    with pytest.raises(ValidationFailed) as refused:
        enrol(bob, org, delivery=INVITATION)
    assert refused.value.code == "email_required"
    assert not User.objects.filter(username="frank").exists()
    assert not OutboxMessage.objects.exists()


def test_it_ends_sessions_when_an_invitation_replaces_a_password(client, bob, charlie):
    charlie.email = "charlie@example.com"
    charlie.save(update_fields=["email"])
    login(client, charlie)
    key = client.session.session_key
    user_invite(acting_user=bob, user=charlie, site_url="http://testserver")
    assert not Session.objects.filter(session_key=key).exists()
    charlie.refresh_from_db()
    assert not charlie.has_usable_password()
    assert charlie.password_issued_at <= timezone.now()
