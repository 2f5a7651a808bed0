"""The household search at scale (decision 0028): narrow lists keep their account order
while sorted after their matches are fetched, and each search term has an index the
database's planner can take for the SQL Django writes."""

from __future__ import annotations

import pytest
from django.db import connection

from ruhu.premises.selectors import HouseholdFilter, household_list
from ruhu.premises.services import household_create


def make(org, account_no, **extra):
    fields = {"name": "王芳", "category": "residential", "community": "翠苑"} | extra
    return household_create(acting_user=None, branch=org.a, account_no=account_no, **fields)


def listed(user, **filters):
    qs = household_list(acting_user=user, filters=HouseholdFilter(**filters))
    return list(qs.values_list("account_no", flat=True))


def test_narrow_lists_come_in_account_order(org, alice):
    for account in ("C3", "A1", "B2"):
        make(org, account, address=f"西湖区翠苑小区{account}室")
    make(org, "D4", name="李雷", community="其他", address="别处")
    assert listed(alice, q="王芳") == ["A1", "B2", "C3"]
    assert listed(alice, q="翠苑小区") == ["A1", "B2", "C3"]
    assert listed(alice, community="翠苑") == ["A1", "B2", "C3"]
    assert listed(alice) == ["A1", "B2", "C3", "D4"]


def test_an_address_fragment_counts_from_three_characters(org, alice):
    make(org, "A1", name="王芳", address="西湖区翠苑小区1幢王芳路")
    make(org, "B2", name="李雷", address="西湖区王芳路2号")
    assert listed(alice, q="王芳") == ["A1"]  # the name, exactly: too short for a fragment
    assert listed(alice, q="王芳路") == ["A1", "B2"]


def _plan(sql: str, params, *, bitmaps_only: bool = False) -> str:
    """The plan with sequential scans off (a test table is too small to judge by cost);
    with `bitmaps_only` plain index scans too, so the plan shows whether every term of the
    search's OR has an index of its own to read (a BitmapOr over them)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if bitmaps_only:
            cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
@pytest.mark.django_db
def test_every_search_term_reads_an_index_on_postgresql(org, alice):
    make(org, "A1", address="西湖区翠苑小区1幢1单元101室")
    qs = household_list(acting_user=alice, filters=HouseholdFilter(q="翠苑小区1幢"))
    plan = _plan(*qs.query.sql_with_params(), bitmaps_only=True)
    assert "BitmapOr" in plan, plan
    # name and community with the branch second (decision 0032): head office reads them too
    for index in ("household_name_branch", "household_community_branch", "household_address_trgm"):
        assert f"Bitmap Index Scan on {index}" in plan, plan
    walk = _plan(*qs.query.sql_with_params())
    assert "Index Scan using household_account_no_unique" not in walk, walk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's plan")
@pytest.mark.django_db
def test_a_branch_list_starts_at_the_branch_first_account_on_postgresql(org, bob):
    make(org, "A1")
    qs = household_list(acting_user=bob, filters=HouseholdFilter(vulnerable=False))
    plan = _plan(*qs[:50].query.sql_with_params())
    assert "household_branch_account" in plan, plan  # the probe of the branch's first account
