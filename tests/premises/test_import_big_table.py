"""The household import into a table that already holds other branches (decision 0030):
the row-by-row path keeps every refusal, and on PostgreSQL the blind indexes it writes
are hash indexes the phone and ID-number searches still read."""

from __future__ import annotations

import pytest
from django.db import connection

from ruhu.common.importing import chunks
from ruhu.premises.importing import store
from ruhu.premises.models import Household
from ruhu.premises.selectors import HouseholdFilter, household_list
from ruhu.premises.services import household_import
from tests.premises.test_import import write_csv
from tests.premises.test_import_pipeline import many_rows

POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="hash indexes and GIN lists are PostgreSQL's"
)


def test_it_refuses_another_branchs_account_and_a_repeat_in_a_big_table(org, tmp_path, monkeypatch):
    household_import(
        acting_user=None, path=write_csv(tmp_path / "a.csv", many_rows(40)), branch=org.a
    )
    took: list[tuple[bool, list]] = []
    real_finish = store.Writer.finish

    def finish(writer):
        took.append((writer.careful, list(writer.remade)))
        real_finish(writer)

    monkeypatch.setattr(store.Writer, "finish", finish)
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 1024)  # the repeat in a later chunk
    data = many_rows(30, start=1000)
    data.append(many_rows(1, start=7)[0])  # line 32: branch A's account
    data.append(data[2])  # line 33: line 4 again
    result = household_import(
        acting_user=None, path=write_csv(tmp_path / "b.csv", data), branch=org.b, mode="valid"
    )
    reasons = {error.line: error.reason for error in result.errors if error.column == "account_no"}
    assert len(result.errors) == 2 and set(reasons) == {32, 33}
    assert "其他分公司" in reasons[32] and "与第 4 行重复" in reasons[33]
    assert (result.inserted, result.updated, result.unchanged) == (30, 0, 0)
    # the branch had no households: no look-ups, and its first conflict sent it the careful
    # way, with the indexes kept (no bulk mode)
    assert took == [(True, [])]
    assert Household.objects.filter(branch=org.b).count() == 30
    assert Household.objects.get(account_no="B000007").branch_id == org.a.id


def test_a_new_branch_in_a_big_table_goes_in_without_look_ups(org, tmp_path, monkeypatch):
    household_import(
        acting_user=None, path=write_csv(tmp_path / "a.csv", many_rows(40)), branch=org.a
    )

    def no_look_up(writer, accounts):
        raise AssertionError("a branch without households looked its accounts up")

    monkeypatch.setattr(store.Writer, "_existing", no_look_up)
    result = household_import(
        acting_user=None, path=write_csv(tmp_path / "b.csv", many_rows(30, start=1000)),
        branch=org.b,
    )  # fmt: skip
    assert (result.inserted, result.rejected) == (30, 0)
    monkeypatch.undo()
    again = household_import(
        acting_user=None, path=write_csv(tmp_path / "b.csv", many_rows(30, start=1000)),
        branch=org.b,
    )  # fmt: skip
    assert (again.inserted, again.unchanged) == (0, 30)


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@POSTGRES_ONLY
def test_phone_and_id_number_searches_read_the_hash_indexes(org, alice, tmp_path):
    household_import(
        acting_user=None, path=write_csv(tmp_path / "a.csv", many_rows(5)), branch=org.a
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'premises_household' "
            "AND indexname LIKE '%%bidx'"
        )
        definitions = dict(cursor.fetchall())
    assert set(definitions) == {"household_phone_bidx", "household_id_number_bidx"}
    assert all("USING hash" in text and "<> ''" in text for text in definitions.values())
    for term, index in (("13812345678", "household_phone_bidx"),
                        ("110101199003071233", "household_id_number_bidx")):  # fmt: skip
        queryset = household_list(acting_user=alice, filters=HouseholdFilter(q=term))
        plan = _plan(queryset)
        assert f"Bitmap Index Scan on {index}" in plan, plan


def _pending_pages_merged() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('household_address_trgm'::regclass)")
        return cursor.fetchone()[0]


@POSTGRES_ONLY
def test_it_leaves_no_address_entries_pending_after_an_import(org, tmp_path):
    household_import(
        acting_user=None, path=write_csv(tmp_path / "a.csv", many_rows(30)), branch=org.a
    )
    assert _pending_pages_merged() == 0
    Household.objects.filter(branch=org.a).update(address="西湖区文三路90号")
    assert _pending_pages_merged() > 0  # an ordinary write leaves them for vacuum
