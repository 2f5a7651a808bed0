"""The registry's filter (`selectors.FacilityFilter`): one filter per registry field, each
narrowing the scoped list on its own, the page reaching every one of them by its query
string, and the list's queries not growing with its rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

import pytest

from ruhu.accounts.roles import Role
from ruhu.common.errors import PermissionRefused
from ruhu.facilities.models import FacilityKind
from ruhu.facilities.selectors import FacilityFilter, facility_list
from tests.conftest import login, make_user
from tests.facilities.conftest import make_facility
from tests.facilities.test_office_pages import queries

D = dt.date


def _one(branch, code: str, assignee):
    """Differs from `_other` in every registry field."""
    return make_facility(
        branch, code, FacilityKind.REGULATOR_BOX, name="东门调压箱", location="解放路12号",
        community="望江小区", model="RX200", manufacturer="甲厂", assignee=assignee,
        latitude=Decimal("30.274100"), longitude=Decimal("120.155000"), flagged=True,
        installed_on=D(2020, 5, 1), safety_valve_valid_until=D(2027, 6, 30),
        registered_on=D(2025, 1, 5), last_checked_on=D(2026, 8, 27),
        last_cleaned_on=D(2026, 3, 1),
    )  # fmt: skip


def _other(branch, code: str):
    return make_facility(
        branch, code, FacilityKind.VALVE_WELL, name="北门阀井", location="建国路8号",
        community="翠苑小区", model="V100", manufacturer="乙厂", active=False,
        installed_on=D(2015, 1, 1), registered_on=D(2026, 1, 5),
        last_checked_on=D(2026, 10, 1),
    )  # fmt: skip


@pytest.fixture
def registry(org, charlie, dave):
    """Two facilities of branch A, and one of branch B like the first in every field."""
    _one(org.a, "TYX-A-ONE", charlie)
    _other(org.a, "FJ-A-TWO")
    _one(org.b, "TYX-B-ONE", dave)


ONE, OTHER = {"TYX-A-ONE"}, {"FJ-A-TWO"}

# each filter, a value, and which of branch A's two facilities it keeps
CASES = [
    ("q", "解放路", ONE),
    ("q", "tyx-a", ONE),  # the code, any case
    ("q", "北门", OTHER),  # the name
    ("kind", FacilityKind.VALVE_WELL, OTHER),
    ("code", "a-one", ONE),
    ("name", "东门", ONE),
    ("location", "建国", OTHER),
    ("community", "望江", ONE),
    ("model", "v1", OTHER),
    ("manufacturer", "甲", ONE),
    ("assignee_id", "charlie", ONE),
    ("branch_id", "a", ONE | OTHER),
    ("located", True, ONE),
    ("located", False, OTHER),
    ("flagged", True, ONE),
    ("flagged", False, OTHER),
    ("active", True, ONE),
    ("active", False, OTHER),
    ("installed_from", D(2020, 5, 1), ONE),  # both ends of a range are inclusive
    ("installed_to", D(2015, 1, 1), OTHER),
    ("valve_valid_from", D(2027, 1, 1), ONE),  # none registered: outside every range
    ("valve_valid_to", D(2027, 6, 30), ONE),
    ("registered_from", D(2026, 1, 5), OTHER),
    ("registered_to", D(2025, 12, 31), ONE),
    ("checked_from", D(2026, 9, 1), OTHER),
    ("checked_to", D(2026, 8, 27), ONE),
    ("cleaned_from", D(2026, 1, 1), ONE),
    ("cleaned_to", D(2026, 3, 1), ONE),
]


def _value(value, org, charlie):
    return (
        {"charlie": charlie.pk, "a": org.a.pk}.get(value, value)
        if isinstance(value, str)
        else value
    )


def _codes(user, **filters) -> set[str]:
    return set(
        facility_list(acting_user=user, filters=FacilityFilter(**filters)).values_list(
            "code", flat=True
        )
    )


def test_it_has_a_case_for_every_filter():
    assert {field.name for field in dataclasses.fields(FacilityFilter)} == {
        name for name, _, _ in CASES
    }


@pytest.mark.parametrize(("name", "value", "kept"), CASES, ids=[f"{c[0]}={c[1]}" for c in CASES])
def test_it_filters_by_each_field(registry, org, bob, charlie, name, value, kept):
    assert _codes(bob) == ONE | OTHER  # empty means any: retired ones too
    assert _codes(bob, **{name: _value(value, org, charlie)}) == kept


def test_it_combines_filters_and_takes_them_as_keywords(registry, bob):
    assert _codes(bob, kind=FacilityKind.REGULATOR_BOX, flagged=False) == set()
    listed = facility_list(acting_user=bob, community="望江", active=True)
    assert list(listed.values_list("code", flat=True)) == ["TYX-A-ONE"]


def test_it_keeps_the_list_to_the_users_branch(registry, org, bob, bella, alice):
    assert _codes(bob, branch_id=org.b.pk) == set()
    assert _codes(bob, code="ONE") == ONE
    assert _codes(bella) == {"TYX-B-ONE"}
    assert _codes(alice, code="ONE") == {"TYX-A-ONE", "TYX-B-ONE"}
    assert _codes(alice, code="ONE", branch_id=org.b.pk) == {"TYX-B-ONE"}


def test_it_refuses_a_role_without_facilities_and_shows_no_one_outside_a_branch(registry, org, eve):
    installer = make_user("ivan", Role.INSTALLER, org.team_a)
    with pytest.raises(PermissionRefused):
        facility_list(acting_user=installer)
    assert _codes(eve) == set()


# ── the registry page ───────────────────────────────────────────────────────────────


def listed(client, query: str) -> set[str]:
    page = client.get("/facilities/?" + query).content.decode()
    return set(re.findall(r'class="row-link"[^>]*>([^<]+)<', page))


def test_the_page_reaches_every_filter_by_its_query_string(client, registry, charlie, lena):
    login(client, lena)
    assert listed(client, "state=all") == ONE | OTHER
    assert listed(client, "") == ONE  # in use only, unless asked
    assert listed(client, "state=all&manufacturer=乙") == OTHER
    assert listed(client, "state=all&installed_to=2016-01-01") == OTHER
    assert listed(client, "state=all&checked_from=2026-09-01&model=V") == OTHER
    assert listed(client, f"state=all&assignee={charlie.pk}") == ONE
    assert listed(client, "state=all&located=0") == OTHER
    assert listed(client, "state=retired&code=one") == set()


def test_a_bad_filter_filters_by_nothing_and_the_others_still_apply(client, registry, lena):
    login(client, lena)
    assert listed(client, "state=all&kind=nonsense&community=望江") == ONE
    assert listed(client, "state=all&installed_from=someday&manufacturer=乙") == OTHER
    assert listed(client, f"state=all&assignee={10**25}&community=望江") == ONE


def test_the_more_filters_open_when_one_of_them_is_used(client, registry, lena):
    login(client, lena)
    closed = client.get("/facilities/?kind=valve_well").content.decode()
    assert re.search(r'<details class="more-filters fc-more">', closed)
    opened = client.get("/facilities/?manufacturer=甲").content.decode()
    assert re.search(r'<details class="more-filters fc-more" open>', opened)
    assert 'name="cleaned_to"' in opened and 'value="甲"' in opened


FILTERED = (
    "/facilities/?state=all&q=TYX&kind=regulator_box&community=望江&model=RX&manufacturer=甲"
    "&located=1&flagged=1&installed_from=2000-01-01&checked_to=2026-12-31&registered_to=2026-12-31"
)


def test_the_filtered_registry_does_not_grow_queries_per_row(
    client, clock, org, lena, charlie, django_assert_max_num_queries
):
    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            _one(org.a, f"TYX-F{n:03d}", charlie)

    login(client, lena)
    add(0, 2)
    few = queries(client, FILTERED)
    add(2, 30)
    assert queries(client, FILTERED) == few
    with django_assert_max_num_queries(12):
        assert len(listed(client, FILTERED.removeprefix("/facilities/?"))) == 32
