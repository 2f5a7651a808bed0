from __future__ import annotations

from django.conf import settings

from tests.conftest import login


def test_it_speaks_chinese_by_default(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in page and "登录" in page


def test_it_switches_to_english_and_back(client, charlie):
    login(client, charlie)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    home = client.get("/").content.decode()
    assert '<html lang="en">' in home and "Inspector" in home and "安检员" not in home
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "安检员" in client.get("/").content.decode()
