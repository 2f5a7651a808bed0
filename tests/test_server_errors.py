"""An unexpected failure answers 500, a database that cannot be reached 503 with Retry-After:
in the API's error shape under /api/, as a styled Chinese page with a way back elsewhere."""

from __future__ import annotations

import logging

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client

from ruhu.accounts.services import token_issue
from ruhu.common.error_pages import DATABASE_RETRY_AFTER_SECONDS
from ruhu.common.errors import RateLimited, Unavailable
from ruhu.common.middleware import DomainErrorPagesMiddleware
from tests.common.test_csp import assert_strict, inline_code
from tests.conftest import login

SHAPE = {"message", "code", "extra"}


def failing(exception):
    def fail(*args, **kwargs):
        raise exception

    return fail


@pytest.fixture
def web(bob):
    client = Client(raise_request_exception=False)
    login(client, bob)
    return client


@pytest.fixture
def api(bob):
    _token, raw = token_issue(acting_user=bob, user=bob, name="laptop")
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_it_answers_an_unexpected_api_failure_with_500_in_the_error_shape(api, monkeypatch, caplog):
    monkeypatch.setattr("ruhu.premises.api.household_list", failing(KeyError("boom")))
    with caplog.at_level(logging.ERROR, logger="ruhu.api"):
        response = api.get("/api/v1/households")
    assert response.status_code == 500
    assert response.json() == {"message": "服务器内部错误", "code": "server_error", "extra": {}}
    assert "Retry-After" not in response
    (record,) = [r for r in caplog.records if r.name == "ruhu.api"]
    assert record.exc_info[0] is KeyError  # the traceback is in the log, not in the answer
    assert "boom" not in response.content.decode()


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_it_answers_503_with_retry_after_when_the_database_is_down(api, monkeypatch, error):
    monkeypatch.setattr("ruhu.premises.api.household_list", failing(error("server closed")))
    response = api.get("/api/v1/households")
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    body = response.json()
    assert set(body) == SHAPE and body["code"] == "database_unavailable"
    assert "server closed" not in body["message"]


def test_a_domain_error_keeps_its_own_status_rather_than_500(api, household_b):
    response = api.get(f"/api/v1/households/{household_b.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_it_shows_the_styled_500_page_with_a_way_back(web, monkeypatch):
    monkeypatch.setattr("ruhu.premises.views.household_list", failing(KeyError("boom")))
    response = web.get("/households/", HTTP_REFERER="http://testserver/visits/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出错了" in html and "boom" not in html
    assert 'href="/"' in html  # home
    assert 'href="http://testserver/visits/"' in html and "返回上一页" in html
    assert "/static/css/app.css" in html
    assert_strict(response["Content-Security-Policy"])
    assert not inline_code(html)


def test_it_offers_no_way_back_to_another_site(web, monkeypatch):
    monkeypatch.setattr("ruhu.premises.views.household_list", failing(KeyError("boom")))
    response = web.get("/households/", HTTP_REFERER="https://evil.example/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "evil.example" not in html and "返回上一页" not in html
    assert 'href="/"' in html


def test_it_shows_the_500_page_in_english_under_english(web, monkeypatch):
    monkeypatch.setattr("ruhu.premises.views.household_list", failing(KeyError("boom")))
    web.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = web.get("/households/").content.decode()
    assert "Something went wrong" in html and "系统出错了" not in html


def test_it_shows_the_styled_503_page_when_the_database_is_down(web, monkeypatch):
    monkeypatch.setattr("ruhu.premises.views.household_list", failing(OperationalError("down")))
    response = web.get("/households/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    html = response.content.decode()
    assert "服务暂不可用" in html and "数据库" in html and 'href="/"' in html
    assert_strict(response["Content-Security-Policy"])


def test_a_database_lost_before_any_view_still_answers_503(web, api, monkeypatch):
    """The session is read by middleware, outside any view or API handler."""
    monkeypatch.setattr(SessionStore, "load", failing(OperationalError("down")))
    page = web.get("/households/")
    assert page.status_code == 503 and "服务暂不可用" in page.content.decode()
    api.cookies = web.cookies  # an API call riding on the session
    answer = api.get("/api/v1/me")
    assert answer.status_code == 503 and answer["Retry-After"]
    assert answer.json()["code"] == "database_unavailable"


@pytest.mark.parametrize(
    ("error", "status", "heading"),
    [
        (RateLimited("上传过于频繁", retry_after=63), 429, "操作过于频繁"),
        (Unavailable("计数服务不可用", retry_after=60), 503, "服务暂不可用"),
    ],
)
def test_a_page_refused_for_its_rate_gets_the_styled_page(rf, error, status, heading):
    response = DomainErrorPagesMiddleware(None).process_exception(rf.get("/x/"), error)
    assert response.status_code == status
    assert response["Retry-After"] == str(error.extra["retry_after"])
    html = response.content.decode()
    assert heading in html and error.message in html and 'href="/"' in html
