"""List pages and endpoints use a constant number of queries, however many rows there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruhu.accounts.roles import Role
from ruhu.premises.services import household_create
from tests.conftest import login, make_user


def add_households(org, start: int, count: int) -> None:
    for n in range(start, start + count):
        household_create(
            acting_user=None,
            branch=org.a if n % 2 else org.b,
            account_no=f"Q{n:06d}",
            name=f"户{n}",
            category="residential",
            phone=f"139{n:08d}",
            address=f"测试小区{n}号",
        )


def add_staff(org, start: int, count: int) -> None:
    for n in range(start, start + count):
        make_user(
            f"staff{n:03d}",
            Role.INSPECTOR if n % 3 else Role.REVIEWER,
            org.team_a if n % 2 else org.b,
            badge_no=f"S-{n:03d}",
            phone=f"137{n:08d}",
        )


def queries(client, url: str) -> int:
    client.get(url)  # warm per-process caches (policy values, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/households/",
        "/api/v1/households",
        "/api/v1/households?category=residential",
    ],
)
def test_it_lists_households_in_constant_queries(client, alice, org, url):
    login(client, alice)
    add_households(org, 0, 5)
    few = queries(client, url)
    add_households(org, 5, 55)
    many = queries(client, url)
    assert many == few
    assert few <= 12


def test_it_searches_households_in_constant_queries(client, alice, org):
    login(client, alice)
    url = client.post("/households/", {"q": "测试小区"})["Location"]  # ?s=<handle>
    add_households(org, 0, 5)
    few = queries(client, url)
    add_households(org, 5, 55)
    assert queries(client, url) == few
    assert few <= 12


@pytest.mark.parametrize("url", ["/staff/", "/api/v1/staff"])
def test_it_lists_staff_in_constant_queries(client, alice, org, url):
    login(client, alice)
    add_staff(org, 0, 5)
    few = queries(client, url)
    add_staff(org, 5, 55)
    many = queries(client, url)
    assert many == few
    assert few <= 12


def test_it_pages_long_lists(client, alice, org):
    login(client, alice)
    add_households(org, 0, 60)
    first = client.get("/households/")
    assert len(first.context["page"].object_list) == 50
    assert client.get("/api/v1/households").json()["count"] == 60
    assert len(client.get("/api/v1/households").json()["items"]) == 50
    assert len(client.get("/api/v1/households?page=2").json()["items"]) == 10
