"""A domain error speaks the request's language: Chinese by default, English when the
request asks for it (Accept-Language, or the language cookie on the web), in the API's
{"message", "code", "extra"} shape and in a page's form alike; code and extra stay put."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from ruhu.accounts.services import token_issue, user_deactivate
from ruhu.accounts.services.staff import user_create
from ruhu.common.errors import Conflict
from tests.conftest import login

SHAPE = {"message", "code", "extra"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def bearer(user) -> dict[str, str]:
    _token, raw = token_issue(acting_user=user, user=user, name="phone")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "该账号已停用"),
        ("en", "This account is already deactivated"),
    ],
)
def test_it_answers_an_api_conflict_in_the_requests_language(
    client, bob, charlie, language, message
):
    user_deactivate(acting_user=bob, user=charlie, reason="离职")
    response = client.post(
        f"/api/v1/staff/{charlie.pk}/deactivate",
        {"reason": "again"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
        **bearer(bob),
    )
    assert response.status_code == 409
    assert response.json() == {"message": message, "code": "user_already_inactive", "extra": {}}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "照片只接受JPEG、PNG 或 WebP 图片（按文件内容识别，此文件为无法识别的格式）"),
        (
            "en",
            "Photo accepts only JPEG, PNG or WebP pictures "
            "(judged by the file's content; this file is an unrecognized format)",
        ),
    ],
)
def test_it_fills_the_placeholders_of_a_translated_api_message(client, charlie, language, message):
    response = client.post(
        "/api/v1/attachments",
        {"kind": "photo", "file": SimpleUploadedFile("p.jpg", b"not a picture at all")},
        HTTP_ACCEPT_LANGUAGE=language,
        **bearer(charlie),
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == SHAPE and body["message"] == message
    assert body["code"] == "attachment_type_refused" and body["extra"] == {"kind": "photo"}


def test_it_answers_the_frameworks_refusals_in_english_too(client, db):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {
        "message": "Sign in or send a valid device token",
        "code": "unauthenticated",
        "extra": {},
    }


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "用户名 charlie 已存在"),
        ("en", "The username charlie already exists"),
    ],
)
def test_it_shows_a_refused_form_in_the_pages_language(
    client, bob, charlie, org, language, message
):
    login(client, bob)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(
        "/staff/new/",
        {
            "username": "charlie",
            "full_name": "冯刚",
            "role": "inspector",
            "phone": "13812345670",
            "org_unit": org.team_a.pk,
            "delivery": "password",
        },
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert message in page
    assert f'<html lang="{language}">' in page


def test_it_says_a_services_refusal_in_chinese_outside_a_request(bob, charlie):
    """A job or command has no request: it speaks LANGUAGE_CODE, and `message` is a str."""
    with pytest.raises(Conflict) as refused:
        user_create(
            acting_user=bob,
            username="charlie",
            full_name="冯刚",
            role="inspector",
            org_unit=charlie.org_unit,
        )
    assert refused.value.message == "用户名 charlie 已存在" == str(refused.value)
    assert refused.value.as_dict()["message"] == "用户名 charlie 已存在"
