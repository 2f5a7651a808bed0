from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruhu.common.errors import ValidationFailed
from ruhu.common.workdays import add_months
from ruhu.premises.due import Cycles, due_by, due_status, latest_inspection_still_due
from ruhu.premises.models import Household
from ruhu.premises.services import household_update

TODAY = dt.date(2026, 11, 27)


def household(org, **fields) -> Household:
    values = {"branch": org.a, "account_no": "X1", "name": "王伟", "category": "residential"}
    return Household(**(values | fields), created_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("fields", "due_on"),
    [
        ({"last_inspected_on": dt.date(2025, 3, 31)}, dt.date(2027, 3, 31)),
        ({"category": "commercial", "last_inspected_on": dt.date(2025, 3, 31)},
         dt.date(2026, 3, 31)),
        ({"category": "special", "last_inspected_on": dt.date(2026, 3, 31)},
         dt.date(2026, 9, 30)),
        ({"category": "special", "special_cycle_months": 3,
          "last_inspected_on": dt.date(2026, 3, 31)}, dt.date(2026, 6, 30)),
        ({"vulnerable": True, "last_inspected_on": dt.date(2025, 12, 1)}, dt.date(2026, 12, 1)),
        ({"vulnerable": True, "category": "special", "last_inspected_on": dt.date(2026, 6, 1)},
         dt.date(2026, 12, 1)),
        ({"first_conversion": True, "gas_since": dt.date(2026, 12, 3)}, dt.date(2026, 12, 3)),
        ({}, None),  # never inspected: due at once
    ],
)  # fmt: skip
def test_the_due_date_follows_the_category_the_flags_and_the_site(org, fields, due_on):
    status = due_status(household(org, **fields), Cycles.of_branch(org.a.pk), TODAY)
    assert status.due_on == due_on
    assert status.overdue == (due_on is None or due_on < TODAY)


def test_a_household_without_an_inspection_for_the_policys_months_is_long_absent(org):
    cycles = Cycles.of_branch(org.a.pk)
    assert due_status(
        household(org, last_inspected_on=dt.date(2024, 11, 27)), cycles, TODAY
    ).long_absent
    assert not due_status(
        household(org, last_inspected_on=dt.date(2024, 11, 28)), cycles, TODAY
    ).long_absent


@given(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)), st.integers(1, 36))
def test_the_latest_inspection_still_due_is_exact_at_month_ends(on, months):
    latest = latest_inspection_still_due(on, months)
    assert add_months(latest, months) <= on < add_months(latest + dt.timedelta(days=1), months)


households = st.fixed_dictionaries(
    {
        "category": st.sampled_from(["residential", "commercial", "public_welfare", "special"]),
        "vulnerable": st.booleans(),
        "first_conversion": st.booleans(),
        "special_cycle_months": st.sampled_from([None, 3, 4, 6]),
        "last_inspected_on": st.one_of(
            st.none(), st.dates(dt.date(2023, 1, 1), dt.date(2026, 11, 27))
        ),
        "gas_since": st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2027, 1, 31))),
    }
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(households, min_size=1, max_size=25),
    st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)),
)
def test_the_sql_selection_of_due_households_agrees_with_each_households_due_date(org, rows, on):
    Household.objects.all().delete()
    for row in rows:
        if row["category"] != "special":
            row["special_cycle_months"] = None
    made = Household.objects.bulk_create(
        household(org, account_no=f"H{n}", **row) for n, row in enumerate(rows)
    )
    cycles = Cycles.of_branch(org.a.pk)
    expected = {
        h.account_no for h in made if (due := due_status(h, cycles, on).due_on) is None or due <= on
    }
    selected = set(
        Household.objects.filter(due_by(org.a.pk, on, cycles)).values_list("account_no", flat=True)
    )
    assert selected == expected


def test_a_site_cycle_is_for_special_sites_within_the_policy_bounds(org, household_a):
    for category, months, code in [("residential", 3, "special_cycle_category"),
                                   ("special", 2, "special_cycle_range"),
                                   ("special", 7, "special_cycle_range")]:  # fmt: skip
        with pytest.raises(ValidationFailed) as caught:
            household_update(acting_user=None, household=household_a, category=category,
                             special_cycle_months=months)  # fmt: skip
        assert caught.value.code == code
    household_a.refresh_from_db()
    assert household_a.special_cycle_months is None and household_a.category == "residential"
    household_update(
        acting_user=None, household=household_a, category="special", special_cycle_months=4
    )
    household_a.refresh_from_db()
    assert household_a.special_cycle_months == 4
