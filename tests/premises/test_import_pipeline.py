"""The household import's machinery: chunks, column checks, workers, repeats, bulk mode."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from ruhu.common.importing import chunks
from ruhu.common.importing.jobs import import_progress_key
from ruhu.common.models import AuditEvent, ImportJob
from ruhu.premises.importing import rows, store
from ruhu.premises.importing.columns import check_batch
from ruhu.premises.models import Household
from ruhu.premises.selectors import import_job_get
from ruhu.premises.services import household_import
from tests.premises.test_import import GOOD, HEADER, write_csv

TODAY = dt.date(2026, 11, 27)
POSITIONS = {name: index for index, name in enumerate(HEADER)}


def numbered(text: str) -> list[tuple[int, list[str]]]:
    return list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("tail", ["\n", ""])
def test_it_cuts_a_file_into_whole_records_with_their_line_numbers(
    tmp_path, monkeypatch, encoding, tail
):
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 64)
    text = (
        "account_no,name,address\n"
        'A1,王伟,"翠苑小区\n1幢, 101"\n'
        'A2,"李""娜""",和平街\n'
        "\n"
        "A3,张强,一行很长的地址" + "很长" * 40 + "\n"
        'A4,赵敏,"引号里的,逗号"' + tail
    )
    path = tmp_path / "h.csv"
    path.write_bytes(text.encode(encoding))
    header, parts = chunks.file_chunks(path)
    got = []
    for chunk in parts:
        records = list(
            csv.reader(
                io.StringIO(
                    chunk.data.decode("utf-8" if encoding == "utf-8-sig" else encoding), newline=""
                )
            )
        )
        assert chunks.records_in(chunk.data) == len(records)
        got += list(enumerate(records, start=chunk.first_line))
    expected = numbered(text)
    assert header == expected[0][1]
    assert got == expected[1:]


def row_strategy():
    maybe = st.one_of
    return st.fixed_dictionaries(
        {
            "account_no": maybe(st.just("A1"), st.just(""), st.just(" A2 "), st.text(max_size=40)),
            "name": maybe(st.just("王伟"), st.just(""), st.just("王\x00伟"), st.just("名" * 101)),
            "phone": maybe(
                st.from_regex(r"1[0-9]{10}", fullmatch=True),
                st.just(""),
                st.just("138 1234 5678"),
                st.just("+8613812345678"),
                st.just("12345"),
            ),
            "id_number": maybe(
                st.builds(
                    lambda area, day, serial: area + f"{day:%Y%m%d}{serial:03d}",
                    st.sampled_from(["110101", "330102", "999999"]),
                    st.dates(dt.date(1900, 1, 1), dt.date(2027, 12, 31)),
                    st.integers(0, 999),
                ).map(lambda body: body + rows.ric.calc_check_digit(body + "0")),
                st.from_regex(r"[0-9]{17}[0-9xX]", fullmatch=True),
                st.just(""),
            ),
            "category": st.sampled_from(["居民", "residential", "商业", " 公福 ", "", "别墅"]),
            "gas_since": maybe(
                st.dates(dt.date(1990, 1, 1), dt.date(2027, 3, 1)).map(str),
                st.sampled_from(["2024-02-29", "2023-02-29", "2024/3/5", "20240305", "", "x"]),
            ),
            "last_inspected_on": st.sampled_from(["2025-03-02", "", "2026-11-28", "2026-11-27"]),
            "vulnerable": st.sampled_from(["是", "否", "true", "", "TRUE", "maybe"]),
            "group_rental": st.sampled_from(["否", "false", "1"]),
            "meter_serial": st.sampled_from(["M1", ""]),
            "meter_type": st.sampled_from(["ic", "IC卡表", "", "gas"]),
            "meter_location": st.sampled_from(["indoor", "室外", ""]),
            "community": st.sampled_from(["翠苑小区", " 翠苑小区", "", "小" * 101]),
        }
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(row_strategy(), min_size=1, max_size=12))
def test_the_column_checks_agree_with_the_row_checks(batch):
    """The whole-column fast paths decide exactly what the per-value checks decide."""
    cells = [[values.get(name, "") for name in HEADER] for values in batch]
    lines = list(range(2, 2 + len(batch)))
    checked = check_batch(cells, lines, POSITIONS, TODAY)
    expected_errors, expected_clean = [], []
    for line, values in zip(lines, batch, strict=True):
        clean, errors = rows.normalise(values, line, TODAY)
        expected_errors += errors
        if not errors:
            expected_clean.append(clean)
    assert sorted(checked.errors, key=str) == sorted(expected_errors, key=str)
    assert checked.lines == [
        line for line in lines if line not in {e.line for e in expected_errors}
    ]
    for position, clean in enumerate(expected_clean):
        for name in ("account_no", "name", "phone", "id_number", "category", "community"):
            assert checked.columns[name][position] == clean[name]
        for name in ("gas_since", "last_inspected_on"):
            assert checked.columns[name][position] == (
                clean[name].isoformat() if clean[name] else ""
            )
        assert checked.columns["vulnerable"][position] == clean["vulnerable"]


def test_it_takes_29_february_only_in_leap_years(org, tmp_path):
    data = [
        [*GOOD[0][:14], "2024-02-29", "", "否", "否"],
        [*GOOD[1][:14], "2023-02-29", "", "否", "否"],
    ]
    data[0][3], data[1][3] = "110101200002290012", ""
    data[0][3] = data[0][3][:17] + rows.ric.calc_check_digit(data[0][3])
    result = household_import(
        acting_user=None, path=write_csv(tmp_path / "h.csv", data), branch=org.a, mode="valid"
    )
    assert [(e.line, e.column) for e in result.errors] == [(3, "gas_since")]
    assert Household.objects.get().gas_since == dt.date(2024, 2, 29)


def many_rows(count: int, start: int = 0) -> list[list[str]]:
    base = GOOD[0]
    return [
        [f"B{start + number:06d}", *base[1:3], "", *base[4:9], str(number), *base[10:]]
        for number in range(count)
    ]


def snapshot() -> list[tuple]:
    return sorted(
        Household.objects.values_list(
            "account_no", "name", "phone", "phone_bidx", "room", "meter_kind", "import_digest"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_worker_processes_write_what_the_importing_process_writes(org, tmp_path, monkeypatch):
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 2048)
    path = write_csv(tmp_path / "h.csv", many_rows(300))
    alone = household_import(acting_user=None, path=path, branch=org.a)
    expected = snapshot()
    Household.objects.all().delete()
    monkeypatch.setattr("django.conf.settings.RUHU_IMPORT_WORKERS", 2)
    parallel = household_import(acting_user=None, path=path, branch=org.a)
    assert (parallel.read, parallel.inserted) == (alone.read, alone.inserted) == (300, 300)
    assert snapshot() == expected


def test_it_reports_repeats_across_chunks_on_their_own_lines(org, tmp_path, monkeypatch):
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 1024)
    data = many_rows(60)
    data.append(data[3])  # line 5 again, many chunks later
    data.append([*data[50][:1], "改名", *data[50][2:]])
    result = household_import(
        acting_user=None, path=write_csv(tmp_path / "h.csv", data), branch=org.a, mode="valid"
    )
    assert [(e.line, e.reason) for e in result.errors] == [
        (62, "户号 B000003 与第 5 行重复"),
        (63, "户号 B000050 与第 52 行重复"),
    ]
    assert result.inserted == 60 and Household.objects.count() == 60
    assert Household.objects.get(account_no="B000050").name == GOOD[0][1]


def test_repeats_of_existing_accounts_are_found_on_a_second_import(org, tmp_path):
    path = write_csv(tmp_path / "h.csv", many_rows(5))
    household_import(acting_user=None, path=path, branch=org.a)
    data = many_rows(5)
    data.append(data[1])
    result = household_import(
        acting_user=None, path=write_csv(tmp_path / "h2.csv", data), branch=org.a, mode="valid"
    )
    assert [(e.line, e.column) for e in result.errors] == [(7, "account_no")]
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 5)


def test_blank_records_are_skipped_but_keep_their_line_numbers(org, tmp_path):
    path = tmp_path / "h.csv"
    good = io.StringIO()
    csv.writer(good).writerows([HEADER, GOOD[0], [], ["", ""], GOOD[1], [" ", "\t"]])
    bad = ["A9", ""] + [""] * 16
    csv.writer(good).writerow(bad)
    path.write_text(good.getvalue(), encoding="utf-8")
    result = household_import(acting_user=None, path=path, branch=org.a, mode="valid")
    assert result.read == 3
    assert [(e.line, e.column) for e in result.errors] == [(7, "name"), (7, "category")]


def test_bulk_mode_makes_every_index_and_foreign_key_again(org, tmp_path, monkeypatch):
    def schema() -> set[str]:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT indexdef FROM pg_indexes WHERE tablename = 'premises_household' "
                    "UNION ALL SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 'premises_household'::regclass"
                )
            else:
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = 'premises_household'"
                )
            return {row[0] for row in cursor.fetchall()}

    before = schema()
    monkeypatch.setattr(store, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr("ruhu.premises.importing.run.CSV_BYTES_PER_ROW", 1)
    made_again = []
    real_finish = store.Writer.finish

    def finish(writer):
        made_again.extend(writer.remade)
        real_finish(writer)

    monkeypatch.setattr(store.Writer, "finish", finish)
    result = household_import(
        acting_user=None, path=write_csv(tmp_path / "h.csv", many_rows(20)), branch=org.a
    )
    assert result.inserted == 20 and made_again
    assert schema() == before
    assert Household.objects.filter(phone_bidx=Household.objects.first().phone_bidx).count() == 20


def test_mode_all_records_the_run_that_wrote_nothing(org, tmp_path):
    data = [*GOOD, ["A9", "", "", "", "居民"] + [""] * 13]
    result = household_import(
        acting_user=None, path=write_csv(tmp_path / "h.csv", data), branch=org.a
    )
    assert not result.written and result.rejected == 1
    assert not Household.objects.exists()
    event = AuditEvent.objects.get(action="household.import")
    assert event.changes["written"] == [None, False] and event.changes["rejected"] == [None, 1]


def test_text_with_tabs_and_backslashes_survives_the_copy(org, tmp_path):
    data = [[*GOOD[0][:10], "路\t1号\\2栋", *GOOD[0][11:]]]
    assert (
        household_import(
            acting_user=None, path=write_csv(tmp_path / "h.csv", data), branch=org.a
        ).inserted
        == 1
    )
    assert Household.objects.get().address == "路\t1号\\2栋"


def test_a_running_jobs_page_shows_the_rows_read_so_far(org, bob):
    from django.core.cache import caches

    job = ImportJob.objects.create(
        kind="household", branch=org.a, mode="all", file_name="h.csv", created_by=bob,
        status=ImportJob.Status.RUNNING, rows_total=1000,
    )  # fmt: skip
    caches["progress"].set(import_progress_key(job.pk), 400)
    assert import_job_get(acting_user=bob, pk=job.pk).percent == 40
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, rows_read=1000)
    assert import_job_get(acting_user=bob, pk=job.pk).rows_read == 1000


def test_an_undecodable_chunk_is_a_clear_error(org, tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\nA1,\xff\xfe\x00bad,13812345678\n")
    from ruhu.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="编码"):
        household_import(acting_user=None, path=path, branch=org.a)
    assert not Household.objects.exists()


def test_the_csv_of_a_big_file_is_never_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 4096)
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(many_rows(2000))
    _header, parts = chunks.file_chunks(Path(path))
    sizes = [len(chunk.data) for chunk in parts]
    assert len(sizes) > 20 and max(sizes) <= 2 * 4096


def test_flags_and_empty_dates_are_stored_as_the_orm_stores_them(org, tmp_path):
    """The prepared chunk carries a flag as "1"/"0" and an empty date as "": the table
    holds true/false (SQLite: the integers 1 and 0) and NULL, inserted or updated."""

    def stored() -> list[tuple]:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT account_no, typeof(vulnerable), vulnerable, group_rental, "
                    "is_key_customer, gas_since IS NULL, last_inspected_on IS NULL "
                    "FROM premises_household ORDER BY account_no"
                )
            else:
                cursor.execute(
                    "SELECT account_no, 'integer', vulnerable::int, group_rental::int, "
                    "is_key_customer::int, gas_since IS NULL, last_inspected_on IS NULL "
                    "FROM premises_household ORDER BY account_no"
                )
            return [tuple(row) for row in cursor.fetchall()]

    household_import(acting_user=None, path=write_csv(tmp_path / "h.csv", GOOD), branch=org.a)
    expected = [
        ("A100001", "integer", 0, 0, 0, False, False),
        ("A100002", "integer", 1, 0, 1, False, True),
        ("A100003", "integer", 0, 1, 1, True, False),
    ]
    assert stored() == expected
    changed = [row[:] for row in GOOD]
    changed[0][16], changed[0][15] = "是", ""  # vulnerable now, never inspected
    result = household_import(
        acting_user=None, path=write_csv(tmp_path / "h2.csv", changed), branch=org.a
    )
    assert result.updated == 1
    assert stored()[0] == ("A100001", "integer", 1, 0, 1, False, True)
    household = Household.objects.get(account_no="A100001")
    assert household.vulnerable is True and household.last_inspected_on is None
