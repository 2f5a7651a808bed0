"""The synthetic household generator: deterministic, realistic shares, valid IDs and phones."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from stdnum.cn import ric

from ruhu.premises import synth

N = 20_000


@pytest.fixture(scope="module")
def sample() -> list[dict[str, str]]:
    return list(synth.households(N, seed=11))


def read_csv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


def read_xlsx(path: Path) -> list[list[str]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [
            ["" if value is None else value for value in row]
            for row in workbook.worksheets[0].iter_rows(values_only=True)
        ]
    finally:
        workbook.close()


def share(rows: list[dict[str, str]], column: str, value: str) -> float:
    return sum(1 for row in rows if row[column] == value) / len(rows)


def test_it_yields_the_columns_in_order(sample):
    assert len(sample) == N
    assert all(tuple(row) == synth.COLUMNS for row in sample[:100])
    first = sample[0]
    assert first["address"] == (
        f"{first['district']}{first['community']}{first['building']}{first['unit']}"
        f"{first['room']}室"
    )


def test_it_gives_the_same_rows_for_the_same_seed_and_others_for_another():
    assert list(synth.rows(2000, 5)) == list(synth.rows(2000, 5))
    assert list(synth.rows(2000, 5)) != list(synth.rows(2000, 6))
    assert list(itertools.islice(synth.rows(5000, 5), 2000)) == list(synth.rows(2000, 5))


def test_it_writes_identical_csv_bytes_for_the_same_seed(tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    synth.write_csv(a, 3000, 1)
    synth.write_csv(b, 3000, 1)
    synth.write_csv(c, 3000, 2)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_it_writes_identical_xlsx_bytes_for_the_same_seed(tmp_path):
    a, b, c = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "c.xlsx"
    synth.write_xlsx(a, 1000, 1)
    synth.write_xlsx(b, 1000, 1)
    synth.write_xlsx(c, 1000, 2)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_it_writes_the_same_rows_to_xlsx_and_csv(tmp_path):
    synth.write_csv(tmp_path / "h.csv", 1000, 3)
    synth.write_xlsx(tmp_path / "h.xlsx", 1000, 3)
    from_csv = read_csv(tmp_path / "h.csv")
    assert from_csv[0] == list(synth.COLUMNS)
    assert len(from_csv) == 1001
    assert read_xlsx(tmp_path / "h.xlsx") == from_csv


def test_it_round_trips_gb18030(tmp_path):
    path = tmp_path / "h.csv"
    synth.write_csv(path, 2000, 4, encoding="gb18030", labels="zh")
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = read_csv(path, encoding="gb18030")
    assert rows[0] == [synth.LABELS_ZH[c] for c in synth.COLUMNS]
    assert rows[1:] == [list(row) for row in synth.rows(2000, 4)]


def test_it_hits_the_shares_roughly(sample):
    categories = Counter(row["category"] for row in sample)
    assert categories.keys() == {"居民", "商业", "工业", "公福", "特殊用气场所"}
    assert 0.94 <= categories["居民"] / N <= 0.96
    assert 0.03 <= (categories["商业"] + categories["工业"] + categories["公福"]) / N <= 0.05
    assert 0.006 <= categories["特殊用气场所"] / N <= 0.014
    assert 0.02 <= share(sample, "vulnerable", "是") <= 0.04
    assert 0.012 <= share(sample, "group_rental", "是") <= 0.028
    assert 0.27 <= share(sample, "meter_type", "ic") <= 0.33
    assert 0.17 <= share(sample, "meter_location", "outdoor") <= 0.23
    assert 0.04 <= share(sample, "last_inspected_on", "") <= 0.06
    assert 0.96 <= 1 - share(sample, "phone", "") <= 0.98
    assert 0.67 <= 1 - share(sample, "id_number", "") <= 0.73
    assert (
        {row["vulnerable"] for row in sample}
        == {row["group_rental"] for row in sample}
        == {
            "是",
            "否",
        }
    )
    assert {row["meter_type"] for row in sample} == {"ordinary", "ic"}
    assert {row["meter_location"] for row in sample} == {"indoor", "outdoor"}


def test_it_writes_valid_resident_ids(sample):
    ids = [row["id_number"] for row in sample[:5000] if row["id_number"]]
    assert len(ids) > 3000
    assert all(ric.is_valid(number) for number in ids)
    births = [ric.get_birth_date(number) for number in ids]
    assert min(births) >= dt.date(1940, 1, 1) and max(births) <= dt.date(2005, 12, 31)
    assert all(synth.id_check_digit(number[:17]) == number[17] for number in ids)
    assert any(number.endswith("X") for number in ids)


def test_it_matches_the_sex_digit_to_the_given_name(sample):
    male = set(synth.GIVEN_MALE) - set(synth.GIVEN_FEMALE)
    with_id = [row for row in sample[:5000] if row["id_number"]]
    for row in with_id:
        if row["name"][1:] in male:
            assert int(row["id_number"][16]) % 2 == 1


def test_it_writes_valid_mobile_phones(sample):
    phones = [row["phone"] for row in sample[:5000] if row["phone"]]
    assert len(phones) > 4500
    for phone in phones:
        assert len(phone) == 11 and phone[:3] in synth.MOBILE_PREFIXES
        number = phonenumbers.parse(phone, "CN")
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def test_it_writes_unique_account_numbers_and_meter_serials(sample):
    accounts = [row["account_no"] for row in sample]
    assert len(set(accounts)) == N
    assert all(len(a) == 11 and a.startswith("B1") and a[2:].isdigit() for a in accounts)
    serials = [row["meter_serial"] for row in sample]
    assert len({s[2:] for s in serials}) == N
    assert all(len(s) == 12 for s in serials)


def test_it_writes_names_of_two_or_three_characters(sample):
    lengths = Counter(len(row["name"]) for row in sample)
    assert lengths.keys() == {2, 3}
    assert 0.1 <= lengths[2] / N <= 0.3
    assert Counter(row["name"][0] for row in sample).most_common(3)[0][0] in "王李张"


def test_it_keeps_dates_in_range(sample):
    gas = [dt.date.fromisoformat(row["gas_since"]) for row in sample]
    assert min(gas) >= dt.date(1995, 1, 1) and max(gas) <= dt.date(2025, 12, 31)
    inspected = [
        dt.date.fromisoformat(row["last_inspected_on"])
        for row in sample
        if row["last_inspected_on"]
    ]
    assert min(inspected) >= dt.date(2024, 5, 27)
    assert max(inspected) < dt.date(2026, 11, 27)
    by_half_year = Counter((day - dt.date(2024, 5, 27)).days // 183 for day in inspected)
    assert len(by_half_year) == 5  # 30 months, spread evenly
    assert max(by_half_year.values()) / min(by_half_year.values()) < 1.2


def test_it_clusters_households_in_buildings_and_units(sample):
    units = Counter(
        (row["district"], row["community"], row["building"], row["unit"]) for row in sample
    )
    assert len(units) < N / 8  # many households per unit
    communities = {(row["district"], row["community"]) for row in sample}
    assert 5 <= len(communities) < N / 100
    assert {row["district"] for row in sample} <= set(synth.DISTRICT_WEIGHTS)
    assert all(row["building"].endswith("幢") and row["unit"].endswith("单元") for row in sample)
    floors = Counter(int(row["room"]) // 100 for row in sample)
    assert max(floors) <= 33 and min(floors) == 1
    assert any(row["room"] == "1502" for row in sample)


def test_it_refuses_a_bad_count():
    with pytest.raises(ValueError, match="count"):
        list(synth.rows(-1))
    assert list(synth.rows(0)) == []


def test_it_runs_as_a_command(tmp_path, capsys):
    out = tmp_path / "h.csv"
    call_command("synth", "households", "--count", "1000", "--out", str(out))
    summary = capsys.readouterr().out.strip()
    assert "1000 rows" in summary and " s " in summary and "\n" not in summary
    rows = read_csv(out)
    assert len(rows) == 1001 and rows[0] == list(synth.COLUMNS)
    assert rows[1:] == [list(row) for row in synth.rows(1000, 0)]
    assert not (tmp_path / "h.csv.part").exists()


def test_it_runs_as_a_command_for_xlsx_and_gb18030(tmp_path, capsys):
    call_command("synth", "households", "--count", "200", "--out", str(tmp_path / "h.xlsx"))
    assert len(read_xlsx(tmp_path / "h.xlsx")) == 201
    call_command(
        "synth", "households", "--count", "200", "--seed", "9",
        "--out", str(tmp_path / "g.txt"), "--format", "csv", "--encoding", "gb18030",
    )  # fmt: skip
    rows = read_csv(tmp_path / "g.txt", encoding="gb18030")
    assert rows[1:] == [list(row) for row in synth.rows(200, 9)]


def test_it_refuses_an_unknown_extension_and_an_encoded_xlsx(tmp_path):
    with pytest.raises(CommandError, match=r"use \.csv or \.xlsx"):
        call_command("synth", "households", "--count", "1", "--out", str(tmp_path / "h.txt"))
    with pytest.raises(CommandError, match="CSV only"):
        call_command(
            "synth", "households", "--count", "1", "--out", str(tmp_path / "h.xlsx"),
            "--encoding", "gb18030",
        )  # fmt: skip
    assert list(tmp_path.iterdir()) == []
