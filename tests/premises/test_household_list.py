from __future__ import annotations

import datetime as dt

import time_machine

from ruhu.common.policy import policy_set
from ruhu.premises.selectors import HouseholdFilter, household_list
from ruhu.premises.services import household_create
from tests.conftest import login

TODAY = dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC)


def make(org, account_no, *, branch=None, category="residential", months_ago=None, **extra):
    inspected = None
    if months_ago is not None:
        inspected = dt.date(2026, 11, 27) - dt.timedelta(days=int(months_ago * 30.5))
    return household_create(
        acting_user=None,
        branch=branch or org.a,
        account_no=account_no,
        name=account_no,
        category=category,
        last_inspected_on=inspected,
        **extra,
    )


def accounts(user, **filters):
    return set(
        household_list(acting_user=user, filters=HouseholdFilter(**filters)).values_list(
            "account_no", flat=True
        )
    )


@time_machine.travel(TODAY, tick=False)
def test_it_finds_overdue_households_by_their_category_cycle(org, alice):
    make(org, "R25", months_ago=25)
    make(org, "R23", months_ago=23)
    make(org, "C13", category="commercial", months_ago=13)
    make(org, "C11", category="commercial", months_ago=11)
    make(org, "V13", months_ago=13, vulnerable=True)
    make(org, "NEVER")
    assert accounts(alice, overdue=True) == {"R25", "C13", "V13", "NEVER"}
    assert accounts(alice, overdue=False) == {"R23", "C11"}


@time_machine.travel(TODAY, tick=False)
def test_it_uses_the_branch_cycle_for_overdue(org, alice):
    policy_set(
        acting_user=alice,
        key="inspection.cycle_months.residential",
        value=36,
        effective_from=dt.date(2020, 1, 1),
        branch=org.b,
    )
    make(org, "A25", months_ago=25)
    make(org, "B25", branch=org.b, months_ago=25)
    assert accounts(alice, overdue=True) == {"A25"}


def test_it_filters_by_flags_community_category_and_supply(org, alice):
    make(org, "V", vulnerable=True, community="翠苑")
    make(org, "G", group_rental=True, community="翠苑")
    make(org, "P", category="public_welfare", first_conversion=True)
    assert accounts(alice, vulnerable=True) == {"V"}
    assert accounts(alice, key_customer=True) == {"V", "G"}
    assert accounts(alice, community="翠苑") == {"V", "G"}
    assert accounts(alice, category="public_welfare", first_conversion=True) == {"P"}
    assert accounts(alice, supply_status="sealed") == set()


def test_it_searches_by_account_phone_id_and_address(org, alice, household_a):
    assert accounts(alice, q="A000001") == {"A000001"}
    assert accounts(alice, q="139 1234 5678") == {"A000001"}
    assert accounts(alice, q="110101198001011232") == {"A000001"}
    assert accounts(alice, q="翠苑小区1幢") == {"A000001"}
    assert accounts(alice, q="1391234") == set()  # phone search is exact, not partial


def test_the_page_and_the_api_filter_alike(client, bob, org, household_a):
    make(org, "VUL", vulnerable=True)
    login(client, bob)
    page = client.get("/households/", {"vulnerable": "1"})
    assert [h.account_no for h in page.context["page"]] == ["VUL"]
    api = client.get("/api/v1/households", {"vulnerable": "true"}).json()
    assert [item["account_no"] for item in api["items"]] == ["VUL"]
    assert api["items"][0]["is_key_customer"] is True


def test_the_api_refuses_an_unknown_category(client, bob):
    login(client, bob)
    response = client.get("/api/v1/households", {"category": "villa"})
    assert response.status_code == 422
