"""Password rules (length, common passwords, repeated characters) and the throttled
current-password check on /me/password/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from ruhu.accounts.services import user_create, user_set_password
from ruhu.common.errors import ValidationFailed
from ruhu.common.policy import policy_set
from tests.accounts.test_throttle import BROKEN_CACHE, WRONG, web_login
from tests.conftest import PASSWORD, login

NEW = "another-long-secret-7"


def refusal_codes(password: str) -> set[str]:
    try:
        validate_password(password)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("aaaaaaaaaaaa", "password_repeated_run"),
        ("pass1111word-x", "password_repeated_run"),
        ("correct-hoooorse", "password_repeated_run"),
        ("abababababab", "password_too_few_distinct"),
        ("abcabcabcabc", "password_too_few_distinct"),
        ("a1b2a1b2a1b2", "password_too_few_distinct"),
        ("short-pw-1", "password_too_short"),
        ("password1234", "password_too_common"),
        ("123456789012", "password_entirely_numeric"),
    ],
)
def test_it_refuses_weak_passwords_with_the_reason(db, password, code):
    assert code in refusal_codes(password)


@pytest.mark.parametrize("password", [PASSWORD, NEW, "mississippi-1", "春眠不觉晓处处闻啼鸟夜来"])
def test_it_accepts_long_varied_passwords(db, password):
    assert refusal_codes(password) == set()


def test_it_refuses_aaaaaaaaaaaa_for_a_new_account_and_keeps_nothing(org):
    with pytest.raises(ValidationFailed) as refused:
        user_create(
            acting_user=None,
            username="frank",
            full_name="Frank",
            role="inspector",
            org_unit=org.team_a,
            password="aaaaaaaaaaaa",
        )
    assert refused.value.code == "password_weak"
    assert "连续出现" in refused.value.message


def test_it_speaks_chinese_and_english(db):
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as zh:
            validate_password("aaaaaaaaaaaa")
        with pytest.raises(ValidationError) as common:
            validate_password("password1234")
    assert "同一字符不能连续出现超过 3 次" in " ".join(zh.value.messages)
    assert "这个密码太常见了" in " ".join(common.value.messages)
    with translation.override("en"), pytest.raises(ValidationError) as en:
        validate_password("abababababab")
    assert "at least 6 different characters" in " ".join(en.value.messages)


def test_a_policy_may_make_the_rule_stricter_but_never_looser(db):
    for key, value in (("auth.password_max_run", 9), ("auth.password_min_distinct", 2)):
        policy_set(acting_user=None, key=key, value=value, effective_from=dt.date(2000, 1, 2))
    assert "password_repeated_run" in refusal_codes("aaaaaaaaaaaa")
    assert "password_too_few_distinct" in refusal_codes("abababababab")
    policy_set(
        acting_user=None,
        key="auth.password_min_distinct",
        value=14,
        effective_from=dt.date(2000, 1, 3),
    )
    assert "password_too_few_distinct" in refusal_codes(NEW)  # 13 different characters


def change(client, old: str, new: str = NEW, address: str = "10.0.0.1"):
    return client.post(
        "/me/password/",
        {"old_password": old, "new_password": new, "new_password_again": new},
        REMOTE_ADDR=address,
    )


def test_it_counts_wrong_current_passwords_against_the_account(client, charlie):
    login(client, charlie)
    for _ in range(5):
        response = change(client, WRONG)
        assert response.status_code == 422
    response = change(client, PASSWORD)
    assert response.status_code == 422
    assert "锁定" in response.content.decode()
    charlie.refresh_from_db()
    assert charlie.check_password(PASSWORD)
    # the same lock holds at the login page, from any address
    client.post("/accounts/logout/")
    assert web_login(client, "charlie", PASSWORD, address="10.7.7.7").status_code == 401


def test_it_refuses_a_change_while_the_account_is_locked(client, charlie):
    login(client, charlie)
    attacker = Client()
    for _ in range(5):
        web_login(attacker, "charlie", WRONG, address="10.3.3.3")
    response = change(client, PASSWORD)
    assert response.status_code == 422
    assert "锁定" in response.content.decode()
    charlie.refresh_from_db()
    assert charlie.check_password(PASSWORD)


def test_it_clears_the_count_after_the_right_current_password(client, charlie):
    login(client, charlie)
    for _ in range(4):
        change(client, WRONG)
    assert change(client, PASSWORD).status_code == 302
    charlie.refresh_from_db()
    assert charlie.check_password(NEW)


def test_it_refuses_a_change_when_the_throttle_store_is_down(client, charlie, settings):
    login(client, charlie)
    settings.CACHES = BROKEN_CACHE
    response = change(client, PASSWORD)
    assert response.status_code == 422
    assert "不可用" in response.content.decode()
    charlie.refresh_from_db()
    assert charlie.check_password(PASSWORD)


def test_it_refuses_a_repetitive_new_password_on_the_page(client, charlie):
    login(client, charlie)
    response = change(client, PASSWORD, new="aaaaaaaaaaaa")
    assert response.status_code == 422
    assert "连续出现" in response.content.decode()
    charlie.refresh_from_db()
    assert charlie.check_password(PASSWORD)
    with pytest.raises(ValidationFailed):
        user_set_password(acting_user=charlie, user=charlie, password="zzzzzzzzzzzz")
