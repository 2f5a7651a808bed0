"""Search terms never travel in a URL: pages POST them and get an opaque handle, the API takes
them in a POST body (DESIGN rule 5)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.template.loader import get_template

from ruhu.accounts.roles import Role
from ruhu.common.policy import policy_set
from ruhu.common.search import KEEP_AT_MOST, SESSION_KEY
from ruhu.premises.services import household_create
from tests.conftest import login, make_user

PHONE_A, ID_A = "13912345678", "110101198001011232"
NOW = dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def listed(response) -> list[str]:
    return [h.account_no for h in response.context["page"].object_list]


def test_it_swaps_a_posted_phone_for_a_handle_and_finds_the_household(client, bob, household_a):
    login(client, bob)
    response = client.post("/households/", {"q": PHONE_A, "category": "residential"})
    assert response.status_code == 303
    location = response["Location"]
    assert PHONE_A not in location and "q=" not in location
    assert set(query_of(location)) == {"s", "category"}
    page = client.get(location)
    assert listed(page) == ["A000001"]
    assert page.context["form"]["q"].value() == PHONE_A  # the box still shows what was typed


def test_it_keeps_the_handle_and_filters_in_the_pager_links(client, alice, org):
    for n in range(60):
        household_create(
            acting_user=None,
            branch=org.a,
            account_no=f"P{n:03d}",
            name="同名",
            category="residential",
        )
    login(client, alice)
    location = client.post("/households/", {"q": "同名", "category": "residential"})["Location"]
    first = client.get(location)
    assert first.context["page"].paginator.count == 60
    html = first.content.decode()
    assert 'rel="next"' in html and "q=" not in html.split('class="pager"')[1]
    second = client.get(location + "&page=2")
    assert len(second.context["page"].object_list) == 10


def test_it_turns_an_old_query_link_into_a_handle(client, bob, household_a):
    login(client, bob)
    response = client.get("/households/", {"q": ID_A, "page": "2"})
    assert response.status_code == 303
    assert ID_A not in response["Location"] and set(query_of(response["Location"])) == {"s"}
    assert listed(client.get(response["Location"])) == ["A000001"]


def test_an_empty_term_leaves_no_handle(client, bob, household_a):
    login(client, bob)
    response = client.post("/households/", {"q": "  ", "vulnerable": "1", "category": ""})
    assert response["Location"] == "/households/?vulnerable=1"


def test_it_keeps_the_term_encrypted_in_the_session(client, bob, household_a):
    login(client, bob)
    client.post("/households/", {"q": PHONE_A})
    session = Session.objects.get()
    assert PHONE_A not in session.session_data
    kept = session.get_decoded()[SESSION_KEY]
    assert len(kept) == 1 and PHONE_A not in str(kept)


def test_a_handle_is_worthless_in_another_session(client, bob, household_a):
    from django.test import Client

    login(client, bob)
    location = client.post("/households/", {"q": PHONE_A})["Location"]
    other = Client()
    login(other, bob)
    response = other.get(location)
    assert response.status_code == 302 and "s=" not in response["Location"]
    page = other.get(response["Location"])
    assert "查找已过期" in page.content.decode()


def test_a_handle_expires_after_the_policy_minutes(client, alice, bob, household_a):
    policy_set(
        acting_user=alice,
        key="privacy.search_handle_minutes",
        value=5,
        effective_from=dt.date(2000, 1, 2),
    )
    with time_machine.travel(NOW, tick=False) as clock:
        login(client, bob)
        location = client.post("/households/", {"q": PHONE_A, "vulnerable": "0"})["Location"]
        clock.shift(dt.timedelta(minutes=4))
        assert client.get(location).status_code == 200
        clock.shift(dt.timedelta(minutes=2))
        expired = client.get(location + "&page=3")
    assert expired.status_code == 302
    assert expired["Location"] == "/households/?vulnerable=0"


def test_a_session_keeps_only_its_newest_handles(client, bob, household_a):
    login(client, bob)
    first = client.post("/households/", {"q": "甲"})["Location"]
    for n in range(KEEP_AT_MOST):
        client.post("/households/", {"q": f"查找{n}"})
    assert len(client.session[SESSION_KEY]) == KEEP_AT_MOST
    assert client.get(first).status_code == 302  # the oldest went first


def test_htmx_gets_the_rows_at_the_handle_url(client, bob, household_a, household_b):
    login(client, bob)
    response = client.post("/households/", {"q": PHONE_A}, HTTP_HX_REQUEST="true", follow=True)
    assert response.redirect_chain[0][1] == 303
    assert response.templates[0].name == "premises/partials/household_rows.html"
    assert listed(response) == ["A000001"]


def test_the_staff_directory_searches_by_phone_through_a_handle(client, alice, bob, charlie):
    login(client, alice)
    response = client.post("/staff/", {"q": "13812348000", "role": "manager"})
    assert response.status_code == 303
    assert "13812348000" not in response["Location"]
    assert set(query_of(response["Location"])) == {"s", "role"}
    page = client.get(response["Location"])
    assert [u.username for u in page.context["page"].object_list] == ["bob"]
    assert page.context["q"] == "13812348000"


def test_the_search_pages_refuse_other_methods(client, bob):
    login(client, bob)
    assert client.put("/households/").status_code == 405
    assert client.delete("/staff/").status_code == 405


@pytest.mark.parametrize(
    "template",
    [
        "premises/household_list.html",
        "accounts/staff_list.html",
        "reports/home_field.html",
        "reports/home_front_desk.html",
    ],
)
def test_every_search_box_that_takes_a_phone_posts_it(template):
    source = get_template(template).template.source
    search_form = source[: source.index('name="q"')].rsplit("<form", 1)[1]
    assert 'method="post"' in search_form and "{% csrf_token %}" in search_form
    assert "hx-get" not in search_form


def test_the_api_searches_households_in_the_body(client, alice, household_a, household_b):
    login(client, alice)
    response = client.post(
        "/api/v1/households/search?page_size=1",
        {"q": ID_A, "category": "residential"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert [row["account_no"] for row in response.json()["items"]] == ["A000001"]
    none = client.post(
        "/api/v1/households/search", {"q": ID_A, "category": "commercial"}, "application/json"
    )
    assert none.json() == {"items": [], "count": 0, "count_is": "exact", "has_next": False}


def test_the_api_refuses_a_term_in_the_url_and_points_to_the_search(client, alice, household_a):
    login(client, alice)
    response = client.get("/api/v1/households", {"q": PHONE_A})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "search_term_in_url"
    assert body["extra"] == {"search": "/api/v1/households/search"}
    assert PHONE_A not in str(body)
    staff = client.get("/api/v1/staff", {"q": "bob"})
    assert staff.status_code == 422
    assert staff.json()["extra"] == {"search": "/api/v1/staff/search"}


def test_the_api_searches_staff_in_the_body(client, alice, bob, bella, charlie, org):
    login(client, alice)
    found = client.post(
        "/api/v1/staff/search", {"q": "13812348000"}, content_type="application/json"
    ).json()
    assert [row["username"] for row in found["items"]] == ["bob"]
    in_b = client.post(
        "/api/v1/staff/search", {"branch": org.b.pk, "role": "manager"}, "application/json"
    ).json()
    assert [row["username"] for row in in_b["items"]] == ["bella"]


def test_the_api_search_stays_in_scope_and_needs_the_capability(
    client, org, bob, charlie, household_b
):
    login(client, bob)
    search = "/api/v1/households/search"
    assert client.post(search, {"q": "B000001"}, "application/json").json()["count"] == 0
    client.logout()
    login(client, make_user("rita", Role.RECEPTION, org.a))
    assert client.post(search, {"q": "B000001"}, "application/json").status_code == 403
    client.logout()
    login(client, charlie)
    assert client.post("/api/v1/staff/search", {}, "application/json").status_code == 403


def test_the_api_refuses_an_overlong_term(client, alice):
    login(client, alice)
    response = client.post(
        "/api/v1/households/search", {"q": "1" * 101}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
