from __future__ import annotations

from ruhu.accounts.models import UserSession
from ruhu.common.models import AuditEvent
from tests.conftest import PASSWORD, login


def test_it_logs_in_and_rotates_the_session(client, bob):
    client.get("/accounts/login/")
    before = client.cookies.get("sessionid")
    login(client, bob)
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after
    assert UserSession.objects.filter(user=bob, session_key=after).exists()
    assert AuditEvent.objects.filter(action="auth.login", actor=bob).count() == 1


def test_it_refuses_a_wrong_password_with_a_clear_message(client, bob):
    response = client.post("/accounts/login/", {"username": "bob", "password": "wrong-password-1"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.content.decode()


def test_it_locks_after_five_failures_even_against_the_right_password(client, bob):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "bob", "password": "wrong-password-1"})
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 401
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
