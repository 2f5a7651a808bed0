"""The printable documents of the rectification loop (RULES B6, B7): each one A4 page, the
Chinese font embedded, the same content always the same bytes. Pure functions: no database."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ruhu.hazards.documents import (
    HazardLine,
    MissedVisitNoticeContent,
    PropertyLetterContent,
    RectificationNoticeContent,
    StopSupplyNoticeContent,
    level_name,
    missed_visit_notice_pdf,
    property_letter_pdf,
    rectification_notice_pdf,
    stop_supply_notice_pdf,
)
from tests.pdf import pdf_text

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
A4 = b"/MediaBox [ 0 0 595.2756 841.8898 ]"

HAZARDS = (
    HazardLine("直排式热水器", 1, "厨房内装有直排式热水器", "拆除，更换为强排式热水器并安装烟道"),
    HazardLine("软管超长", 2, "灶具连接软管约2.5米", "更换为不超过2米的燃气专用软管"),
    HazardLine("表前阀开关不便", 3, "", "由维修人员调整表前阀"),
)  # fmt: skip
MANY_HAZARDS = tuple(
    HazardLine(f"隐患类型{n}", n % 3 + 1, "隐患说明" * (n % 4 + 1), "整改要求" * 4)
    for n in range(25)
)
NASTY = "<b>张&amp;三</b> & <李>"

NOTICE = RectificationNoticeContent(
    company="示范燃气", branch="东城项目公司", number="ZG-2026-000123", second=False,
    account_no="DC000017", customer_name="张三", address="阳光家园1幢2单元0301室",
    hazards=HAZARDS, issued_on=dt.date(2026, 12, 1), deadline=dt.date(2026, 12, 8),
    inspector_name="王安检", inspector_badge="A-001", hotline="96777",
    copy_return_hours=48, second_notice_days=3,
)  # fmt: skip
STOP = StopSupplyNoticeContent(
    company="示范燃气", branch="东城项目公司", number="TG-2026-000009", account_no="DC000017",
    customer_name="张三", address="阳光家园1幢2单元0301室", hazards=HAZARDS,
    first_notice_on=dt.date(2026, 12, 1), first_deadline=dt.date(2026, 12, 8),
    second_notice_on=dt.date(2026, 12, 9), second_deadline=dt.date(2026, 12, 12),
    limited_since=dt.date(2026, 12, 13), stop_on=dt.date(2026, 12, 20), hotline="96777",
)  # fmt: skip
LETTER = PropertyLetterContent(
    company="示范燃气", branch="东城项目公司", number="LH-2026-0003",
    property_manager="阳光家园物业服务中心", community="阳光家园",
    households=(
        ("阳光家园1幢2单元0301室", "直排式热水器未拆除"),
        ("阳光家园3幢1单元0502室", "拒绝安检人员入户"),
    ),
    stop_on=dt.date(2026, 12, 20), contact_name="刘主管", contact_phone="0571-88886666",
    hotline="96777", issued_on=dt.date(2026, 12, 13),
)  # fmt: skip
MISSED = MissedVisitNoticeContent(
    company="示范燃气", branch="东城项目公司", address="阳光家园1幢2单元0301室",
    visited_at=dt.datetime(2026, 12, 1, 14, 30, tzinfo=SHANGHAI), inspector_name="王安检",
    inspector_badge="A-001", attempts=2, hotline="96777", visit_hours="9:00–17:00",
)  # fmt: skip


def one_a4_page_in_chinese(data: bytes) -> str:
    """Checks the page and the font; the text, spaces removed."""
    assert data.startswith(b"%PDF")
    assert b"/Count 1 " in data and A4 in data
    assert b"/FontFile2" in data and b"WenQuanYiMicroHei" in data  # TrueType, embedded
    return pdf_text(data).replace(" ", "").replace("\xa0", "")


def test_it_names_the_hazard_levels():
    assert [level_name(n) for n in (1, 2, 3)] == ["一级", "二级", "三级"]


def test_it_prints_the_rectification_notice_in_two_copies_on_one_page():
    data = rectification_notice_pdf(NOTICE)
    text = one_a4_page_in_chinese(data)
    for phrase in (
        "安全隐患整改通知书", "第一联客户联", "第二联公司联", "此联须于48小时内交回安检主管部门",
        "沿此线剪开", "编号：ZG-2026-000123", "DC000017", "张三", "阳光家园1幢2单元0301室",
        "直排式热水器", "软管超长", "表前阀开关不便", "一级", "二级", "三级",
        "拆除，更换为强排式热水器并安装烟道", "请于2026年12月8日前完成整改",
        "逾期未整改将再次下达整改通知并限期3日内整改", "96777", "客户签字",
        "安检员签字（工号）", "王安检", "A-001", "2026年12月1日",
    ):  # fmt: skip
        assert phrase in text, phrase
    assert text.count("请于2026年12月8日前完成整改") == 2  # on both copies
    assert "第二次" not in text and "限量售气" not in text
    assert rectification_notice_pdf(NOTICE) == data  # the same notice, the same bytes


def test_it_marks_the_second_notice_and_its_consequence():
    second = dataclasses.replace(NOTICE, second=True, deadline=dt.date(2026, 12, 12))
    text = one_a4_page_in_chinese(rectification_notice_pdf(second))
    assert text.count("安全隐患整改通知书（第二次）") == 2
    assert "请于2026年12月12日前完成整改" in text
    assert "逾期仍未整改，我公司将依法采取限量售气、停止供气等措施" in text
    assert "再次下达整改通知" not in text


def test_it_prints_the_stop_supply_notice_with_a_seal_and_no_customer_signature():
    data = stop_supply_notice_pdf(STOP)
    text = one_a4_page_in_chinese(data)
    for phrase in (
        "停止供气通知书", "编号：TG-2026-000009", "DC000017", "张三", "直排式热水器", "软管超长",
        "第一次《安全隐患整改通知书》", "第二次《安全隐患整改通知书》", "2026年12月1日",
        "2026年12月8日", "2026年12月9日", "2026年12月12日",
        "自2026年12月13日起，我公司已对您户实行限量售气", "2026年12月20日", "停止售气并封停",
        "如何恢复供气", "96777", "（盖章）", "示范燃气东城项目公司", "送达方式：", "张贴于门上",
        "挂号信", "快递", "单号：",
    ):  # fmt: skip
        assert phrase in text, phrase
    assert "签字" not in text  # the Electronic Signature Law: no signature of the customer
    assert stop_supply_notice_pdf(STOP) == data


def test_it_leaves_out_limited_sales_that_never_began():
    text = one_a4_page_in_chinese(
        stop_supply_notice_pdf(dataclasses.replace(STOP, limited_since=None))
    )
    assert "实行限量售气" not in text and "封停" in text


def test_it_prints_the_letter_to_the_property_manager():
    data = property_letter_pdf(LETTER)
    text = one_a4_page_in_chinese(data)
    for phrase in (
        "联络函", "编号：LH-2026-0003", "阳光家园物业服务中心：", "阳光家园", "住户地址",
        "隐患情况", "阳光家园3幢1单元0502室", "拒绝安检人员入户", "2026年12月20日", "封停",
        "刘主管", "0571-88886666", "96777", "（盖章）", "2026年12月13日",
    ):  # fmt: skip
        assert phrase in text, phrase
    assert property_letter_pdf(LETTER) == data


def test_it_prints_the_missed_visit_notice():
    data = missed_visit_notice_pdf(MISSED)
    text = one_a4_page_in_chinese(data)
    for phrase in (
        "到访不遇通知单", "阳光家园1幢2单元0301室", "2026年12月1日（周二）14:30", "第2次上门",
        "96777", "每日9:00–17:00", "预约日期", "时间", "联系电话", "王安检", "A-001",
        "佩戴工牌", "不收取现金",
    ):  # fmt: skip
        assert phrase in text, phrase
    assert missed_visit_notice_pdf(MISSED) == data


def test_it_prints_the_visit_in_local_time():
    utc = dataclasses.replace(MISSED, visited_at=dt.datetime(2026, 12, 1, 6, 30, tzinfo=dt.UTC))
    assert "2026年12月1日（周二）14:30" in one_a4_page_in_chinese(missed_visit_notice_pdf(utc))


def test_it_keeps_a_long_list_on_one_page():
    many = tuple((f"阳光家园{n}幢1单元0101室", "直排式热水器未拆除；软管超长") for n in range(40))
    documents = (
        (rectification_notice_pdf(dataclasses.replace(NOTICE, hazards=MANY_HAZARDS)), 2),
        (
            rectification_notice_pdf(
                dataclasses.replace(NOTICE, hazards=MANY_HAZARDS, second=True)
            ),
            2,
        ),
        (stop_supply_notice_pdf(dataclasses.replace(STOP, hazards=MANY_HAZARDS)), 1),
    )
    for data, copies in documents:
        text = one_a4_page_in_chinese(data)  # shrunk, not spilled onto a second page
        assert text.count("隐患类型0") == copies and text.count("隐患类型24") == copies
    letter = one_a4_page_in_chinese(
        property_letter_pdf(dataclasses.replace(LETTER, households=many))
    )
    assert "阳光家园0幢1单元0101室" in letter and "阳光家园39幢1单元0101室" in letter


def test_it_escapes_what_the_user_typed():
    hazard = HazardLine(NASTY, 1, NASTY, NASTY)
    documents = (
        rectification_notice_pdf(
            dataclasses.replace(
                NOTICE, customer_name=NASTY, address=NASTY, number=NASTY, hazards=(hazard,),
                inspector_name=NASTY, hotline=NASTY, company=NASTY,
            )
        ),
        stop_supply_notice_pdf(
            dataclasses.replace(
                STOP, customer_name=NASTY, address=NASTY, hazards=(hazard,), branch=NASTY
            )
        ),
        property_letter_pdf(
            dataclasses.replace(
                LETTER, property_manager=NASTY, community=NASTY, households=((NASTY, NASTY),),
                contact_name=NASTY,
            )
        ),
        missed_visit_notice_pdf(
            dataclasses.replace(MISSED, address=NASTY, inspector_name=NASTY, visit_hours=NASTY)
        ),
    )  # fmt: skip
    for data in documents:
        assert "<b>张&amp;三</b>&<李>" in one_a4_page_in_chinese(data)
