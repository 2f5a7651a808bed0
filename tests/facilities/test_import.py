"""The facility registry import: CSV (UTF-8, GB18030) and XLSX, every bad value reported
with its line and column, modes all/valid, updates that never move check dates back,
one audit event per run, and the command line (the upload page: test_import_page)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from ruhu.common.errors import PermissionRefused, ValidationFailed
from ruhu.common.models import AuditEvent
from ruhu.facilities.importing import check_row
from ruhu.facilities.models import Facility
from ruhu.facilities.services.importing import facility_import
from tests.facilities.conftest import make_facility

TODAY = dt.date(2026, 11, 27)  # the `clock` fixture's day
EN = [
    "code", "kind", "name", "location", "community", "latitude", "longitude", "model",
    "manufacturer", "installed_on", "safety_valve_valid_until", "last_checked_on",
    "last_cleaned_on",
]  # fmt: skip
ZH = [
    "设施编号", "设施类型", "名称", "地址", "小区", "纬度", "经度", "型号", "厂家", "安装日期",
    "安全阀有效期", "最近检查日期", "最近清洗日期",
]  # fmt: skip
GOOD = [
    ["TYX-001", "调压箱", "翠苑3幢调压箱", "翠苑小区3幢北侧", "翠苑小区", "30.274085",
     "120.15507", "RX200/0.4", "春晖仪表", "2015-06-01", "2027-06-30", "2026-08-27",
     "2026-03-01"],
    ["FJ-001", "阀井", "", "文一路与学院路口东南角", "", "", "", "", "", "2012/5/3", "",
     "2026-10-01", ""],
    ["FS-001", "valve_room", "学院路阀室", "学院路88号", "", "30.28", "120.13", "", "",
     "20100915", "2026-12-31", "", ""],
    ["TYG-001", "Regulator_Cabinet", "", "古墩路12号", "", "", "", "", "", "", "", "", ""],
]  # fmt: skip


@pytest.fixture(autouse=True)
def _today(clock):
    """Every import here runs on Friday 27 November 2026."""


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def write_csv(path: Path, rows, header=EN, encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def row(code: str = "TYX-009", /, **values: str) -> list[str]:
    """A good regulator box row with some values replaced (by column name)."""
    cells = dict(zip(EN, GOOD[0], strict=True)) | {"code": code} | values
    return [cells[column] for column in EN]


def errors_of(result) -> set[tuple[int, str, str]]:
    return {(error.line, error.column, error.reason) for error in result.errors}


def run(path: Path, *args: str) -> int:
    try:
        call_command("import-facilities", str(path), "--branch", "a", *args)
    except SystemExit as exc:
        return exc.code
    return 0


# ── good files ──────────────────────────────────────────────────────────────


def test_it_inserts_a_file_with_chinese_headers(org, lena, tmp_path):
    path = write_csv(tmp_path / "f.csv", GOOD, header=ZH)
    result = facility_import(acting_user=lena, path=path)
    assert (result.read, result.inserted, result.rejected, result.written) == (4, 4, 0, True)
    box = Facility.objects.get(code="TYX-001")
    assert (box.branch, box.kind, box.name, box.location) == (
        org.a,
        "regulator_box",
        "翠苑3幢调压箱",
        "翠苑小区3幢北侧",
    )
    assert (box.latitude, box.longitude) == (Decimal("30.274085"), Decimal("120.155070"))
    assert (box.model, box.manufacturer, box.installed_on) == (
        "RX200/0.4",
        "春晖仪表",
        dt.date(2015, 6, 1),
    )
    assert (box.safety_valve_valid_until, box.last_checked_on, box.last_cleaned_on) == (
        dt.date(2027, 6, 30),
        dt.date(2026, 8, 27),
        dt.date(2026, 3, 1),
    )
    assert (box.registered_on, box.active, box.flagged, len(box.import_digest)) == (
        TODAY,
        True,
        False,
        64,
    )
    kinds = dict(Facility.objects.values_list("code", "kind"))
    assert kinds == {
        "TYX-001": "regulator_box", "FJ-001": "valve_well", "FS-001": "valve_room",
        "TYG-001": "regulator_cabinet",
    }  # fmt: skip
    well = Facility.objects.get(code="FJ-001")
    assert (well.installed_on, well.latitude, well.last_cleaned_on) == (
        dt.date(2012, 5, 3),
        None,
        None,
    )
    assert Facility.objects.get(code="FS-001").installed_on == dt.date(2010, 9, 15)


def test_gb18030_csv_and_xlsx_give_the_same_registry(org, lena, tmp_path):
    def registry():
        rows = Facility.objects.order_by("code").values_list(*EN, "import_digest")
        Facility.objects.all().delete()
        return list(rows)

    facility_import(acting_user=lena, path=write_csv(tmp_path / "u.csv", GOOD))
    from_utf8 = registry()
    path = write_csv(tmp_path / "g.csv", GOOD, header=ZH, encoding="gb18030")
    assert b"\xb5\xf7\xd1\xb9\xcf\xe4" in path.read_bytes()  # 调压箱 in GB18030
    facility_import(acting_user=lena, path=path)
    from_gb18030 = registry()

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(ZH)
    for cells in GOOD:
        typed = list(cells)
        typed[5:7] = [float(cells[5]) if cells[5] else None, float(cells[6]) if cells[6] else None]
        for index in range(9, 13):  # real date cells, as Excel keeps them
            if "-" in cells[index]:
                typed[index] = dt.datetime.fromisoformat(cells[index])
        sheet.append(typed)
    workbook.save(tmp_path / "f.xlsx")
    result = facility_import(acting_user=lena, path=tmp_path / "f.xlsx")
    assert (result.inserted, result.rejected) == (4, 0)
    assert from_utf8 == from_gb18030 == registry()


def test_it_skips_blank_rows_and_ignores_unknown_columns(org, lena, tmp_path):
    header = [*EN, "备注"]
    rows = [[*GOOD[0], "随便写"], [""] * 14, [" "] * 14, [*row("TYX-002"), ""]]
    result = facility_import(acting_user=lena, path=write_csv(tmp_path / "f.csv", rows, header))
    assert (result.read, result.inserted) == (2, 2)


# ── bad values ──────────────────────────────────────────────────────────────

BAD_VALUES = [
    ("code", "", "必填"),
    ("code", "X" * 41, "超过40个字符"),
    ("kind", "", "必填"),
    ("kind", "调压站", "未知的设施类型，应为 调压箱、阀井、阀室 或 调压柜"),
    ("location", "", "必填"),
    ("location", "路" * 301, "超过300个字符"),
    ("name", "名" * 101, "超过100个字符"),
    ("model", "M" * 61, "超过60个字符"),
    ("latitude", "北纬30度", "应为数字"),
    ("latitude", "90.5", "应在 -90 到 90 之间"),
    ("latitude", "30.1234567", "最多6位小数"),
    ("longitude", "-180.000001", "应在 -180 到 180 之间"),
    ("longitude", "NaN", "应为数字"),
    ("installed_on", "2026-11-28", "日期在未来"),
    ("installed_on", "2015-02-30", "日期格式应为 YYYY-MM-DD"),
    ("safety_valve_valid_until", "30/06/2027", "日期格式应为 YYYY-MM-DD"),
    ("last_checked_on", "2027-01-01", "日期在未来"),
    ("last_cleaned_on", "明天", "日期格式应为 YYYY-MM-DD"),
]


@pytest.mark.parametrize(("column", "value", "reason"), BAD_VALUES)
def test_it_reports_a_bad_value_with_its_line_and_column(
    org, lena, tmp_path, column, value, reason
):
    rows = [row("TYX-001"), row("TYX-002", **{column: value}), row("TYX-003")]
    result = facility_import(acting_user=lena, path=write_csv(tmp_path / "f.csv", rows))
    assert errors_of(result) == {(3, column, reason)}
    assert (result.rejected, result.written, Facility.objects.count()) == (1, False, 0)


def test_it_reports_every_problem_of_a_row_and_kind_bound_columns(org, lena, tmp_path):
    rows = [
        row("", kind="阀井", location="", safety_valve_valid_until="2027-01-01", latitude="91"),
        row("FJ-9", kind="阀井", safety_valve_valid_until="2027-01-01", last_cleaned_on=""),
        row("FS-9", kind="阀室", safety_valve_valid_until="", last_cleaned_on="2026-01-01"),
        row("TYX-9", latitude="", longitude="120.1"),
    ]
    result = facility_import(acting_user=lena, path=write_csv(tmp_path / "f.csv", rows))
    assert [(e.line, e.column, e.reason) for e in result.errors] == [
        (2, "code", "必填"),
        (2, "location", "必填"),
        (2, "latitude", "应在 -90 到 90 之间"),
        (2, "safety_valve_valid_until", "该类设施没有安全阀"),
        (2, "last_cleaned_on", "只有调压箱填写清洗日期"),
        (3, "safety_valve_valid_until", "该类设施没有安全阀"),
        (4, "last_cleaned_on", "只有调压箱填写清洗日期"),
        (5, "latitude", "已填写经度，纬度也须填写"),
    ]
    assert result.rejected == 4 and result.error_count == 8


@given(latitude=st.decimals(min_value=-200, max_value=200, places=6, allow_nan=False))
def test_a_latitude_is_accepted_exactly_within_its_bounds(latitude):
    values = dict(zip(EN, row(latitude=str(latitude), longitude="120"), strict=True))
    checked = check_row(values, 2, TODAY, EN)
    accepted = not [e for e in checked.errors if e.column == "latitude"]
    assert accepted == (-90 <= latitude <= 90)
    if accepted:
        assert checked.clean["latitude"] == latitude


@given(
    days=st.integers(min_value=-20000, max_value=20000),
    shape=st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"]),
)
def test_a_check_date_is_refused_exactly_when_in_the_future(days, shape):
    day = TODAY + dt.timedelta(days=days)
    values = dict(zip(EN, row(last_checked_on=day.strftime(shape)), strict=True))
    checked = check_row(values, 2, TODAY, EN)
    if days > 0:
        assert [(e.column, e.reason) for e in checked.errors] == [("last_checked_on", "日期在未来")]
    else:
        assert not checked.errors and checked.clean["last_checked_on"] == day


@given(kind=st.text(max_size=12))
def test_only_the_four_kinds_are_accepted(kind):
    values = dict(
        zip(EN, row(kind=kind, safety_valve_valid_until="", last_cleaned_on=""), strict=True)
    )
    checked = check_row(values, 2, TODAY, EN)
    known = kind.strip().lower() in {
        "regulator_box", "valve_well", "valve_room", "regulator_cabinet",
    } or kind.strip() in {"调压箱", "阀井", "阀室", "调压柜"}  # fmt: skip
    assert (not checked.errors) == known


# ── modes, repeats, other branches ──────────────────────────────────────────


def test_mode_all_writes_nothing_when_a_row_is_bad(org, lena, tmp_path):
    rows = [*GOOD, row("TYX-BAD", kind="调压站")]
    result = facility_import(acting_user=lena, path=write_csv(tmp_path / "f.csv", rows))
    assert (result.read, result.rejected, result.written, result.inserted) == (5, 1, False, 0)
    assert not Facility.objects.exists()


def test_mode_valid_writes_the_good_rows(org, lena, tmp_path):
    rows = [*GOOD, row("TYX-BAD", kind="调压站")]
    path = write_csv(tmp_path / "f.csv", rows)
    result = facility_import(acting_user=lena, path=path, mode="valid")
    assert (result.inserted, result.rejected, result.written) == (4, 1, True)
    assert not Facility.objects.filter(code="TYX-BAD").exists()


def test_it_rejects_a_code_repeated_in_the_file_and_keeps_the_first(org, lena, tmp_path):
    rows = [row("TYX-1", name="第一"), row("TYX-2"), row("TYX-1", name="第二"), row("TYX-1")]
    path = write_csv(tmp_path / "f.csv", rows)
    result = facility_import(acting_user=lena, path=path, mode="valid")
    assert errors_of(result) == {
        (4, "code", "编号 TYX-1 与第 2 行重复"),
        (5, "code", "编号 TYX-1 与第 2 行重复"),
    }
    assert Facility.objects.get(code="TYX-1").name == "第一"


def test_it_rejects_a_code_of_another_branch_and_leaves_it_there(org, lena, well_b, tmp_path):
    rows = [row("FJ-B-001", kind="阀井", safety_valve_valid_until="", last_cleaned_on="")]
    path = write_csv(tmp_path / "f.csv", rows)
    result = facility_import(acting_user=lena, path=path, mode="valid")
    assert errors_of(result) == {(2, "code", "该编号属于其他分公司")}
    well_b.refresh_from_db()
    assert (well_b.branch, well_b.location) == (org.b, "翠苑小区3幢北侧")


# ── updates ─────────────────────────────────────────────────────────────────


def test_the_same_file_again_changes_nothing(org, lena, tmp_path):
    path = write_csv(tmp_path / "f.csv", GOOD)
    facility_import(acting_user=lena, path=path)
    stamps = dict(Facility.objects.values_list("code", "updated_at"))
    again = facility_import(acting_user=lena, path=write_csv(tmp_path / "g.csv", GOOD, ZH))
    assert (again.read, again.inserted, again.updated, again.unchanged) == (4, 0, 0, 4)
    assert dict(Facility.objects.values_list("code", "updated_at")) == stamps


def test_a_changed_row_updates_its_facility_but_not_its_history_flag_or_state(
    org, lena, box, tmp_path
):
    Facility.objects.filter(pk=box.pk).update(flagged=True, active=False, assignee=lena)
    rows = [row("TYX-A-001", model="RX300", location="翠苑小区3幢南侧"), *GOOD[1:]]
    result = facility_import(acting_user=lena, path=write_csv(tmp_path / "f.csv", rows))
    assert (result.inserted, result.updated, result.unchanged) == (3, 1, 0)
    box.refresh_from_db()
    assert (box.model, box.location, box.latitude) == (
        "RX300",
        "翠苑小区3幢南侧",
        Decimal("30.274085"),
    )
    assert (box.flagged, box.active, box.assignee) == (True, False, lena)
    assert box.registered_on == dt.date(2026, 1, 5)


def test_a_row_with_the_values_already_registered_is_unchanged(org, lena, box, tmp_path):
    header = ["code", "kind", "location", "community", "model"]
    rows = [["TYX-A-001", "调压箱", "翠苑小区3幢北侧", "翠苑小区", "RX200/0.4"]]
    result = facility_import(acting_user=lena, path=write_csv(tmp_path / "f.csv", rows, header))
    assert (result.updated, result.unchanged) == (0, 1)
    box.refresh_from_db()
    assert len(box.import_digest) == 64  # remembered: the next run skips the row at once


def test_check_dates_only_move_forward(org, lena, box, tmp_path):
    """The box was last checked on 27 August and cleaned on 1 March 2026."""
    header = ["code", "kind", "location", "last_checked_on", "last_cleaned_on"]

    def import_dates(checked: str, cleaned: str):
        rows = [["TYX-A-001", "调压箱", "翠苑小区3幢北侧", checked, cleaned]]
        facility_import(acting_user=lena, path=write_csv(tmp_path / "f.csv", rows, header))
        box.refresh_from_db()
        return box.last_checked_on, box.last_cleaned_on

    assert import_dates("2026-05-01", "2025-12-01") == (dt.date(2026, 8, 27), dt.date(2026, 3, 1))
    assert import_dates("", "") == (dt.date(2026, 8, 27), dt.date(2026, 3, 1))
    assert import_dates("2026-11-20", "2026-03-01") == (dt.date(2026, 11, 20), dt.date(2026, 3, 1))
    assert import_dates("2026-08-27", "2026-10-10") == (
        dt.date(2026, 11, 20),
        dt.date(2026, 10, 10),
    )


def test_columns_missing_from_the_file_are_left_as_they_are(org, lena, box, tmp_path):
    header = ["编号", "类型", "位置", "纬度", "经度"]
    rows = [["TYX-A-001", "调压箱", "翠苑小区3幢北侧", "30.1", "120.2"]]
    result = facility_import(acting_user=lena, path=write_csv(tmp_path / "f.csv", rows, header))
    assert result.updated == 1
    box.refresh_from_db()
    assert (box.latitude, box.longitude) == (Decimal("30.1"), Decimal("120.2"))
    assert (box.model, box.community, box.safety_valve_valid_until) == (
        "RX200/0.4",
        "翠苑小区",
        dt.date(2027, 6, 30),
    )


def test_a_new_kind_drops_what_it_cannot_have(org, lena, box, tmp_path):
    rows = [["TYX-A-001", "阀井", "翠苑小区3幢北侧"]]
    facility_import(
        acting_user=lena, path=write_csv(tmp_path / "f.csv", rows, [*EN[:2], "location"])
    )
    box.refresh_from_db()
    assert (box.kind, box.safety_valve_valid_until, box.last_cleaned_on) == (
        "valve_well",
        None,
        None,
    )
    assert box.last_checked_on == dt.date(2026, 8, 27)


def test_it_looks_codes_up_and_writes_in_batches(
    org, lena, tmp_path, django_assert_max_num_queries
):
    for number in range(50):
        make_facility(org.a, f"OLD-{number:03d}")
    rows = [row(f"NEW-{n:04d}") for n in range(1200)]
    rows += [row(f"OLD-{n:03d}", model="RX9") for n in range(50)]
    path = write_csv(tmp_path / "f.csv", rows)
    # SQLite takes 999 parameters a statement: Django inserts about 50 rows at a time there
    with django_assert_max_num_queries(40):
        result = facility_import(acting_user=lena, path=path)
    assert (result.inserted, result.updated) == (1200, 50)
    assert Facility.objects.filter(model="RX9").count() == 50


# ── files refused whole, scope ──────────────────────────────────────────────


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("code,kind,name\nTYX-1,调压箱,x\n".encode(), "缺少必需的列：location（位置）"),
        ("名称,备注\n".encode(), "缺少必需的列：code（编号）、kind（类型）、location（位置）"),
        ("编号,设施编号,类型,位置\n".encode(), "表头中有重复的列：code（编号）"),
        (b"code,kind,location\nTYX-1,\x81\x20,x\n", "文件编码错误"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "不支持 Excel 97-2003"),
        (b"", "文件为空"),
        (b"PK\x03\x04 not really a workbook", "无法读取该 XLSX 文件"),
    ],
)
def test_it_refuses_a_file_it_cannot_read_and_writes_nothing(org, lena, tmp_path, content, message):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(ValidationFailed) as refused:
        facility_import(acting_user=lena, path=path)
    assert message in refused.value.message
    assert not Facility.objects.exists()
    assert not AuditEvent.objects.filter(action="facility.import").exists()


def test_it_needs_the_capability_and_keeps_branch_staff_in_their_branch(
    org, lena, charlie, alice, tmp_path
):
    path = write_csv(tmp_path / "f.csv", GOOD)
    with pytest.raises(PermissionRefused):
        facility_import(acting_user=charlie, path=path)
    with pytest.raises(ValidationFailed, match="只能导入到本分公司"):
        facility_import(acting_user=lena, path=path, branch=org.b)
    with pytest.raises(ValidationFailed, match="请选择分公司"):
        facility_import(acting_user=alice, path=path)
    with pytest.raises(ValidationFailed, match="导入模式"):
        facility_import(acting_user=lena, path=path, mode="some")
    facility_import(acting_user=alice, path=path, branch=org.b)
    assert set(Facility.objects.values_list("branch", flat=True)) == {org.b.pk}


# ── audit ───────────────────────────────────────────────────────────────────


def test_each_run_leaves_one_audit_event_without_row_contents(org, lena, tmp_path):
    path = write_csv(tmp_path / "f.csv", [*GOOD, row("TYX-BAD", kind="调压站")])
    facility_import(acting_user=lena, path=path)
    facility_import(acting_user=lena, path=path, mode="valid")
    first, second = AuditEvent.objects.filter(action="facility.import").order_by("pk")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert first.actor == lena and first.branch_id == org.a.pk
    assert {name: new for name, (_old, new) in first.changes.items()} == {
        "file_sha256": sha, "mode": "all", "read": 5, "inserted": 0, "updated": 0,
        "unchanged": 0, "rejected": 1, "written": False,
    }  # fmt: skip
    assert (second.changes["inserted"][1], second.changes["written"][1]) == (4, True)
    text = json.dumps([first.changes, second.changes, first.target_repr], ensure_ascii=False)
    assert "TYX" not in text and "翠苑" not in text


# ── the command line ────────────────────────────────────────────────────────


def test_the_command_prints_the_errors_and_exits_1_when_a_row_is_rejected(org, tmp_path, capsys):
    rows = [*GOOD, row("TYX-BAD", kind="调压站", latitude="99")]
    report = tmp_path / "report.csv"
    assert run(write_csv(tmp_path / "f.csv", rows), "--report", str(report)) == 1
    out, err = capsys.readouterr()
    assert "line 6, kind: 未知的设施类型" in err and "line 6, latitude: 应在 -90 到 90 之间" in err
    assert "5 rows read in" in out
    assert "0 inserted, 0 updated, 0 unchanged, 1 rejected; nothing written" in out
    assert report.read_bytes().startswith(b"\xef\xbb\xbfline,column,reason\r\n6,kind,")
    assert not Facility.objects.exists()
    assert AuditEvent.objects.get(action="facility.import").actor_label == "system"


def test_the_command_writes_good_files_and_exits_0(org, tmp_path, capsys):
    assert run(write_csv(tmp_path / "f.csv", GOOD)) == 0
    assert "4 inserted, 0 updated, 0 unchanged, 0 rejected; written" in capsys.readouterr().out
    assert run(write_csv(tmp_path / "f.csv", GOOD)) == 0
    assert "0 inserted, 0 updated, 4 unchanged" in capsys.readouterr().out


def test_the_command_shows_20_errors_and_counts_the_rest(org, tmp_path, capsys):
    rows = [row(f"T-{n}", kind="?", location="") for n in range(15)]
    assert run(write_csv(tmp_path / "f.csv", rows), "--mode", "valid") == 1
    err = capsys.readouterr().err
    assert err.count("line ") == 20 and "… 10 more errors (use --report PATH)" in err


def test_the_command_refuses_an_unknown_branch_or_unreadable_file(org, tmp_path):
    with pytest.raises(CommandError, match="no branch"):
        call_command("import-facilities", "x.csv", "--branch", "zz")
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import-facilities", str(tmp_path / "missing.csv"), "--branch", "a")
    good = write_csv(tmp_path / "f.csv", GOOD)
    with pytest.raises(CommandError, match="no directory"):
        call_command("import-facilities", str(good), "--branch", "a", "--report", "/nowhere/r.csv")
    assert not Facility.objects.exists()


# ── the rules that span files and checks ────────────────────────────────────


def test_a_checked_facility_keeps_its_kind(clock, org, lena, charlie, box, tmp_path, settings):
    from ruhu.facilities.services import facility_check_submit
    from tests.facilities.checking import check_payload

    settings.MEDIA_ROOT = tmp_path / "media"
    facility_check_submit(acting_user=charlie, payload=check_payload(box))
    rows = [["TYX-A-001", "阀井", "翠苑小区3幢北侧"]]
    path = write_csv(tmp_path / "f.csv", rows, [*EN[:2], "location"])
    result = facility_import(acting_user=lena, path=path)
    assert [(e.line, e.column) for e in result.errors] == [(2, "kind")]
    assert "已有检查记录" in result.errors[0].reason
    box.refresh_from_db()
    assert box.kind == "regulator_box"
