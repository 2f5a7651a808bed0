from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ruhu.common.errors import ValidationFailed
from ruhu.common.models import AuditEvent
from ruhu.common.validation import normalize_id_number, normalize_phone
from ruhu.premises.importing import rows
from ruhu.premises.models import Household
from ruhu.premises.services import household_create, household_import

HEADER = list(rows.COLUMNS)
GOOD = [
    ["A100001", "王伟", "13812345678", "110101199003071233", "居民", "东城区", "翠苑小区", "1幢",
     "1单元", "101", "翠苑小区1幢1单元101", "M0001", "ic", "indoor", "2010-05-01",
     "2025-03-02", "否", "否"],
    ["A100002", "李娜", "139 1234 5678", "", "residential", "东城区", "翠苑小区", "1幢", "1单元",
     "102", "", "M0002", "ordinary", "outdoor", "2011/06/02", "", "是", "否"],
    ["A100003", "张强", "+8615012345678", "", "商业", "东城区", "和平街", "", "", "", "和平街8号",
     "", "", "", "", "2024-12-01", "false", "true"],
]  # fmt: skip
BAD = [
    ["A100004", "赵敏", "12345", "", "居民"] + [""] * 13,  # bad phone
    ["A100005", "", "", "110101199003071234", "居民"] + [""] * 13,  # no name, bad checksum
    ["A100006", "钱多", "", "", "别墅"] + [""] * 13,  # unknown category
]


def write_csv(path: Path, data: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(data)
    return path


def run(path: Path, *args: str) -> int:
    try:
        call_command("import-households", str(path), "--branch", "a", *args)
    except SystemExit as exc:
        return exc.code
    return 0


def test_it_imports_households_with_encrypted_personal_data(org, tmp_path):
    assert run(write_csv(tmp_path / "h.csv", GOOD)) == 0
    wang = Household.objects.get(account_no="A100001")
    assert wang.phone == "+8613812345678" and wang.id_number == "110101199003071233"
    assert (wang.community, wang.room, wang.gas_since) == ("翠苑小区", "101", dt.date(2010, 5, 1))
    assert (wang.meter_serial, wang.meter_kind, wang.meter_location) == ("M0001", "ic", "indoor")
    assert Household.objects.get(account_no="A100002").is_key_customer  # vulnerable
    assert Household.objects.get(account_no="A100003").category == "commercial"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, id_number FROM premises_household WHERE account_no = 'A100001'"
        )
        raw_phone, raw_id = cursor.fetchone()
    assert "13812345678" not in raw_phone and "1990" not in raw_id
    assert Household.objects.filter(phone_bidx=wang.phone_bidx).count() == 1
    event = AuditEvent.objects.get(action="household.import")
    assert event.changes["inserted"] == [None, 3]


def test_it_writes_nothing_when_a_row_is_bad_in_mode_all(org, tmp_path):
    report = tmp_path / "report.csv"
    code = run(write_csv(tmp_path / "h.csv", GOOD + BAD), "--report", str(report))
    assert code == 1
    assert not Household.objects.exists()
    lines = list(csv.DictReader(report.open(encoding="utf-8-sig")))
    assert {row["line"] for row in lines} == {"5", "6", "7"}
    reasons = {(row["line"], row["column"]) for row in lines}
    assert ("5", "phone") in reasons and ("6", "name") in reasons and ("6", "id_number") in reasons
    assert ("7", "category") in reasons


def test_it_loads_the_good_rows_in_mode_valid(org, tmp_path):
    code = run(write_csv(tmp_path / "h.csv", GOOD + BAD), "--mode", "valid")
    assert code == 1
    assert set(Household.objects.values_list("account_no", flat=True)) == {
        "A100001",
        "A100002",
        "A100003",
    }


def test_it_skips_unchanged_rows_and_updates_changed_ones(org, tmp_path):
    path = write_csv(tmp_path / "h.csv", GOOD)
    run(path)
    result = household_import(acting_user=None, path=path, branch=org.a)
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 3)
    changed = [row[:] for row in GOOD]
    changed[1][1] = "李娜娜"
    result = household_import(
        acting_user=None, path=write_csv(tmp_path / "h2.csv", changed), branch=org.a
    )
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    assert Household.objects.get(account_no="A100002").name == "李娜娜"


def test_it_reports_duplicates_and_accounts_of_another_branch(org, tmp_path):
    household_create(
        acting_user=None, branch=org.b, account_no="A100003", name="别家", category="residential"
    )
    data = [*GOOD, GOOD[0]]
    result = household_import(
        acting_user=None, path=write_csv(tmp_path / "h.csv", data), branch=org.a, mode="valid"
    )
    by_line = {error.line: error.reason for error in result.errors}
    assert "与第 2 行重复" in by_line[5]
    assert "其他分公司" in by_line[4]
    assert Household.objects.get(account_no="A100003").name == "别家"
    assert Household.objects.filter(branch=org.a).count() == 2


def test_csv_gb18030_and_xlsx_give_the_same_database(org, tmp_path):
    def snapshot():
        return sorted(
            Household.objects.values_list(
                "account_no",
                "name",
                "phone_bidx",
                "category",
                "community",
                "gas_since",
                "last_inspected_on",
                "vulnerable",
                "group_rental",
                "import_digest",
            )
        )

    run(write_csv(tmp_path / "u.csv", GOOD))
    expected = snapshot()
    for path in [write_csv(tmp_path / "g.csv", GOOD, encoding="gb18030"), tmp_path / "h.xlsx"]:
        if path.suffix == ".xlsx":
            workbook = Workbook()
            sheet = workbook.active
            sheet.append(HEADER)
            for row in GOOD:
                sheet.append(row)
            workbook.save(path)
        Household.objects.all().delete()
        assert run(path) == 0
        assert snapshot() == expected


def test_it_refuses_a_file_without_the_required_columns(org, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("account_no,phone\nA1,13812345678\n", encoding="utf-8")
    with pytest.raises(CommandError, match="name"):
        run(path)
    assert not Household.objects.exists()


def test_it_accepts_chinese_headers(org, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("户号,户名,手机号,用户类别\nA1,王伟,13812345678,居民\n", encoding="utf-8")
    assert run(path) == 0
    assert Household.objects.get(account_no="A1").phone == "+8613812345678"


def test_it_refuses_an_unknown_mode(org, tmp_path):
    with pytest.raises(ValidationFailed):
        household_import(
            acting_user=None, path=write_csv(tmp_path / "h.csv", GOOD), branch=org.a, mode="some"
        )


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_the_fast_phone_check_agrees_with_phonenumbers(number):
    try:
        expected = normalize_phone(number)
    except ValidationFailed:
        expected = None
    try:
        got = rows.phone(number)
    except rows.BadValue:
        got = None
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["110101", "110102", "330102", "330103", "440103", "999999", "110000"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.booleans(),
)
def test_the_fast_id_check_agrees_with_stdnum(area, birth, serial, right_check):
    from stdnum.cn import ric

    body = f"{area}{birth:%Y%m%d}{serial:03d}"
    check = ric.calc_check_digit(body + "0")
    number = body + (check if right_check else ("0" if check != "0" else "1"))
    today = dt.date(2026, 11, 27)
    try:
        expected = normalize_id_number(number, today=today)
    except ValidationFailed:
        expected = None
    try:
        got = rows.id_number(number, today)
    except rows.BadValue:
        got = None
    assert got == expected


def test_every_mobile_prefix_has_one_verdict_in_phonenumbers():
    """The memoised check asks the library once per prefix; that is sound only while the
    library's verdict for an 11-digit number depends on nothing after the prefix."""
    import phonenumbers

    width = 11 - rows.MOBILE_PREFIX
    for prefix in range(10 ** (rows.MOBILE_PREFIX - 1), 2 * 10 ** (rows.MOBILE_PREFIX - 1)):
        verdicts = {
            phonenumbers.is_valid_number(phonenumbers.parse(f"+86{prefix}{tail:0{width}d}"))
            for tail in (0, 10**width - 1)
        }
        assert len(verdicts) == 1, prefix


def test_an_area_code_known_only_as_a_province_is_refused_not_a_crash():
    """python-stdnum raises KeyError for such a code (110003): the import reports the row."""
    body = "11000319900101123"
    number = body + rows.ric.calc_check_digit(body + "0")
    with pytest.raises(rows.BadValue, match="地区代码"):
        rows.id_number(number, dt.date(2026, 11, 27))
