"""The household list's pager when the list is longer than it counts (decision 0032): the
page says "N+", still pages to the end and jumps; the API says what its count means; the
home page's tile counts the same way."""

from __future__ import annotations

import pytest
from django.db import connection

from ruhu.common.pagination import Pages
from tests.conftest import login
from tests.factories import make_household


@pytest.fixture
def seven(org):
    return [make_household(org.a, account_no=f"A{n:06d}", name=f"户{n}") for n in range(7)]


@pytest.fixture
def short_pages(monkeypatch):
    monkeypatch.setattr("ruhu.premises.views.COUNT_CAP", 3)
    monkeypatch.setattr("ruhu.premises.views.HOUSEHOLDS_PER_PAGE", 2)


def test_it_shows_a_long_list_as_at_least_the_cap(client, bob, seven, short_pages):
    login(client, bob)
    page = client.get("/households/")
    html = page.content.decode()
    assert "3+ 户" in html and "第 1 / 2+ 页" in html
    assert 'rel="next"' in html and 'name="page"' in html  # next, and the jump form
    assert [h.account_no for h in page.context["page"]] == ["A000000", "A000001"]


def test_it_reaches_the_pages_it_did_not_count(client, bob, seven, short_pages):
    login(client, bob)
    last = client.get("/households/", {"page": 4})
    assert [h.account_no for h in last.context["page"]] == ["A000006"]
    html = last.content.decode()
    assert 'rel="next"' not in html and 'rel="prev"' in html and 'rel="first"' in html
    beyond = client.get("/households/", {"page": 40}).content.decode()
    assert "没有符合条件的用户" in beyond and 'rel="first"' in beyond


def test_it_counts_a_short_list_exactly(client, bob, seven, monkeypatch):
    monkeypatch.setattr("ruhu.premises.views.HOUSEHOLDS_PER_PAGE", 2)
    login(client, bob)
    html = client.get("/households/").content.decode()
    assert "7 户" in html and "7+" not in html and "第 1 / 4 页" in html
    assert 'max="4"' in html  # the jump knows the last page


def test_the_api_says_what_its_count_means(client, bob, seven, monkeypatch):
    login(client, bob)
    exact = client.get("/api/v1/households", {"page_size": 5}).json()
    assert (exact["count"], exact["count_is"], exact["has_next"]) == (7, "exact", True)
    monkeypatch.setattr(Pages, "cap", 3)
    capped = client.get("/api/v1/households", {"page_size": 5, "page": 2}).json()
    assert (capped["count"], capped["count_is"], capped["has_next"]) == (3, "at_least", False)
    assert [item["account_no"] for item in capped["items"]] == ["A000005", "A000006"]
    found = client.post(
        "/api/v1/households/search", {"q": "户3"}, content_type="application/json"
    ).json()
    assert (found["count"], found["count_is"]) == (1, "exact")


def test_the_api_schema_documents_the_count():
    from ruhu.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    paged = schema["components"]["schemas"]["PagedHouseholdOut"]["properties"]
    assert "10,000" in paged["count"]["description"]
    assert paged["count_is"]["enum"] == ["exact", "at_least", "estimate"]


def test_the_home_page_counts_the_households_a_user_sees(client, bob, seven):
    login(client, bob)
    home = client.get("/")
    assert str(home.context["household_count"]) == "7"
    assert 'data-testid="tile-households">7<' in home.content.decode()


def test_it_says_the_same_in_english(client, bob, seven, short_pages):
    login(client, bob)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/households/", {"page": 3}).content.decode()
    assert "3+ customers" in html and "First" in html and ">Go<" in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate")
def test_head_office_sees_about_how_many_households_there_are(
    client, alice, seven, short_pages, monkeypatch
):
    from functools import partial

    from ruhu.common.pagination import list_total

    monkeypatch.setattr("ruhu.reports.views.list_total", partial(list_total, cap=3))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE premises_household")
    login(client, alice)
    html = client.get("/households/").content.decode()
    assert "约 7 户" in html and "估算值" in html  # marked as an estimate
    assert str(client.get("/").context["household_count"]) == "约 7"
