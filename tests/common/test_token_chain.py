"""Token calls to the API take the lean middleware chain (ruhu.common.handler, decision
0024) and still get every guard and header the whole chain gives them; every other request,
a session's API call included, takes the whole chain, CSRF and all."""

from __future__ import annotations

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from ruhu.accounts.services import token_issue
from ruhu.common.handler import RuhuHandler, is_token_call

# what only the web needs; a middleware added to MIDDLEWARE must be sorted in here or
# into API_TOKEN_MIDDLEWARE
WEB_ONLY = {
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ruhu.accounts.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
}
# the lean chain's own: what stands in for the session's user, and a leaner form of one of
# the whole chain's middlewares (what it stands for)
STAND_IN = {
    "ruhu.common.handler.AnonymousUntilAuthenticated": None,
    "ruhu.common.middleware.TokenCallLocaleMiddleware": "django.middleware.locale.LocaleMiddleware",
}


def call(app, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    """One request straight through a WSGI application: (status, headers, body). The
    connection is the test's own (in its transaction), as Django's test client keeps it."""
    environ: dict = {"REQUEST_METHOD": method, "PATH_INFO": path.split("?")[0]}
    if "?" in path:
        environ["QUERY_STRING"] = path.split("?", 1)[1]
    environ |= {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    environ |= {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    if "HTTP_CONTENT_TYPE" in environ:
        environ["CONTENT_TYPE"] = environ.pop("HTTP_CONTENT_TYPE")
    setup_testing_defaults(environ)
    environ["SERVER_NAME"] = "testserver"
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = app(environ, start_response)
        content = b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], content


@pytest.fixture
def raw(charlie):
    return token_issue(acting_user=charlie, user=charlie, name="phone")[1]


@pytest.fixture
def handler():
    return RuhuHandler()


def test_the_lean_chain_is_the_whole_chain_less_the_web_only_middleware():
    lean, whole = settings.API_TOKEN_MIDDLEWARE, settings.MIDDLEWARE
    replaced = {name for name in STAND_IN.values() if name}
    assert set(whole) - set(lean) == WEB_ONLY | replaced
    assert set(lean) - set(whole) == set(STAND_IN)
    kept = [STAND_IN.get(name, name) for name in lean if STAND_IN.get(name, name)]
    assert kept == [name for name in whole if name in kept]  # in the same order


def test_only_a_token_call_without_a_session_cookie_is_lean():
    token = {"PATH_INFO": "/api/v1/me", "HTTP_AUTHORIZATION": "Bearer rh_x"}
    assert is_token_call(token)
    assert is_token_call(token | {"HTTP_AUTHORIZATION": "bearer rh_x"})
    assert is_token_call(token | {"HTTP_COOKIE": "django_language=en"})
    assert not is_token_call(token | {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}=abc"})
    assert not is_token_call(token | {"HTTP_AUTHORIZATION": "Basic eDp5"})
    assert not is_token_call({"PATH_INFO": "/api/v1/me"})
    for page in ("/api/v1/", "/api/v1/docs", "/api/v1/openapi.json", "/accounts/login/"):
        assert not is_token_call(token | {"PATH_INFO": page})


def test_a_token_call_gets_every_header_the_whole_chain_gives_it(handler, raw, monkeypatch):
    lean_calls = []
    original = handler.token_calls.get_response
    monkeypatch.setattr(
        handler.token_calls, "get_response", lambda r: lean_calls.append(r) or original(r)
    )
    headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}
    status, lean, body = call(handler, "GET", "/api/v1/me", headers)
    assert status == 200 and json.loads(body)["username"] == "charlie"
    assert len(lean_calls) == 1
    whole_status, whole, whole_body = call(WSGIHandler(), "GET", "/api/v1/me", headers)
    assert whole_status == 200 and json.loads(whole_body) == json.loads(body)
    assert set(lean) == set(whole)
    assert lean["X-Frame-Options"] == "DENY"
    assert lean["X-Content-Type-Options"] == "nosniff"
    assert lean["Referrer-Policy"] == "same-origin"
    assert lean["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in lean["Content-Security-Policy"]
    assert lean["Content-Language"] == "en"
    assert "Accept-Language" in lean["Vary"]
    zh = headers | {"Accept-Language": "zh-hans"}
    assert call(handler, "GET", "/api/v1/me", zh)[1]["Content-Language"] == "zh-hans"


def test_a_token_call_is_still_refused_what_the_guards_refuse(handler, raw, household_a):
    bearer = {"Authorization": f"Bearer {raw}"}
    status, _, body = call(handler, "GET", "/api/v1/me?q=a%00b", bearer)
    assert status == 400 and json.loads(body)["code"] == "bad_request"
    status, _, body = call(handler, "GET", "/api/v1/me?a=1&q=%00", bearer)
    assert status == 400 and json.loads(body)["code"] == "bad_request"
    assert call(handler, "GET", "/api/v1/me?q=%2500", bearer)[0] == 200  # the text "%00"
    status, _, body = call(handler, "GET", "/api/v1/me", {"Authorization": "Bearer rh_wrong"})
    assert status == 401 and json.loads(body)["code"] == "unauthenticated"
    status, _, _ = call(handler, "GET", f"/api/v1/households/{household_a.pk}", bearer)
    assert status == 200
    status, _, _ = call(handler, "GET", "/api/v1/me", bearer | {"Host": "evil.example"})
    assert status == 400  # not one of ALLOWED_HOSTS
    # the API's pages are pages: deny by default sends a token (no session) to the login
    status, headers, _ = call(handler, "GET", "/api/v1/docs", bearer)
    assert status == 302 and "/accounts/login/" in headers["Location"]


def test_a_session_call_goes_through_csrf_and_the_session(client, handler, charlie):
    token = token_issue(acting_user=charlie, user=charlie, name="phone")[0]
    client.force_login(charlie)
    session = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    status, _, body = call(handler, "GET", "/api/v1/me", {"Cookie": session})
    assert status == 200 and json.loads(body)["username"] == "charlie"
    # an unsafe call riding on the session needs its CSRF token, bearer header or not
    for extra in ({}, {"Authorization": "Bearer rh_wrong"}):
        headers = {"Cookie": session, "Content-Type": "application/json"} | extra
        status, _, body = call(handler, "DELETE", f"/api/v1/auth/tokens/{token.pk}", headers)
        assert status == 403, body
        assert json.loads(body)["code"] != "capability_missing"  # CSRF refused it
    token.refresh_from_db()
    assert token.revoked_at is None
