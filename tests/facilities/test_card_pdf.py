"""The record card as a PDF (《场站设施检查记录卡》): the registry data and every check with
its pressures, defects and repairs, over as many A4 pages as it takes, each page numbered
and headed; Chinese, embedded font, the same bytes for the same data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from ruhu.facilities.documents import CardContent, CheckLine, Reading, facility_card_pdf
from ruhu.facilities.services import facility_check_correct
from tests.conftest import login
from tests.facilities.checking import all_fine, check_payload, submit
from tests.inspection.visiting import photo
from tests.pdf import pdf_text

A4 = b"/MediaBox [ 0 0 595.2756 841.8898 ]"


pytestmark = pytest.mark.usefixtures("media")


def pages(data: bytes) -> int:
    return int(re.search(rb"/Count (\d+) ", data).group(1))


def text_of(data: bytes) -> str:
    """The document's text with spaces removed, after checking it is A4 in an embedded font."""
    assert data.startswith(b"%PDF") and A4 in data
    assert b"/FontFile2" in data and b"WenQuanYiMicroHei" in data  # TrueType, embedded
    return pdf_text(data).replace(" ", "").replace("\xa0", "")


def card(client, facility) -> bytes:
    response = client.get(f"/facilities/{facility.pk}/card.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_it_prints_every_check_with_its_pressures_and_defects(client, clock, lena, charlie, box):
    submit(charlie, box, cutoff_pa=3400)
    clock.shift(dt.timedelta(hours=1))
    submit(charlie, box, cutoff_pa=3650, closing_pa=2810, operating_pa=2390, cleaned=True)
    clock.shift(dt.timedelta(hours=1))
    rusty = all_fine(box) | {
        "corrosion": {"state": "defect", "note": "箱体底部锈蚀", "photos": [photo(charlie)]}
    }
    submit(charlie, box, checklist=rusty, operating_pa=2555)
    login(client, lena)
    text = text_of(card(client, box))
    for phrase in (
        "场站设施检查记录卡", "TYX-A-001", "调压箱", "翠苑小区3幢北侧", "RX200/0.4",
        "东城项目公司", "示范燃气", "检查记录（共3次，最新在前）", "Charlie",
        "3400*", "3650", "2810", "2390", "2555*", "3600", "2800",
        "切断压力3400Pa", "箱体底部锈蚀", "运行压力2555Pa",
        "切断压力：复查合格", "运行压力：待维修", "箱体、管件无锈蚀：待维修",
        "规定范围：切断压力3500–3800Pa", "第1页共1页", "打印日期：2026年11月27日",
    ):  # fmt: skip
        assert phrase in text, phrase
    assert text.index("2555*") < text.index("3650") < text.index("3400*")  # newest first


def test_it_marks_a_corrected_check_with_the_reason(client, clock, lena, charlie, box):
    wrong = submit(charlie, box, operating_pa=2600)
    clock.shift(dt.timedelta(hours=1))
    facility_check_correct(
        acting_user=charlie, check=wrong, payload=check_payload(box), reason="运行压力抄错"
    )
    login(client, lena)
    text = text_of(card(client, box))
    assert "已被2026-11-27的更正记录取代：运行压力抄错" in text
    assert "更正记录：运行压力抄错" in text
    assert "运行压力：已撤销" in text  # the wrong check's repair job was withdrawn


def test_a_valve_well_has_no_pressure_columns(client, clock, lena, charlie, well):
    submit(charlie, well)
    login(client, lena)
    text = text_of(card(client, well))
    assert "FJ-A-001" in text and "阀井" in text and "正常" in text
    assert "调压箱压力" not in text and "清洗" not in text and "安全阀" not in text


def test_it_prints_a_card_without_checks(client, clock, lena, room):
    login(client, lena)
    text = text_of(card(client, room))
    assert "暂无检查记录" in text and "安全阀检验有效期至" in text and "2026-11-30" in text


def test_it_prints_in_chinese_whatever_the_page_language(client, clock, lena, charlie, box):
    submit(charlie, box)
    login(client, lena)
    client.cookies["django_language"] = "en"
    response = client.get(f"/facilities/{box.pk}/card.pdf", HTTP_ACCEPT_LANGUAGE="en")
    text = text_of(b"".join(response.streaming_content))
    assert "场站设施检查记录卡" in text and "第1页共1页" in text


def test_the_same_card_printed_again_is_the_same_bytes(client, clock, lena, bob, charlie, box):
    submit(charlie, box, cutoff_pa=3400)
    login(client, lena)
    first = card(client, box)
    clock.shift(dt.timedelta(hours=3))  # later the same day, by someone else
    client.logout()
    login(client, bob)
    assert card(client, box) == first


def test_it_refuses_another_branchs_card(client, clock, lena, well_b):
    login(client, lena)
    assert client.get(f"/facilities/{well_b.pk}/card.pdf").status_code == 404


# ── the document alone ──────────────────────────────────────────────────────────────

LINE = CheckLine(
    day=dt.date(2026, 1, 1),
    inspector="王安检",
    readings=(Reading(3600), Reading(2800), Reading(2400)),
    cleaned=False,
    result="正常",
    defects=(),
    repairs=(),
)
CARD = CardContent(
    company="示范燃气", branch="东城项目公司", code="TYX-A-001", kind="调压箱",
    name="东门调压箱", location="翠苑小区3幢北侧", community="翠苑小区",
    coordinates="30.274100, 120.155000", model="RX200/0.4", manufacturer="某燃气设备厂",
    installed_on=dt.date(2018, 5, 1), registered_on=dt.date(2026, 1, 5), safety_valve=True,
    safety_valve_valid_until=dt.date(2027, 6, 30), assignee="Charlie", active=True,
    last_checked_on=dt.date(2026, 8, 27), next_due_on=dt.date(2026, 11, 27),
    last_cleaned_on=dt.date(2026, 3, 1), next_cleaning_on=dt.date(2027, 3, 1), pressures=True,
    ranges="规定范围：切断压力 3500–3800 Pa", checks=(LINE,), printed_on=dt.date(2026, 11, 27),
)  # fmt: skip


def many_checks(count: int) -> tuple[CheckLine, ...]:
    start = dt.date(2000, 1, 1)
    return tuple(
        dataclasses.replace(
            LINE,
            day=start + dt.timedelta(days=91 * n),
            readings=(Reading(3400 + n, out_of_range=n % 2 == 0), Reading(2800), Reading(2400)),
            result="有缺陷" if n % 2 == 0 else "正常",
            defects=(f"第{n}次的缺陷说明",) if n % 2 == 0 else (),
        )
        for n in range(count)
    )


def test_it_runs_over_as_many_pages_as_the_checks_take_with_the_head_repeated():
    data = facility_card_pdf(dataclasses.replace(CARD, checks=many_checks(120)))
    total = pages(data)
    assert total >= 3
    text = text_of(data)
    for n in range(1, total + 1):
        assert f"第{n}页共{total}页" in text
    assert text.count("检查日期") == total  # the table's head on every page
    assert text.count("调压箱压力（Pa）") == total
    assert all(f"第{n}次的缺陷说明" in text for n in range(0, 120, 2))
    assert "3400*" in text and "3401" in text and "3401*" not in text


def test_a_check_with_very_many_defects_runs_on_rather_than_failing():
    long = tuple(f"第{n}项缺陷：" + "箱体锈蚀严重，需要更换" * 25 for n in range(12))
    data = facility_card_pdf(
        dataclasses.replace(CARD, checks=(dataclasses.replace(LINE, defects=long),))
    )
    assert pages(data) >= 2
    text = text_of(data)
    assert "第0项缺陷" in text and "第11项缺陷" in text


def test_the_document_is_the_same_bytes_for_the_same_content():
    content = dataclasses.replace(CARD, checks=many_checks(60))
    assert facility_card_pdf(content) == facility_card_pdf(content)
    changed = dataclasses.replace(content, printed_on=dt.date(2026, 11, 28))
    assert facility_card_pdf(changed) != facility_card_pdf(content)


def test_it_escapes_what_the_user_typed():
    nasty = "<b>张&amp;三</b> & <李>"
    data = facility_card_pdf(
        dataclasses.replace(
            CARD, name=nasty, location=nasty, code=nasty,
            checks=(dataclasses.replace(LINE, inspector=nasty, defects=(nasty,), remark=nasty),),
        )
    )  # fmt: skip
    assert pdf_text(data).count(nasty) >= 5
