"""Login throttling on every door (web page, device-token API, admin) and password rules."""

from __future__ import annotations

import datetime as dt
import os
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from ruhu.accounts.models import ApiToken
from ruhu.accounts.services import user_create, user_set_password
from ruhu.accounts.throttle import client_address
from ruhu.common.errors import ValidationFailed
from ruhu.common.policy import policy_get, policy_set
from tests.conftest import PASSWORD
from tests.test_settings import ruhu

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


def test_it_does_not_lock_bob_out_when_alice_fails_five_times_from_the_same_address(
    client, alice, bob
):
    for _ in range(5):
        web_login(client, "alice", WRONG, address="10.9.9.9")
    assert web_login(client, "alice", PASSWORD, address="10.9.9.9").status_code == 401
    assert web_login(client, "bob", PASSWORD, address="10.9.9.9").status_code == 302
    assert logged_in(client)


def test_it_locks_an_account_from_every_address_and_door(client, bob):
    for _ in range(5):
        web_login(client, "bob", WRONG, address="10.0.0.1")
    for address in ("10.0.0.2", "192.168.7.7", "2001:db8::1"):
        response = web_login(client, "bob", PASSWORD, address=address)
        assert response.status_code == 401
        assert "账号已锁定" in response.content.decode()
        response = api_login(client, "bob", PASSWORD, address=address)
        assert response.status_code == 429
        assert response.json()["extra"]["locked"] == "account"
    assert not logged_in(client)
    assert not ApiToken.objects.filter(user=bob).exists()


def test_it_locks_an_address_past_its_own_much_higher_limit_for_every_account(client, alice, bob):
    limit = policy_get("auth.address.max_failures")
    assert limit >= 20 * policy_get("auth.lockout.max_failures")
    names = [f"guess{n}" for n in range(limit)]  # one guess each: no account locks
    for name in names[:-1]:
        web_login(client, name, WRONG, address="10.9.9.9")
    assert web_login(client, "bob", PASSWORD, address="10.9.9.9").status_code == 302
    client.post("/accounts/logout/")
    web_login(client, names[-1], WRONG, address="10.9.9.9")
    for user in ("bob", "alice"):
        response = web_login(client, user, PASSWORD, address="10.9.9.9")
        assert response.status_code == 401
        assert "此网络地址登录失败次数过多" in response.content.decode()
    response = api_login(client, "alice", PASSWORD, address="10.9.9.9")
    assert response.status_code == 429
    assert response.json()["extra"]["locked"] == "address"
    assert not logged_in(client)
    # the accounts themselves are not locked: from another address they sign in
    assert web_login(client, "bob", PASSWORD, address="10.9.9.10").status_code == 302


def test_it_lifts_an_address_lock_after_its_lock_period(client, bob, address_limit_of_three):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for name in ("mallory", "trent", "peggy"):
            web_login(client, name, WRONG, address="10.9.9.9")
        clock.shift(dt.timedelta(minutes=14))
        assert web_login(client, "bob", PASSWORD, address="10.9.9.9").status_code == 401
        clock.shift(dt.timedelta(minutes=2))
        assert web_login(client, "bob", PASSWORD, address="10.9.9.9").status_code == 302


@pytest.fixture
def address_limit_of_three(db):
    policy_set(
        acting_user=None,
        key="auth.address.max_failures",
        value=3,
        effective_from=dt.date(2000, 1, 2),
    )


def proxied_login(client, username, password, forwarded_for, peer="10.0.0.254"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_it_tells_clients_behind_the_proxy_apart(client, bob, settings, address_limit_of_three):
    settings.RUHU_BEHIND_PROXY = True
    for name in ("mallory", "trent", "peggy"):
        proxied_login(client, name, WRONG, "203.0.113.5")
    assert proxied_login(client, "bob", PASSWORD, "203.0.113.5").status_code == 401
    # another client through the same proxy is not locked out by the first
    assert proxied_login(client, "bob", PASSWORD, "203.0.113.6").status_code == 302


def test_it_cannot_be_fooled_by_a_forged_forwarded_for(
    client, bob, settings, address_limit_of_three
):
    settings.RUHU_BEHIND_PROXY = True
    for n, name in enumerate(("mallory", "trent", "peggy")):
        # the client writes its own X-Forwarded-For; the proxy appends the real address
        proxied_login(client, name, WRONG, f"198.51.100.{n}, 203.0.113.5")
    assert proxied_login(client, "bob", PASSWORD, "198.51.100.9, 203.0.113.5").status_code == 401


def request_from(peer, forwarded_for=""):
    meta = {"REMOTE_ADDR": peer}
    if forwarded_for:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return SimpleNamespace(META=meta)


def test_it_takes_the_rightmost_untrusted_forwarded_address(settings):
    settings.RUHU_BEHIND_PROXY = False
    assert client_address(request_from("10.0.0.254", "203.0.113.5")) == "10.0.0.254"
    settings.RUHU_BEHIND_PROXY = True
    settings.RUHU_TRUSTED_PROXIES = []
    assert client_address(request_from("10.0.0.254", "1.2.3.4, 203.0.113.5")) == "203.0.113.5"
    assert client_address(request_from("10.0.0.254")) == "10.0.0.254"
    settings.RUHU_TRUSTED_PROXIES = ["10.0.0.0/24", "172.16.0.9"]
    chain = "1.2.3.4, 203.0.113.5, 172.16.0.9"  # forged, client, inner proxy
    assert client_address(request_from("10.0.0.254", chain)) == "203.0.113.5"
    assert client_address(request_from("10.0.0.254", "1.2.3.4, not-an-ip")) == "not-an-ip"
    # straight to the app, around the proxies: the header is the client's own claim
    assert client_address(request_from("198.51.100.7", chain)) == "198.51.100.7"
    # every hop a proxy: the furthest one is the best the chain knows
    assert client_address(request_from("10.0.0.254", "10.0.0.3, 172.16.0.9")) == "10.0.0.3"


def test_it_counts_only_failures_inside_the_window(client, bob):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(4):
            web_login(client, "bob", WRONG)
        clock.shift(dt.timedelta(minutes=16))
        web_login(client, "bob", WRONG)
        assert web_login(client, "bob", PASSWORD).status_code == 302


def test_it_keeps_counting_failures_spread_over_the_window(client, bob):
    """The counts outlive the cache's default timeout (five minutes) on every store."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for minutes in (0, 0, 5, 5, 14):  # the same minute twice: a count goes up
            clock.move_to(start + dt.timedelta(minutes=minutes))
            web_login(client, "bob", WRONG, address="10.0.0.1")
        assert web_login(client, "bob", PASSWORD, address="10.0.0.3").status_code == 401


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


def test_it_refuses_to_start_with_a_trusted_proxy_that_is_no_address(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUHU_")}
    env.update({"RUHU_VAR_DIR": str(tmp_path), "RUHU_TRUSTED_PROXIES": "10.0.0.0/24,proxy.lan"})
    result = ruhu(["check"], env)
    assert result.returncode != 0
    assert "RUHU_TRUSTED_PROXIES: 'proxy.lan' is not an address or network" in result.stderr
