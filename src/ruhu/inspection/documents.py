"""Printable documents of the inspection domain: the community notice (RULES B3).

《燃气安全入户检查通知》 is posted in stairwells, lifts and on notice boards a week before the
inspectors come, so it is set in large type on one A4 page. The Chinese font (embedded, see
`ruhu.common.pdf`) is shared with the other printable documents.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from ruhu.common.pdf import FontMissing, chinese_date, cjk_font, date_span, escape

__all__ = [
    "CommunityNoticeContent",
    "FontMissing",
    "chinese_date",
    "cjk_font",
    "community_notice_pdf",
    "date_span",
]


@dataclass(frozen=True)
class CommunityNoticeContent:
    company: str
    branch: str
    community: str
    first_day: dt.date
    last_day: dt.date
    working_days: int
    visit_hours: str
    hotline: str
    issued_on: dt.date


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=15, leading=22, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=32, leading=40, alignment=TA_CENTER, spaceAfter=2
        ),
        "from": ParagraphStyle(
            "from", parent=base, fontSize=14, leading=20, alignment=TA_CENTER, textColor="#333333"
        ),
        "greeting": ParagraphStyle("greeting", parent=base, fontSize=18, leading=26),
        "body": ParagraphStyle("body", parent=base, fontSize=16, leading=25, firstLineIndent=32),
        "label": ParagraphStyle("label", parent=base, fontSize=16, leading=24),
        "fact": ParagraphStyle("fact", parent=base, fontSize=20, leading=28),
        "home": ParagraphStyle(
            "home", parent=base, fontSize=26, leading=34, alignment=TA_CENTER, textColor="white"
        ),
        "after-home": ParagraphStyle(
            "after-home", parent=base, fontSize=14, leading=22, alignment=TA_CENTER, spaceBefore=2
        ),
        "heading": ParagraphStyle("heading", parent=base, fontSize=17, leading=24, spaceBefore=8),
        "item": ParagraphStyle("item", parent=base, fontSize=15, leading=23, leftIndent=18),
        "hotline": ParagraphStyle(
            "hotline", parent=base, fontSize=22, leading=30, alignment=TA_CENTER
        ),
        "sign": ParagraphStyle("sign", parent=base, fontSize=15, leading=22, alignment=TA_RIGHT),
    }


def _facts(rows: list[tuple[str, str]], s: dict[str, ParagraphStyle]) -> Table:
    return Table(
        [[Paragraph(label, s["label"]), Paragraph(value, s["fact"])] for label, value in rows],
        colWidths=[30 * mm, None],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.5, colors.HexColor("#999999")),
                ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ]
        ),
    )


def _boxed(paragraph: Paragraph, *, filled: bool = False) -> Table:
    """A framed line; `filled`: white on black, what must be read from across the hall."""
    style: list[tuple] = [
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
    ]
    if filled:
        style.append(("BACKGROUND", (0, 0), (-1, -1), colors.black))
    else:
        style.append(("BOX", (0, 0), (-1, -1), 1.2, colors.black))
    return Table([[paragraph]], style=TableStyle(style))


def community_notice_pdf(content: CommunityNoticeContent) -> bytes:
    """《燃气安全入户检查通知》 for one community: one A4 page, Chinese font embedded.

    The output depends only on `content` (no creation time inside), so the same notice
    always gives the same bytes.
    """
    font = cjk_font()
    s = _styles(font)
    issuer = " ".join(part for part in (content.company, content.branch) if part)
    community = escape(content.community)
    hours = escape(content.visit_hours)
    hotline = escape(content.hotline)
    title = _("燃气安全入户检查通知")
    span = date_span(content.first_day, content.last_day, separator="<br/>")
    facts = _facts(
        [
            (_("检查日期"), span),
            (_("检查用时"), _("共 %(days)d 个工作日") % {"days": content.working_days}),
            (_("上门时间"), _("每日 %(hours)s") % {"hours": hours}),
        ],
        s,
    )
    stay_home = _boxed(Paragraph(_("检查期间请家中留人（成年人）"), s["home"]), filled=True)
    hotline_text = _("如有疑问请拨打服务热线：%(hotline)s") % {"hotline": hotline}
    hotline_box = _boxed(Paragraph(hotline_text, s["hotline"]))
    checks = [
        _("室内燃气管道、阀门和接头是否漏气，有无私拉乱接或穿越卧室"),
        _("燃气灶及连接胶管是否老化、超长、松脱，灶具是否通风"),
        _("热水器、壁挂炉的烟道和通风，有无禁用的直排式热水器"),
        _("燃气表、立管和报警器是否完好，铅封是否完整"),
    ]
    tips = [
        _("安检员统一着装、佩戴工牌，请核对工牌后再开门。"),
        _("入户安全检查现场不收取现金，请勿向任何人支付现金。"),
        _("检查结束后，请在安检记录上签字确认。"),
    ]
    story = [
        Paragraph(title, s["title"]),
        Paragraph(escape(issuer), s["from"]),
        HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=8, spaceAfter=10),
        Paragraph(_("尊敬的%(community)s住户：") % {"community": community}, s["greeting"]),
        Paragraph(
            _(
                "为保障您和家人的用气安全，我公司将对本小区进行燃气安全入户检查，"
                "届时安检员将逐户上门，请您给予支持和配合。"
            ),
            s["body"],
        ),
        Spacer(1, 8),
        facts,
        Spacer(1, 12),
        stay_home,
        Paragraph(_("如检查期间家中无人，请提前致电热线另约时间。"), s["after-home"]),
        Paragraph("■ " + _("检查内容"), s["heading"]),
        *[Paragraph(f"{n}. {escape(text)}", s["item"]) for n, text in enumerate(checks, 1)],
        Paragraph("■ " + _("温馨提示"), s["heading"]),
        *[Paragraph(f"{n}. {escape(text)}", s["item"]) for n, text in enumerate(tips, 1)],
        Spacer(1, 10),
        hotline_box,
        Spacer(1, 8),
        Paragraph(escape(issuer), s["sign"]),
        Paragraph(chinese_date(content.issued_on, weekday=False), s["sign"]),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=14 * mm,
        bottomMargin=12 * mm,
        title=f"{title} {content.community}",
        author=issuer,
        lang="zh-CN",
        invariant=True,
        initialFontName=font,
    )
    # a long community name or hotline shrinks the page's type a little: never a second page
    doc.build([KeepInFrame(doc.width, doc.height, story, mode="shrink")])
    return out.getvalue()
