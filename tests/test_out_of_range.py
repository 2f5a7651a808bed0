"""Out-of-range and malformed values: 404 or 422, never a server error.

Generated from the URL patterns and the OpenAPI schema, so a new route or parameter is
covered the day it is added: every id in a page's path, every path parameter and every
integer or date query parameter of the API, and every query parameter a page reads (found
by watching which keys the page asks its query string for), are fed huge numbers, negative
ones, zero and malformed dates, signed in as the administrator.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from ruhu.api import api
from ruhu.common.converters import MAX_ID, IdConverter, parse_day, parse_id, parse_month
from ruhu.inspection.services import plan_generate

HUGE = [10**25, 2**63, -1]
NUMBERS = [*HUGE, 0]
BAD_DAYS = ["5.5e-304", "20261201", "2026-13-01", "9999-12-31", "0001-01-01", "2026-W49-1"]
BAD_QUERY_VALUES = [*HUGE, "1e400", "5.5e-304", "9999-12-31", "2026-13"]
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
SAMPLES = {"uuid": "00000000-0000-4000-8000-000000000001", "str": "pdf", "path": "x"}


@pytest.fixture
def admin_client(alice):
    client = Client(raise_request_exception=False)  # a server error is a 500, not a raise
    client.force_login(alice)
    return client


# ── the pages' URL patterns ─────────────────────────────────────────────────────────────


def _routes(resolver=None, prefix: str = ""):
    """Every pattern as one route string with its converters; regex patterns (the admin's
    app index, which takes no id) are left out."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if not isinstance(pattern.pattern, RoutePattern):
            continue
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, route)
        else:
            assert isinstance(pattern, URLPattern)
            yield route, pattern.pattern.converters


def _is_id(route: str, converter: str, name: str) -> bool:
    return converter == "id" or (route.startswith("admin/") and name == "object_id")


def page_routes_with_ids() -> list[str]:
    return [
        route
        for route, _ in _routes()
        if not route.startswith("api/")
        and any(
            _is_id(route, m["converter"] or "str", m["name"]) for m in PARAMETER.finditer(route)
        )
    ]


def _fill(route: str, value) -> str:
    def sample(match: re.Match) -> str:
        converter, name = match["converter"] or "str", match["name"]
        return str(value) if _is_id(route, converter, name) else SAMPLES[converter]

    return "/" + PARAMETER.sub(sample, route)


def test_every_id_in_a_pages_path_is_bounded():
    every = list(_routes())
    assert len(every) > 100
    assert not [
        (route, name)
        for route, converters in every
        for name, converter in converters.items()
        if isinstance(converter, IntConverter)
    ], "use <id:…> (common.converters) for ids in a page's path"
    assert len(page_routes_with_ids()) > 40


@pytest.mark.django_db
def test_huge_ids_in_a_pages_path_answer_404(admin_client):
    wrong = []
    for route in page_routes_with_ids():
        for value in NUMBERS:
            url = _fill(route, value)
            for method in ("get", "post"):
                status = getattr(admin_client, method)(url).status_code
                allowed = {404} if value in HUGE else {302, 403, 404, 405, 422}
                if route.startswith("admin/"):  # sends an unknown object home, or refuses
                    allowed = {302, 403, 404}
                if status not in allowed:
                    wrong.append(f"{method.upper()} {url} -> {status}")
    assert wrong == []


# ── the query strings pages read ────────────────────────────────────────────────────────


@pytest.fixture
def reads(monkeypatch):
    """The keys any query string or form data is asked for while the fixture is active."""
    asked: set[str] = set()
    for name in ("get", "__getitem__", "getlist", "__contains__"):
        original = getattr(QueryDict, name)

        def spy(self, key, *args, _original=original, **kwargs):
            asked.add(key)
            return _original(self, key, *args, **kwargs)

        monkeypatch.setattr(QueryDict, name, spy)
    return asked


def _plain_pages() -> list[str]:
    return sorted(
        "/" + route
        for route, converters in _routes()
        if not converters and not route.startswith(("api/", "admin/", "i18n/"))
    )


@pytest.mark.django_db
def test_bad_values_in_a_pages_query_string_never_fail(admin_client, reads):
    wrong, tried = [], 0
    for url in _plain_pages():
        reads.clear()
        admin_client.get(url, {"probe": "1"})  # a non-empty query string binds filter forms
        for key in sorted(reads - {"probe"}):
            for value in BAD_QUERY_VALUES:
                status = admin_client.get(url, {key: value}).status_code
                tried += 1
                if status >= 500:
                    wrong.append(f"{url}?{key}={value} -> {status}")
    assert tried > 100
    assert wrong == []


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)
def test_a_huge_plan_or_inspector_in_the_query_string_answers_404(admin_client, org, alice):
    plan = plan_generate(acting_user=alice, branch=org.a, month=dt.date(2026, 12, 1))
    huge = "9" * 25
    assert admin_client.get("/inspection/notices/", {"plan": huge}).status_code == 404
    assert admin_client.get("/inspection/notices/", {"plan": str(2**63)}).status_code == 404
    assert admin_client.get("/inspection/notices/", {"plan": str(plan.pk)}).status_code == 200
    page = f"/inspection/plans/{plan.pk}/"
    assert admin_client.get(page, {"inspector": huge}).status_code == 404
    assert admin_client.get(page, {"inspector": "abc"}).status_code == 404
    assert admin_client.get(page, {"inspector": str(MAX_ID)}).status_code == 200
    assert admin_client.get(page).status_code == 200


@pytest.mark.django_db
def test_a_day_in_a_pages_query_string_is_yyyy_mm_dd_or_404(client, charlie):
    client.force_login(charlie)
    for bad in BAD_DAYS:
        assert client.get("/field/", {"day": bad}).status_code == 404, bad
        assert client.get("/field/facilities/", {"day": bad}).status_code == 404, bad
    assert client.get("/field/", {"day": "2026-12-01"}).status_code == 200


@pytest.mark.django_db
def test_filter_forms_refuse_a_malformed_or_far_day_with_a_message(admin_client):
    response = admin_client.get("/audit/", {"until": "9999-12-31"})
    assert response.status_code == 200 and "筛选条件有误，已忽略" in response.content.decode()
    response = admin_client.get("/hazards/rates/", {"start": "5.5e-304", "end": "2026-12-31"})
    assert response.status_code < 500 and "请按 年-月-日 填写日期" in response.content.decode()
    response = admin_client.get("/hazards/calls/recordings/", {"month": "2026-13"})
    assert response.status_code < 500 and "请按 年-月 填写月份" in response.content.decode()


@pytest.mark.django_db
def test_a_huge_id_posted_to_a_page_answers_404(admin_client):
    for data in ({"op": "limit", "hazard": "9" * 25}, {"op": "deliver", "notice": str(2**63)}):
        assert admin_client.post("/hazards/queue/", data).status_code == 404
    response = admin_client.post("/facilities/repairs/", {"op": "done", "repair": "9" * 25})
    assert response.status_code == 404


# ── the API's path and query parameters ─────────────────────────────────────────────────


def _operations():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation.get("parameters", [])


def _types(parameter: dict) -> set[tuple[str, str | None]]:
    schema = parameter.get("schema", {})
    options = schema.get("anyOf", [schema])
    return {(option.get("type"), option.get("format")) for option in options}


def _api_url(path: str, path_values: dict[str, object]) -> str:
    filled = re.sub(r"{(\w+)}", lambda m: str(path_values.get(m[1], 1)), path)
    return filled


def _refused(response, where: str, name: str) -> bool:
    if response.status_code != 422:
        return False
    errors = response.json()["extra"].get("errors", [])
    return any(list(error["loc"][:2]) == [where, name] for error in errors)


@pytest.mark.django_db
def test_every_api_path_parameter_refuses_huge_numbers(admin_client):
    wrong, tried = [], 0
    for path, method, parameters in _operations():
        for parameter in (p for p in parameters if p["in"] == "path"):
            for value in NUMBERS:
                url = _api_url(path, {parameter["name"]: value})
                response = admin_client.generic(method.upper(), url)
                tried += 1
                ok = _refused(response, "path", parameter["name"])
                if not ok:
                    wrong.append(f"{method.upper()} {url} -> {response.status_code}")
    assert tried > 100
    assert wrong == []


@pytest.mark.django_db
def test_every_api_integer_and_date_query_parameter_refuses_bad_values(admin_client):
    wrong, tried = [], 0
    for path, method, parameters in _operations():
        if "{" in path:
            continue
        for parameter in (p for p in parameters if p["in"] == "query"):
            types = _types(parameter)
            if ("string", "date") in types:
                values = BAD_DAYS
            elif any(kind == "integer" for kind, _ in types):
                values = [10**25, 2**63, -(10**25)]
            else:
                continue
            for value in values:
                response = admin_client.generic(
                    method.upper(), f"{path}?{parameter['name']}={value}"
                )
                tried += 1
                if not _refused(response, "query", parameter["name"]):
                    wrong.append(f"{path}?{parameter['name']}={value} -> {response.status_code}")
    assert tried > 100
    assert wrong == []


@pytest.mark.django_db
def test_a_day_given_as_a_number_is_refused(admin_client):
    for url in ("/api/v1/inspection/tasks", "/api/v1/facilities/tasks/day"):
        response = admin_client.get(url, {"day": "5.5e-304"})
        assert _refused(response, "query", "day"), url
        assert admin_client.get(url, {"day": "2026-12-01"}).status_code == 200
    response = admin_client.get("/api/v1/hazards/rates", {"start": "0", "end": "2026-12-31"})
    assert _refused(response, "query", "start")
    # in a body too: a JSON number is no day either
    for day in (5.5e-304, 0, "20261201"):
        response = admin_client.post(
            "/api/v1/facilities/tasks",
            {"facility_ids": [1], "assignee_id": 1, "day": day},
            content_type="application/json",
        )
        assert _refused(response, "body", "payload"), day
        assert any(error["loc"][-1] == "day" for error in response.json()["extra"]["errors"])


# ── the parsers themselves ──────────────────────────────────────────────────────────────


def test_the_parsers_take_only_the_one_spelling():
    assert [parse_id(raw) for raw in ("1", "007", str(MAX_ID))] == [1, 7, MAX_ID]
    assert [parse_id(raw) for raw in ("", "-1", "1e3", " 1", str(MAX_ID + 1), "9" * 20)] == [
        None
    ] * 6
    assert parse_day("2026-12-01") == dt.date(2026, 12, 1)
    assert [parse_day(raw) for raw in BAD_DAYS] == [None] * len(BAD_DAYS)
    assert parse_month("2026-12") == dt.date(2026, 12, 1)
    assert [parse_month(raw) for raw in ("2026-13", "202612", "2026-12-01", "9999-12")] == [
        None
    ] * 4
    converter = IdConverter()
    assert re.fullmatch(converter.regex, str(MAX_ID + 1))
    with pytest.raises(ValueError):
        converter.to_python(str(MAX_ID + 1))
