"""Pages of a list — HTML pages and API alike — without an exact count of a huge list.

An exact COUNT reads every row of the list: at ten million households the head office's
whole list took 3.8 s to count, a flag's list (vulnerable) 4.9 s, for a figure no one reads
to the last digit. So a list is counted exactly up to `COUNT_CAP` rows (a COUNT over the
list cut at COUNT_CAP + 1, which stops reading there); a longer one is "at least" that many
("10,000+"), or — when it is the whole table, no filter at all — about the planner's own
estimate of the table's rows (`pg_class.reltuples` scaled to the table's present size), marked
as approximate. Whether there is a next page is known by reading one row past the page, so a
list too long to count still pages through to its end and can be jumped into (decision 0032).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Count, QuerySet, Window
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000  # so an absurd page number cannot overflow the database's offset
COUNT_CAP = 10_000

CountIs = Literal["exact", "at_least", "estimate"]


@dataclass(frozen=True)
class Total:
    """How many rows a list has, and how sure that figure is."""

    n: int
    kind: CountIs = "exact"

    @property
    def exact(self) -> bool:
        return self.kind == "exact"

    @property
    def approximate(self) -> bool:
        return self.kind == "estimate"

    def __str__(self) -> str:
        if self.kind == "at_least":
            return f"{self.n:,}+"
        if self.kind == "estimate":  # three significant digits: an estimate, not a count
            return _("约 %(n)s") % {"n": f"{round(self.n, 3 - len(str(self.n))):,}"}
        return f"{self.n:,}"


def list_total(rows, *, cap: int | None = COUNT_CAP) -> Total:
    """The list's count: exact up to `cap` (all of it without one), beyond it an estimate of
    the whole table or "at least cap". A list that is not a queryset is counted by length."""
    if not isinstance(rows, QuerySet):
        return Total(len(rows))
    if cap is None:
        return Total(rows.count())
    found = rows.order_by().values("pk")[: cap + 1].count()
    if found <= cap:
        return Total(found)
    estimate = _table_estimate(rows) if not rows.query.where else None
    if estimate is not None and estimate > cap:
        return Total(estimate, "estimate")
    return Total(cap, "at_least")


def _table_estimate(rows: QuerySet) -> int | None:
    """The planner's estimate of the table's rows, scaled as the planner scales it: rows per
    page at the last VACUUM or ANALYZE times the pages the table has now. PostgreSQL only;
    None where there is none (another engine, a table never analysed)."""
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN reltuples < 0 OR relpages = 0 THEN NULL ELSE (reltuples / relpages"
            " * (pg_relation_size(oid) / current_setting('block_size')::int))::bigint END"
            " FROM pg_class WHERE oid = %s::regclass",
            [rows.model._meta.db_table],
        )
        found = cursor.fetchone()
    return found[0] if found else None


SORT_KEY = "list_sort_key"


def sort_after_fetch(rows: QuerySet, expression) -> QuerySet:
    """`rows` ordered by `expression`, one no index gives: the list's matches are all read,
    then sorted (a search, premises.selectors), and `page_rows` reads them once."""
    return rows.alias(**{SORT_KEY: expression}).order_by(SORT_KEY)


def sorted_after_fetch(rows) -> bool:
    return isinstance(rows, QuerySet) and SORT_KEY in rows.query.order_by


MATCHES = "list_matches"


def page_rows(rows, start: int, stop: int) -> tuple[list, Total | None]:
    """The rows [start, stop) of the list, and its total when reading them told it.

    A list sorted after fetch reads and sorts all its matches for any page; so its page's
    keys are taken with the count of matches in the same pass (COUNT(*) OVER (), exact at
    no further reading) and sorting narrow (key, order) rows, then the page's rows by key:
    one pass over the matches instead of two, and no sort of whole rows (decision 0032)."""
    if not sorted_after_fetch(rows):
        return list(rows[start:stop]), None
    counted = rows.annotate(**{MATCHES: Window(Count("*"))})
    keys = list(counted.values_list("pk", MATCHES)[start:stop])
    if not keys:
        return [], None
    found = rows.order_by().filter(pk__in=[pk for pk, _ in keys]).in_bulk()
    return [found[pk] for pk, _ in keys], Total(keys[0][1])


class ListPage(Page):
    """A page of a `ListPaginator`: when the list's total is not exact, whether a next page
    exists is known from the row read past this page's end."""

    has_more = False

    def has_next(self) -> bool:
        if self.paginator.total.exact:
            return super().has_next()
        return self.has_more

    @property
    def pages_label(self) -> str:
        """The page count as the pager shows it: "200"; past the count "201+" (at least the
        page after this one) or "约 200,000"; on the last page reached, its number."""
        total = self.paginator.total
        if total.exact:
            return str(self.paginator.num_pages)
        if self.object_list and not self.has_more:
            return f"{self.number:,}"
        return str(Total(max(self.paginator.num_pages, self.number + 1), total.kind))


class ListPaginator(Paginator):
    """Django's paginator over `list_total`: an exact list pages as before; a longer one
    reads each page with one row more and lets any page number up to MAX_PAGE be asked for
    (past the end: an empty page that links back). Without a `cap`, every count is exact:
    for lists whose templates still print the bare `count`."""

    def __init__(self, object_list, per_page: int, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def total(self) -> Total:
        return list_total(self.object_list, cap=self.cap)

    @cached_property
    def count(self) -> int:
        return self.total.n

    @cached_property
    def num_pages(self) -> int:
        if self.total.exact:
            return super().num_pages
        return math.ceil(self.total.n / self.per_page)

    def validate_number(self, number) -> int:
        if self.total.exact:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(_("页码不是整数")) from exc
        if not 1 <= number <= MAX_PAGE:
            raise EmptyPage(_("没有这一页"))
        return number

    def page(self, number) -> Page:
        if "total" not in self.__dict__ and sorted_after_fetch(self.object_list):
            found = self._page_counting_matches(number)
            if found is not None:
                return found
        if self.total.exact:
            return super().page(number)
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        rows = list(self.object_list[start : start + self.per_page + 1])
        page = self._get_page(rows[: self.per_page], number, self)
        page.has_more = len(rows) > self.per_page
        return page

    def _page_counting_matches(self, number) -> Page | None:
        """The page and the list's exact total from one read (`page_rows`); None when the
        page is empty, so the count tells how far the list goes."""
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            number = 1
        start = (min(number, MAX_PAGE) - 1) * self.per_page
        rows, total = page_rows(self.object_list, start, start + self.per_page)
        if total is None:
            return None
        self.total = total
        return self._get_page(rows, min(number, MAX_PAGE), self)

    def get_page(self, number) -> Page:
        if "total" not in self.__dict__ and sorted_after_fetch(self.object_list):
            found = self._page_counting_matches(number)
            if found is not None:
                return found
        if self.total.exact:
            return super().get_page(number)
        try:
            return self.page(number)
        except (PageNotAnInteger, EmptyPage):
            return self.page(1)

    def _get_page(self, *args, **kwargs) -> ListPage:
        return ListPage(*args, **kwargs)


# ── the API ───────────────────────────────────────────────────────────────────────

COUNT_MEANS = (
    f"How many items the list has: exact up to {COUNT_CAP:,}; beyond that either at least "
    f"{COUNT_CAP:,} (`count_is` = `at_least`, `count` = {COUNT_CAP:,}) or, for an unfiltered "
    "list of a large table, the database's estimate of its rows (`count_is` = `estimate`). "
    "Page on while `has_next` is true."
)


class Pages(PageNumberPagination):
    """API page numbers, counted as the pages count (`list_total`): see `count_is`."""

    cap = COUNT_CAP

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=200)

    class Output(Schema):
        items: list[Any]
        count: int = Field(description=COUNT_MEANS)
        count_is: CountIs = Field(
            description="`exact`, `at_least` (more than `count`) or `estimate` (about `count`)"
        )
        has_next: bool = Field(description="Whether a page follows this one.")

    def __init__(self, page_size: int = 50, **kwargs):
        super().__init__(page_size=page_size, max_page_size=200, **kwargs)

    def paginate_queryset(self, queryset, pagination: Input, request, **params) -> dict:
        size = self._get_page_size(pagination.page_size)
        start = (pagination.page - 1) * size
        rows, total = page_rows(queryset, start, start + size + 1)
        total = total or list_total(queryset, cap=self.cap)
        return {
            self.items_attribute: rows[:size],
            "count": total.n,
            "count_is": total.kind,
            "has_next": len(rows) > size,
        }
