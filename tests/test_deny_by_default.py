"""Deny by default: an anonymous walk over every URL pattern, the API and the admin included.

Each pattern is turned into a concrete URL (path converters and regex groups filled with a
sample value) and requested without a login. A page must redirect to the login page, an API
operation must answer 401. Only the public allow-list below may answer anything else, so a
new view that forgets its protection fails this test.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # the stdlib's own regex parser, to build sample URLs
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

LOGIN = "/accounts/login/"
API_PREFIX = "/api/v1/"
# The public allow-list: signing in (the page and the device-token endpoint), setting a first
# password from an e-mailed invitation, choosing a language, the health check. Static files
# are served by WhiteNoise, not by a URL pattern.
PUBLIC = {
    "/accounts/login/",
    "/accounts/invite/1/",
    "/api/v1/auth/token",
    "/i18n/setlang/",
    "/healthz",
}
# Served by the API's URL space but to signed-in people only, like pages: the docs, the
# schema, and the API root.
API_PAGES = {"/api/v1/", "/api/v1/docs", "/api/v1/openapi.json"}
PAGE_METHODS = ("get", "post")
API_METHODS = ("get", "post", "put", "patch", "delete")


def _sample(parsed) -> str:
    """The shortest string the parsed regex matches (enough for every URL pattern we have)."""
    out = []
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("1" if chr(arg) != "1" else "2")
        elif name == "ANY":
            out.append("1")
        elif name == "IN":
            negate = any(str(o) == "NEGATE" for o, _ in arg)
            if negate:
                out.append("1")
            else:
                kind, value = arg[0]
                if str(kind) == "LITERAL":
                    out.append(chr(value))
                elif str(kind) == "RANGE":
                    out.append("1" if value[0] <= ord("1") <= value[1] else chr(value[0]))
                else:  # a category such as \d or \w
                    out.append("1")
        elif name in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
            low, _high, sub = arg
            out.append(_sample(sub) * max(low, 0))
        elif name == "SUBPATTERN":
            out.append(_sample(arg[-1]))
        elif name == "BRANCH":
            out.append(_sample(arg[1][0]))
        elif name in {"AT", "ASSERT", "ASSERT_NOT"}:
            continue
        else:
            raise AssertionError(f"cannot sample regex operator {name}")
    return "".join(out)


def _walk(resolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        regex = pattern.pattern.regex.pattern.removeprefix("^").removesuffix(r"\Z")
        regex = regex.removesuffix("$")
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + regex)
        else:
            assert isinstance(pattern, URLPattern)
            yield prefix + regex


def all_urls() -> list[str]:
    urls = []
    for regex in _walk(get_resolver()):
        url = "/" + _sample(sre_parse.parse(regex))
        assert re.fullmatch(regex, url[1:]), (regex, url)
        urls.append(url)
    return sorted(set(urls))


def test_it_walks_every_pattern_including_the_api_and_the_admin():
    urls = all_urls()
    assert len(urls) > 60
    assert "/api/v1/households/1" in urls
    assert "/admin/accounts/user/1/change/" in urls
    assert "/staff/1/deactivate/" in urls
    assert {"/api/v1/docs", "/api/v1/openapi.json", "/admin/"} <= set(urls)


def _goes_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == LOGIN


@pytest.mark.django_db
def test_it_refuses_every_non_public_url_to_an_anonymous_visitor(client, household_a, bob):
    leaks = []
    for url in all_urls():
        if url in PUBLIC:
            continue
        api = url.startswith(API_PREFIX) and url not in API_PAGES
        for method in API_METHODS if api else PAGE_METHODS:
            response = getattr(client, method)(url)
            if api:
                ok = response.status_code in {401, 405}
                if response.status_code == 401:
                    assert response.json()["code"] == "unauthenticated"
            else:
                # the admin hands over to the one throttled login page
                if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
                    response = client.get(response["Location"])
                ok = _goes_to_login(response)
            if not ok:
                leaks.append(f"{method.upper()} {url} -> {response.status_code}")
    assert leaks == []


@pytest.mark.django_db
def test_it_answers_401_on_every_api_path_with_some_method(client):
    """A path answering only 405 would hide an operation the walk never really tried."""
    for url in all_urls():
        if not url.startswith(API_PREFIX) or url in PUBLIC | API_PAGES:
            continue
        statuses = {getattr(client, m)(url).status_code for m in API_METHODS}
        assert 401 in statuses, (url, statuses)


@pytest.mark.django_db
def test_it_keeps_the_public_allow_list_public(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    response = client.get("/accounts/invite/1/", follow=True)
    assert response.status_code == 410  # reachable without a login, refuses a bad link
    response = client.post("/api/v1/auth/token", {}, content_type="application/json")
    assert response.status_code == 422  # reachable without a login, refuses bad input


@pytest.mark.django_db
def test_it_sends_the_admin_to_the_one_throttled_login_page(client):
    response = client.get("/admin/")
    while response.status_code == 302 and urlsplit(response["Location"]).path != LOGIN:
        response = client.get(response["Location"])
    assert _goes_to_login(response)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == LOGIN
    assert parse_qs(location.query) == {"next": ["/admin/"]}
