from __future__ import annotations

import datetime as dt

import pytest

from ruhu.common.errors import ValidationFailed
from ruhu.premises.models import Household, SupplyStatus
from ruhu.premises.rules import is_key_customer
from ruhu.premises.services import household_create, household_update


def test_it_stores_the_address_parts_and_flags(org):
    household = household_create(
        acting_user=None,
        branch=org.a,
        account_no="A9",
        name="赵敏",
        category="residential",
        district="东城区",
        community="翠苑小区",
        building="3幢",
        unit="2单元",
        room="1502",
        gas_since=dt.date(2010, 5, 1),
        vulnerable=True,
        last_inspected_on=dt.date(2025, 1, 9),
    )
    household.refresh_from_db()
    assert (household.community, household.building, household.room) == ("翠苑小区", "3幢", "1502")
    assert household.is_key_customer and household.supply_status == SupplyStatus.NORMAL


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, False),
        ({"vulnerable": True}, True),
        ({"group_rental": True}, True),
        ({"long_term_absent": True}, True),
        ({"supply_status": SupplyStatus.LIMITED}, True),
        ({"supply_status": SupplyStatus.SEALED}, True),
    ],
)
def test_it_derives_the_key_customer_flag(flags, expected):
    base = {
        "vulnerable": False,
        "group_rental": False,
        "long_term_absent": False,
        "supply_status": SupplyStatus.NORMAL,
    }
    assert is_key_customer(**{**base, **flags}) is expected


def test_it_rederives_the_key_customer_flag_on_update(household_a, alice):
    assert not household_a.is_key_customer
    household_update(acting_user=alice, household=household_a, group_rental=True)
    assert Household.objects.get(pk=household_a.pk).is_key_customer
    household_update(acting_user=alice, household=household_a, group_rental=False)
    assert not Household.objects.get(pk=household_a.pk).is_key_customer


def test_it_refuses_to_set_supply_status_or_the_derived_flag_directly(household_a, alice):
    for field, value in [("supply_status", "sealed"), ("is_key_customer", True)]:
        with pytest.raises(ValidationFailed):
            household_update(acting_user=alice, household=household_a, **{field: value})
    household_a.refresh_from_db()
    assert household_a.supply_status == SupplyStatus.NORMAL and not household_a.is_key_customer


def test_it_flags_appliances_past_their_service_life(client, bob, household_a):
    import time_machine

    from ruhu.premises.models import Appliance
    from tests.conftest import login

    household_a.meter_serial, household_a.meter_kind, household_a.meter_location = (
        "M-1",
        "ic",
        "indoor",
    )
    household_a.save()
    Appliance.objects.create(household=household_a, kind="stove", installed_year=2017)
    Appliance.objects.create(household=household_a, kind="water_heater", installed_year=2020)
    login(client, bob)
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)):
        page = client.get(f"/households/{household_a.pk}/").content.decode()
    assert page.count('data-testid="past-service-life"') == 1  # the 2017 stove, 9 years old
    assert "M-1" in page and "IC卡表" in page


def test_the_api_gives_a_households_meter_and_appliances(client, bob, household_a):
    import time_machine

    from ruhu.premises.models import Appliance
    from tests.conftest import login

    household_a.meter_serial, household_a.meter_kind = "M-9", "ic"
    household_a.meter_location = "outdoor"
    household_a.save()
    Appliance.objects.create(household=household_a, kind="stove", installed_year=2017)
    login(client, bob)
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)):
        body = client.get(f"/api/v1/households/{household_a.pk}").json()
    assert body["meter"]["serial"] == "M-9" and body["meter"]["location"] == "outdoor"
    assert [(a["kind"], a["past_service_life"]) for a in body["appliances"]] == [("stove", True)]
    listed = client.get("/api/v1/households").json()["items"][0]
    assert listed["meter"]["kind"] == "ic" and "appliances" not in listed
