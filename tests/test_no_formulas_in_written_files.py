"""Every XLSX and CSV the project writes stores text as text (issue 13, item 3).

Hostile values (`=HYPERLINK(...)`, `=1+1`, `@SUM(1)`, `+1`, `-1+2`) go in where users and
imports put text: account numbers, addresses, communities, call notes, facility codes.
Then each file the project writes is read back: the month-end packages (both audiences),
the household and facility import reports, the facility template and `ruhu synth`'s
XLSX. No workbook cell is a formula (or an error value) and the text survives exactly;
no CSV cell starts with what a spreadsheet would run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ruhu.common.spreadsheets import FORMULA_STARTS
from ruhu.facilities.services.importing import facility_import
from ruhu.hazards.services import followup_call_record, monthly_package_build
from ruhu.premises import synth
from ruhu.premises.services import household_create, household_import
from tests.conftest import login
from tests.facilities.test_import import EN
from tests.facilities.test_import import row as facility_row
from tests.hazards.conftest import find
from tests.premises.test_import import HEADER

HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}
HYPERLINK = '=HYPERLINK("http://x","y")'
HOSTILE = [HYPERLINK, "=1+1", "@SUM(1)", "+1", "-1+2"]


def workbook_cells(data: bytes) -> list:
    """Every cell of every sheet, read back as openpyxl reads a file it did not write."""
    book = load_workbook(io.BytesIO(data))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(name) for name in sheets)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(cells: list) -> None:
    """No formula ("f") and no error value ("e"): text, numbers, dates, booleans."""
    assert [cell.coordinate for cell in cells if cell.data_type in ("f", "e")] == []


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def assert_no_runnable_cell(cells: list[str]) -> None:
    assert cells and [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []


@pytest.fixture(autouse=True)
def _folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def test_the_month_end_packages_hold_hostile_text_as_text(org, charlie, lena):
    household = household_create(
        acting_user=None,
        branch=org.a,
        account_no="=1+1",
        name="王伟",
        category="residential",
        address=HYPERLINK,
        community="@SUM(1)",
        building="-1+2",
    )
    [hazard] = find(charlie, household, HEATER)
    for notes in HOSTILE:
        followup_call_record(
            acting_user=lena,
            hazard=hazard,
            called_at=dt.datetime.now(dt.UTC),
            result="refused",
            notes=notes,
        )
    month = household.created_at.date()
    for audience in ("supervision", "authority"):
        package = monthly_package_build(branch=org.a, month=month, audience=audience)
        cells = workbook_cells(package.xlsx.file.read())
        assert_no_formula(cells)
        values = [cell.value for cell in cells]
        assert {"=1+1", HYPERLINK, "@SUM(1)"} <= set(values)
        assert hazard.pk in values  # the case number stays a number
        if audience == "supervision":
            assert set(HOSTILE) <= set(values)  # the call notes


def test_the_import_reports_and_the_template_have_no_runnable_cell(
    org, bob, lena, client, tmp_path
):
    households = tmp_path / "h.csv"
    with open(households, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for value in HOSTILE:  # each account twice: the reason quotes it
            writer.writerows([[value, value, "", "", "居民", "", value] + [""] * 11] * 2)
    report = tmp_path / "households-report.csv"
    result = household_import(acting_user=bob, path=households, branch=org.a, report=report)
    assert result.rejected == len(HOSTILE)
    text = report.read_text(encoding="utf-8-sig")
    assert_no_runnable_cell(csv_cells(text))
    assert f"户号 {HYPERLINK} 与第 2 行重复" in [row[2] for row in csv.reader(io.StringIO(text))]

    registry = tmp_path / "facilities.csv"
    with open(registry, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(EN)
        for value in HOSTILE:
            writer.writerows([facility_row(value, community=value)] * 2)
    report = tmp_path / "facilities-report.csv"
    facility_import(acting_user=lena, path=registry, report=report)
    assert_no_runnable_cell(csv_cells(report.read_text(encoding="utf-8-sig")))

    login(client, lena)
    template = client.get("/facilities/import/template.csv").content.decode("utf-8")
    assert_no_runnable_cell(csv_cells(template))


def test_the_synthetic_workbook_keeps_hostile_text_as_text(tmp_path, monkeypatch):
    """`ruhu synth` makes no such values itself: give it some, as a billing export might."""
    generated = list(synth.rows(3, seed=3))
    hostile = [[value] * len(generated[0]) for value in HOSTILE]
    monkeypatch.setattr(synth, "rows", lambda count, seed: iter(generated + hostile))
    path = tmp_path / "households.xlsx"
    synth.write_xlsx(path, 3, seed=3)
    cells = workbook_cells(Path(path).read_bytes())
    assert_no_formula(cells)
    assert {type(cell.value) for cell in cells} <= {str, type(None)}
    assert [cell.value for cell in cells[-len(generated[0]) :]] == [HOSTILE[-1]] * len(generated[0])
