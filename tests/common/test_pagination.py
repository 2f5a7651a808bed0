"""Pages of lists too long to count (ruhu.common.pagination, decision 0032): exact up to a
cap, "N+" past it, the whole table's estimate marked as such, and every page still reachable."""

from __future__ import annotations

import pytest
from django.db import connection

from ruhu.common.pagination import ListPaginator, Total, list_total
from ruhu.premises.models import Household
from tests.factories import make_household


@pytest.fixture
def seven(org):
    for n in range(7):
        make_household(org.a, account_no=f"A{n:06d}", name=f"户{n}")
    return Household.objects.order_by("account_no")


def test_it_counts_a_list_within_the_cap_exactly(seven):
    total = list_total(seven.filter(branch__isnull=False), cap=7)
    assert total == Total(7, "exact") and str(total) == "7"
    pages = ListPaginator(seven.filter(branch__isnull=False), 3, cap=7)
    assert pages.num_pages == 3 and pages.get_page(1).pages_label == "3"
    assert [h.account_no for h in pages.get_page(3)] == ["A000006"]
    assert pages.get_page(99).number == 3  # as Django's: past the end is the last page


def test_it_counts_a_longer_list_as_at_least_the_cap(seven):
    filtered = seven.filter(branch__isnull=False)
    total = list_total(filtered, cap=3)
    assert total == Total(3, "at_least") and str(total) == "3+"
    assert not total.exact and not total.approximate


def test_it_pages_through_a_list_it_did_not_count_to_the_end(seven):
    pages = ListPaginator(seven.filter(branch__isnull=False), 2, cap=3)
    first = pages.get_page(1)
    assert first.pages_label == "2+"
    assert first.has_next() and not first.has_previous()
    last = pages.get_page(4)  # beyond what was counted: reached by jumping
    assert [h.account_no for h in last] == ["A000006"]
    assert not last.has_next() and last.has_previous() and last.previous_page_number() == 3
    assert last.pages_label == "4"  # the end, reached: now known
    assert pages.get_page(3).has_next() and pages.get_page(3).pages_label == "4+"
    beyond = pages.get_page(9)
    assert list(beyond) == [] and beyond.has_previous() and not beyond.has_next()
    assert pages.get_page("x").number == 1


def test_a_list_without_a_cap_is_counted_exactly(seven):
    pages = ListPaginator(seven, 2)
    assert pages.total == Total(7) and pages.num_pages == 4


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has no table estimate")
def test_the_whole_table_past_the_cap_is_at_least_the_cap_on_sqlite(seven):
    assert list_total(seven, cap=3) == Total(3, "at_least")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate")
def test_the_whole_table_past_the_cap_is_the_planners_estimate_marked_approximate(seven):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE premises_household")
    total = list_total(seven, cap=3)
    assert total.approximate and total.n == 7
    assert str(total) == "约 7"
    # a filtered list is never estimated: the table's size says nothing of it
    assert list_total(seven.filter(name__startswith="户"), cap=3) == Total(3, "at_least")


def test_a_list_sorted_after_fetch_is_counted_with_its_page_in_one_read(org, alice, seven):
    from django.test.utils import CaptureQueriesContext

    from ruhu.premises.selectors import HouseholdFilter, household_list

    found = household_list(acting_user=alice, filters=HouseholdFilter(q="王伟"))
    for household in seven[:5]:
        household.name = "王伟"
        household.save(update_fields=["name"])
    pages = ListPaginator(found, 2, cap=3)
    with CaptureQueriesContext(connection) as captured:
        page = pages.get_page(2)
    assert [h.account_no for h in page] == ["A000002", "A000003"]
    assert pages.total == Total(5)  # exact past the cap: its reading cost nothing more
    assert page.has_next() and pages.num_pages == 3
    assert len(captured) == 2  # the page's keys with the count, then its rows; no COUNT
    assert not any("COUNT(*) AS" in q["sql"] for q in captured.captured_queries)
    beyond = ListPaginator(found, 2, cap=3).get_page(9)  # empty: counted as other lists are
    assert list(beyond) == [] and beyond.has_previous() and beyond.paginator.total.n == 3


def test_an_estimate_is_shown_to_three_significant_digits():
    assert str(Total(1_999_954, "estimate")) == "约 2,000,000"
    assert str(Total(40_017, "estimate")) == "约 40,000"
    assert str(Total(1_234, "estimate")) == "约 1,230"
    assert str(Total(1_999_954)) == "1,999,954"
