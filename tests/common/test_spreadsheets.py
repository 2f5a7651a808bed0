"""The one helper every XLSX and CSV writer uses: text stays text, numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from ruhu.common.spreadsheets import csv_value, csv_writer, xlsx_row

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "@SUM(1)",
    "+1",
    "-1+2",
    "\t=1+1",
    "#N/A",
]
# XML turns a carriage return into a newline (not our concern there); CSV keeps it
CSV_HOSTILE = [*HOSTILE[:-1], "\r=1+1"]


def workbook_bytes(write_only: bool, rows: list[list]) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("s") if write_only else book.active
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("write_only", [True, False])
def test_it_writes_hostile_text_as_text_and_numbers_as_numbers(write_only):
    data = workbook_bytes(
        write_only, [HOSTILE, ["翠苑小区", -5, 3.25, dt.date(2026, 12, 1), True, None]]
    )
    for read_only in (True, False):
        sheet = load_workbook(io.BytesIO(data), read_only=read_only).worksheets[0]
        first, second = (list(row) for row in sheet.iter_rows(max_row=2))
        assert [cell.value for cell in first] == HOSTILE
        assert {cell.data_type for cell in first} == {"s"}
        assert [(cell.value, cell.data_type) for cell in second[:5]] == [
            ("翠苑小区", "s"),
            (-5, "n"),
            (3.25, "n"),
            (dt.datetime(2026, 12, 1), "d"),
            (True, "b"),
        ]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets)


def test_without_it_openpyxl_would_write_a_formula():
    """What the helper is for: the same values appended as they are become formulas."""
    book = Workbook()
    book.active.append(HOSTILE)
    out = io.BytesIO()
    book.save(out)
    cells = next(load_workbook(out).active.iter_rows())
    assert cells[0].data_type == "f" and cells[-1].data_type == "e"


def test_csv_text_that_a_spreadsheet_would_run_starts_with_a_quote():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([*CSV_HOSTILE, "#N/A", "翠苑小区", -5, 3.25, "a=b"])
    writer.writerows([["=1+1", 7]])
    first, second = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert first[: len(CSV_HOSTILE)] == ["'" + value for value in CSV_HOSTILE]
    assert first[len(CSV_HOSTILE) :] == ["#N/A", "翠苑小区", "-5", "3.25", "a=b"]
    assert second == ["'=1+1", "7"]
    assert csv_value(-1) == -1 and csv_value(None) is None
