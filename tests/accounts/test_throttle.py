"""Login throttling on every door (web page, device-token API, admin) and password rules."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from ruhu.accounts.models import ApiToken
from ruhu.accounts.services import user_create, user_set_password
from ruhu.common.errors import ValidationFailed
from tests.conftest import PASSWORD

WRONG = "wrong-password-1"
BROKEN_CACHE = {
    "default": {
        # loopback only, a closed port: the throttle's store is down
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def web_login(client, username, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def api_login(client, username, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password, "device_name": "phone"},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_it_locks_a_user_after_five_failures_from_different_addresses(client, bob):
    for n in range(5):
        assert web_login(client, "bob", WRONG, address=f"10.0.1.{n}").status_code == 401
    response = web_login(client, "bob", PASSWORD, address="10.0.2.1")
    assert response.status_code == 401
    assert "锁定" in response.content.decode()
    assert not logged_in(client)


def test_it_does_not_lock_after_four_failures(client, bob):
    for _ in range(4):
        web_login(client, "bob", WRONG)
    assert web_login(client, "bob", PASSWORD).status_code == 302
    assert logged_in(client)


def test_it_locks_an_address_after_five_failures_for_any_usernames(client, bob, bella):
    for name in ["mallory", "trent", "peggy", "victor", "walter"]:
        web_login(client, name, WRONG, address="10.9.9.9")
    response = web_login(client, "bob", PASSWORD, address="10.9.9.9")
    assert response.status_code == 401
    assert "锁定" in response.content.decode()
    assert not logged_in(client)
    # the same user from another address is not locked: only the address is
    assert web_login(client, "bob", PASSWORD, address="10.9.9.10").status_code == 302


def test_it_counts_only_failures_inside_the_window(client, bob):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(4):
            web_login(client, "bob", WRONG)
        clock.shift(dt.timedelta(minutes=16))
        web_login(client, "bob", WRONG)
        assert web_login(client, "bob", PASSWORD).status_code == 302


def test_it_lifts_the_lock_after_the_lock_period(client, bob):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            web_login(client, "bob", WRONG)
        clock.shift(dt.timedelta(minutes=14))
        assert web_login(client, "bob", PASSWORD).status_code == 401
        assert not logged_in(client)
        clock.shift(dt.timedelta(minutes=2))
        assert web_login(client, "bob", PASSWORD).status_code == 302
        assert logged_in(client)


def test_it_locks_the_api_token_door_too(client, bob):
    for _ in range(4):
        assert api_login(client, "bob", WRONG).status_code == 401
    assert api_login(client, "bob", WRONG).status_code == 429  # the fifth failure locks
    response = api_login(client, "bob", PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"
    assert set(response.json()) == {"message", "code", "extra"}
    assert not ApiToken.objects.filter(user=bob).exists()


def test_it_shares_the_count_between_the_web_and_the_api(client, bob):
    for _ in range(3):
        web_login(client, "bob", WRONG)
    for _ in range(2):
        api_login(client, "bob", WRONG)
    assert web_login(client, "bob", PASSWORD).status_code == 401
    assert api_login(client, "bob", PASSWORD).status_code == 429


def test_it_locks_the_admin_which_uses_the_same_login(client, alice):
    for _ in range(5):
        web_login(client, "alice", WRONG)
    # the admin's own login form does not authenticate: it hands over to the throttled page
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not logged_in(client)
    response = web_login(client, "alice", PASSWORD)
    assert response.status_code == 401
    assert client.get("/admin/").status_code == 302


def test_it_lets_the_admin_in_through_the_login_page(client, alice):
    response = client.post(
        "/accounts/login/?next=/admin/", {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_it_fails_closed_when_the_throttle_store_is_down(client, bob, settings):
    settings.CACHES = BROKEN_CACHE
    response = web_login(client, "bob", PASSWORD)
    assert response.status_code == 401
    assert "不可用" in response.content.decode()  # 登录服务暂不可用
    assert not logged_in(client)
    response = api_login(client, "bob", PASSWORD)
    assert response.status_code == 503
    assert response.json()["code"] == "login_unavailable"
    assert not ApiToken.objects.filter(user=bob).exists()


@pytest.mark.parametrize(
    "password", ["short-pw-1", "password1234", "qwertyuiop123", "123456789012"]
)
def test_it_refuses_short_or_common_passwords(org, password):
    with pytest.raises(ValidationFailed) as refused:
        user_create(
            acting_user=None,
            username="frank",
            full_name="Frank",
            role="inspector",
            org_unit=org.team_a,
            password=password,
        )
    assert refused.value.code == "password_weak"


def test_it_refuses_a_weak_new_password_and_keeps_the_old_one(bob):
    with pytest.raises(ValidationFailed):
        user_set_password(acting_user=bob, user=bob, password="short-pw")
    with pytest.raises(ValidationFailed):
        user_set_password(acting_user=bob, user=bob, password="qwertyuiop123")
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)
    user_set_password(acting_user=bob, user=bob, password="a-long-unusual-phrase-7")
    bob.refresh_from_db()
    assert bob.check_password("a-long-unusual-phrase-7")


def test_it_keeps_the_admins_next_address_whole(client, alice):
    response = client.get("/admin/login/", {"next": "/admin/accounts/user/?q=a&role=admin"})
    assert response.status_code == 302
    login_page = response["Location"]
    response = client.post(login_page, {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/admin/accounts/user/?q=a&role=admin"


def test_it_never_redirects_off_site_after_login(client, bob):
    response = client.post(
        "/accounts/login/?next=https://evil.example.com/",
        {"username": "bob", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
