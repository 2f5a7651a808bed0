"""Printable documents of the hazard rectification loop (RULES B6, B7).

- 《安全隐患整改通知书》: two copies on one A4 page, cut apart along a dashed line: the
  customer keeps the first (客户联), the company's (公司联) goes back to the inspection office
  within 48 hours. The second notice (3-day deadline) is the same form marked 「第二次」.
- 《停止供气通知书》: posted on the door or sent by registered mail or express; not signed by
  the customer (the Electronic Signature Law excludes documents that stop gas supply), so it
  carries the company's seal and a record of how it was delivered.
- 《联络函》: asks the property manager to help gain entry before supply is stopped.
- 《到访不遇通知单》: left at the door when nobody was home.

Each builder is a pure function of its content: one A4 page (long lists shrink rather than
spill onto a second page), the Chinese font embedded, no creation time inside, so the same
content always gives the same bytes. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameBreak,
    KeepInFrame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from ruhu.common.pdf import chinese_date, cjk_font, escape

PAGE_WIDTH, PAGE_HEIGHT = A4
SIDE_MARGIN = 16 * mm
TOP_MARGIN = 14 * mm
BOTTOM_MARGIN = 12 * mm
COPY_MARGIN = 10 * mm  # top and bottom of the two-copy rectification notice
CUT_GAP = 10 * mm  # between its two copies
FRAME_WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN
GRID = colors.HexColor("#555555")
SHADE = colors.HexColor("#EEEEEE")
BLANK = "\u00a0"  # a space the paragraph keeps: room to write on paper
COMPACT_AFTER = 6  # hazards; more are set one line each


@dataclass(frozen=True)
class HazardLine:
    type_name: str
    level: int  # 1, 2 or 3 (RULES B5)
    description: str
    requirement: str


@dataclass(frozen=True)
class RectificationNoticeContent:
    company: str
    branch: str
    number: str
    second: bool
    account_no: str
    customer_name: str
    address: str
    hazards: tuple[HazardLine, ...]
    issued_on: dt.date
    deadline: dt.date
    inspector_name: str
    inspector_badge: str
    hotline: str
    # the policy's numbers the notice quotes (RULES B6.3, B6.4), as on the day it was issued
    copy_return_hours: int
    second_notice_days: int


@dataclass(frozen=True)
class StopSupplyNoticeContent:
    company: str
    branch: str
    number: str
    account_no: str
    customer_name: str
    address: str
    hazards: tuple[HazardLine, ...]
    first_notice_on: dt.date
    first_deadline: dt.date
    second_notice_on: dt.date
    second_deadline: dt.date
    limited_since: dt.date | None
    stop_on: dt.date
    hotline: str


@dataclass(frozen=True)
class PropertyLetterContent:
    company: str
    branch: str
    number: str
    property_manager: str
    community: str
    households: tuple[tuple[str, str], ...]  # (address, hazards summary)
    stop_on: dt.date
    contact_name: str
    contact_phone: str
    hotline: str
    issued_on: dt.date


@dataclass(frozen=True)
class MissedVisitNoticeContent:
    company: str
    branch: str
    address: str
    visited_at: dt.datetime
    inspector_name: str
    inspector_badge: str
    attempts: int
    hotline: str
    visit_hours: str


def level_name(level: int) -> str:
    """一级/二级/三级 (RULES B5)."""
    names = {1: _("一级"), 2: _("二级"), 3: _("三级")}
    return names.get(level, str(level))


# ── shared pieces ───────────────────────────────────────────────────────


def _styles(font: str, k: float = 1.0) -> dict[str, ParagraphStyle]:
    """The type of the forms, all sizes scaled by `k` (a door notice reads from further off)."""

    def style(name: str, size: float, leading: float, **kwargs) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size * k, leading=leading * k, wordWrap="CJK", **kwargs
        )

    return {
        "base": style("base", 11, 16),
        "title": style("title", 22, 28, alignment=TA_CENTER, spaceAfter=2 * k),
        "big-title": style("big-title", 26, 34, alignment=TA_CENTER, spaceAfter=2 * k),
        "from": style("from", 11, 15, alignment=TA_CENTER, textColor="#333333"),
        "copy": style("copy", 11, 15),
        "number": style("number", 11, 15, alignment=TA_RIGHT),
        "greeting": style("greeting", 13, 20, spaceBefore=4 * k),
        "body": style("body", 12, 19, firstLineIndent=24 * k),
        "strong": style("strong", 13, 20),
        "label": style("label", 10.5, 14),
        "cell": style("cell", 10.5, 14),
        "centered": style("centered", 10.5, 14, alignment=TA_CENTER),
        "heading": style("heading", 13, 19, spaceBefore=6 * k),
        "item": style("item", 12, 18, leftIndent=14 * k),
        "boxed": style("boxed", 15, 22, alignment=TA_CENTER),
        "sign": style("sign", 12, 19, alignment=TA_RIGHT),
        "small": style("small", 10, 14),
    }


def _issuer(company: str, branch: str) -> str:
    return " ".join(part for part in (company, branch) if part)


class _FullWidth(Flowable):
    """A table laid out afresh for the width it is offered: a page shrunk to fit lays its
    content out wider than the frame, and a table of fixed widths would end up narrower
    than the paragraphs around it."""

    def __init__(self, make: Callable[[float], Table]) -> None:
        super().__init__()
        self._make = make
        self._table = make(FRAME_WIDTH)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._table = self._make(availWidth)
        self.width, self.height = self._table.wrap(availWidth, availHeight)
        return self.width, self.height

    def draw(self) -> None:
        self._table.drawOn(self.canv, 0, 0)


def _grid(
    rows: list[list], widths: Sequence[float | None], extra: Sequence[tuple] = ()
) -> Flowable:
    """A bordered table, the usual form look, as wide as its frame. `widths` are for the
    full frame (at most one None: what is left) and stretch with the offered width."""
    rest = FRAME_WIDTH - sum(w for w in widths if w is not None)
    shares = [(w if w is not None else rest) / FRAME_WIDTH for w in widths]
    style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.6, GRID),
            ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            *extra,
        ]
    )
    return _FullWidth(lambda width: Table(rows, colWidths=[width * x for x in shares], style=style))


def _customer_table(
    s: dict[str, ParagraphStyle], account_no: str, customer_name: str, address: str
) -> Table:
    label = 22 * mm
    value = (FRAME_WIDTH - 2 * label) / 2
    cell = s["cell"]
    rows = [
        [
            Paragraph(_("户号"), s["label"]),
            Paragraph(escape(account_no), cell),
            Paragraph(_("客户姓名"), s["label"]),
            Paragraph(escape(customer_name), cell),
        ],
        [Paragraph(_("地址"), s["label"]), Paragraph(escape(address), cell), "", ""],
    ]
    return _grid(
        rows,
        [label, value, label, value],
        [
            ("SPAN", (1, 1), (3, 1)),
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("BACKGROUND", (2, 0), (2, 0), SHADE),
        ],
    )


def _hazard_table(s: dict[str, ParagraphStyle], hazards: Sequence[HazardLine]) -> Table:
    """序号 | 隐患 | 等级 | 说明/整改要求; a long list puts each hazard on one line."""
    compact = len(hazards) > COMPACT_AFTER
    header = [
        Paragraph(_("序号"), s["centered"]),
        Paragraph(_("隐患"), s["centered"]),
        Paragraph(_("等级"), s["centered"]),
        Paragraph(_("说明 / 整改要求"), s["centered"]),
    ]
    rows: list[list] = [header]
    for n, hazard in enumerate(hazards, 1):
        parts = []
        if hazard.description:
            parts.append(escape(hazard.description))
        if hazard.requirement:
            parts.append(
                _("整改要求：%(requirement)s") % {"requirement": escape(hazard.requirement)}
            )
        rows.append(
            [
                Paragraph(str(n), s["centered"]),
                Paragraph(escape(hazard.type_name), s["cell"]),
                Paragraph(level_name(hazard.level), s["centered"]),
                Paragraph(("；" if compact else "<br/>").join(parts), s["cell"]),
            ]
        )
    if not hazards:
        rows.append(["", Paragraph(_("（无）"), s["cell"]), "", ""])
    number, level, kind = 12 * mm, 15 * mm, 42 * mm
    extra: list[tuple] = [("BACKGROUND", (0, 0), (-1, 0), SHADE)]
    if compact:
        extra += [("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    return _grid(rows, [number, kind, level, None], extra)


def _boxed(paragraph: Paragraph, *, thick: float = 1.5) -> Flowable:
    """A framed paragraph across the frame: what must not be missed."""
    style = TableStyle(
        [
            ("BOX", (0, 0), (-1, -1), thick, colors.black),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ]
    )
    return _FullWidth(lambda width: Table([[paragraph]], colWidths=[width], style=style))


def _seal(s: dict[str, ParagraphStyle], issuer: str, day: dt.date | None) -> Table:
    """The company's name, room for its seal, the date (blank to fill in when not known)."""
    date_text = (
        chinese_date(day, weekday=False)
        if day is not None
        else _("%(b)s年%(b)s月%(b)s日") % {"b": BLANK * 6}
    )
    return Table(
        [
            [Paragraph(escape(issuer), s["sign"])],
            [Paragraph(_("（盖章）"), s["sign"])],
            [Paragraph(date_text, s["sign"])],
        ],
        colWidths=[80 * mm],
        hAlign="RIGHT",
        style=TableStyle(
            [
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 1), (-1, 1), 14),  # room for the seal
                ("BOTTOMPADDING", (0, 1), (-1, 1), 14),
            ]
        ),
    )


def _header(s: dict[str, ParagraphStyle], left: Flowable | None, number: str) -> Flowable:
    """A line with the copy's name (or nothing) on the left and 编号 on the right."""
    row = [[left or "", Paragraph(_("编号：%(number)s") % {"number": escape(number)}, s["number"])]]
    style = TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )
    return _FullWidth(lambda width: Table(row, colWidths=[width * 0.62, width * 0.38], style=style))


def _rule() -> HRFlowable:
    return HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=4, spaceAfter=6)


def _build(
    *,
    title: str,
    author: str,
    frames: list[Frame],
    stories: list[list[Flowable]],
    on_page: Callable[[Canvas, BaseDocTemplate], None] | None = None,
) -> bytes:
    """One A4 page: each story shrinks into its own frame, never onto a second page."""
    font = cjk_font()
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author=author,
        lang="zh-CN",
        invariant=True,
        initialFontName=font,
    )
    kwargs = {"onPage": on_page} if on_page is not None else {}
    doc.addPageTemplates([PageTemplate(id="page", frames=frames, **kwargs)])
    flowables: list[Flowable] = []
    for n, (frame, story) in enumerate(zip(frames, stories, strict=True)):
        if n:
            flowables.append(FrameBreak())
        width = frame._width - frame._leftPadding - frame._rightPadding
        height = frame._height - frame._topPadding - frame._bottomPadding
        flowables.append(KeepInFrame(width, height, story, mode="shrink"))
    doc.build(flowables)
    return out.getvalue()


def _full_page() -> Frame:
    return Frame(
        SIDE_MARGIN,
        BOTTOM_MARGIN,
        FRAME_WIDTH,
        PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="page",
    )


# ── 安全隐患整改通知书 ──────────────────────────────────────────────────


def _rectification_copy(
    content: RectificationNoticeContent, s: dict[str, ParagraphStyle], *, customer: bool
) -> list[Flowable]:
    title = _("安全隐患整改通知书")
    if content.second:
        title += _("（第二次）")
    label = _("第一联 客户联") if customer else _("第二联 公司联")
    hours = content.copy_return_hours
    note = "" if customer else _("此联须于%(hours)s小时内交回安检主管部门") % {"hours": hours}
    deadline = chinese_date(content.deadline, weekday=False)
    if content.second:
        consequence = _("逾期仍未整改，我公司将依法采取限量售气、停止供气等措施。")
    else:
        consequence = _("逾期未整改将再次下达整改通知并限期%(days)s日内整改。") % {
            "days": content.second_notice_days
        }
    copy = Table(
        [[Paragraph(label, s["copy"]), Paragraph(note, s["copy"])]],
        colWidths=[28 * mm * s["copy"].fontSize / 11, None],
        style=TableStyle(
            [
                ("BOX", (0, 0), (0, 0), 1, colors.black),
                ("BACKGROUND", (0, 0), (0, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, 0), 4),
                ("LEFTPADDING", (1, 0), (1, 0), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )
    signature = _grid(
        [
            [Paragraph(_("客户签字"), s["label"]), "", Paragraph(_("日期"), s["label"]), ""],
            [
                Paragraph(_("安检员签字（工号）"), s["label"]),
                "",
                Paragraph(_("日期"), s["label"]),
                "",
            ],
        ],
        [36 * mm, None, 14 * mm, 40 * mm],
        [
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("BACKGROUND", (2, 0), (2, -1), SHADE),
            ("TOPPADDING", (0, 0), (-1, -1), 8),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
        ],
    )
    inspector = _("安检员：%(name)s（工号 %(badge)s）") % {
        "name": escape(content.inspector_name),
        "badge": escape(content.inspector_badge),
    }
    issued = _("下达日期：%(day)s") % {"day": chinese_date(content.issued_on, weekday=False)}
    return [
        _header(s, copy, content.number),
        Paragraph(title, s["title"]),
        Paragraph(escape(_issuer(content.company, content.branch)), s["from"]),
        Spacer(1, 4),
        _customer_table(s, content.account_no, content.customer_name, content.address),
        Spacer(1, 5),
        Paragraph(_("经我公司入户安全检查，您处存在下列燃气安全隐患，请按要求整改："), s["base"]),
        Spacer(1, 3),
        _hazard_table(s, content.hazards),
        Spacer(1, 6),
        Paragraph(
            _("请于 %(deadline)s 前完成整改。") % {"deadline": f"<u>{deadline}</u>"} + consequence,
            s["strong"],
        ),
        Paragraph(
            _("整改完成后请拨打服务热线 %(hotline)s 预约复查。")
            % {"hotline": escape(content.hotline)},
            s["base"],
        ),
        Paragraph(inspector + BLANK * 6 + issued, s["base"]),
        Spacer(1, 6),
        signature,
    ]


def rectification_notice_pdf(content: RectificationNoticeContent) -> bytes:
    """《安全隐患整改通知书》: 第一联 客户联 above, 第二联 公司联 below a dashed cut line."""
    font = cjk_font()
    s = _styles(font)
    half = (PAGE_HEIGHT - 2 * COPY_MARGIN - CUT_GAP) / 2
    upper = Frame(
        SIDE_MARGIN, COPY_MARGIN + half + CUT_GAP, FRAME_WIDTH, half,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="customer",
    )  # fmt: skip
    lower = Frame(
        SIDE_MARGIN, COPY_MARGIN, FRAME_WIDTH, half,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="company",
    )  # fmt: skip
    cut_y = COPY_MARGIN + half + CUT_GAP / 2
    cut_text = _("沿此线剪开")

    def cut_line(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 9)
        text_width = canvas.stringWidth(cut_text, font, 9)
        middle = PAGE_WIDTH / 2
        canvas.setDash(4, 3)
        canvas.setLineWidth(0.8)
        canvas.setStrokeColor(colors.HexColor("#444444"))
        canvas.line(8 * mm, cut_y, middle - text_width / 2 - 3 * mm, cut_y)
        canvas.line(middle + text_width / 2 + 3 * mm, cut_y, PAGE_WIDTH - 8 * mm, cut_y)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawCentredString(middle, cut_y - 3, cut_text)
        canvas.restoreState()

    title = _("安全隐患整改通知书")
    return _build(
        title=f"{title} {content.number}",
        author=_issuer(content.company, content.branch),
        frames=[upper, lower],
        stories=[
            _rectification_copy(content, s, customer=True),
            _rectification_copy(content, s, customer=False),
        ],
        on_page=cut_line,
    )


# ── 停止供气通知书 ──────────────────────────────────────────────────────


def _delivery_line(size: float) -> str:
    """送达方式 with boxes to tick: the notice is not signed, so how it reached the customer
    is recorded on it (the font's □ is small: set larger, and lowered to the line)."""
    box = f'<sub rise="{size * 0.12:.1f}" size="{size * 1.5:.1f}">□</sub>'
    gap = BLANK * 4
    return _(
        "送达方式：%(door)s张贴于门上%(gap)s%(mail)s挂号信%(gap)s%(express)s快递%(gap)s单号：%(no)s"
    ) % {
        "door": box,
        "mail": box,
        "express": box,
        "gap": gap,
        "no": "_" * 24,
    }


def stop_supply_notice_pdf(content: StopSupplyNoticeContent) -> bytes:
    """《停止供气通知书》: posted on the door or mailed; the company's seal, no signature."""
    s = _styles(cjk_font(), 1.1)
    title = _("停止供气通知书")
    issuer = _issuer(content.company, content.branch)
    stop_on = chinese_date(content.stop_on, weekday=False)
    notices = _grid(
        [
            [
                Paragraph(_("已下达的整改通知"), s["centered"]),
                Paragraph(_("下达日期"), s["centered"]),
                Paragraph(_("整改期限"), s["centered"]),
            ],
            [
                Paragraph(_("第一次《安全隐患整改通知书》"), s["cell"]),
                Paragraph(chinese_date(content.first_notice_on, weekday=False), s["centered"]),
                Paragraph(chinese_date(content.first_deadline, weekday=False), s["centered"]),
            ],
            [
                Paragraph(_("第二次《安全隐患整改通知书》"), s["cell"]),
                Paragraph(chinese_date(content.second_notice_on, weekday=False), s["centered"]),
                Paragraph(chinese_date(content.second_deadline, weekday=False), s["centered"]),
            ],
        ],
        [None, 45 * mm, 45 * mm],
        [("BACKGROUND", (0, 0), (-1, 0), SHADE)],
    )
    recital = _(
        "我公司已先后两次向您下达《安全隐患整改通知书》（见下表），"
        "限期整改上述隐患，但截至目前隐患仍未整改。"
    )
    if content.limited_since is not None:
        recital += _("自 %(day)s 起，我公司已对您户实行限量售气。") % {
            "day": chinese_date(content.limited_since, weekday=False)
        }
    warning = _(
        "如您在 %(day)s 前仍未完成整改或仍拒绝安检人员入户，"
        "我公司将于 %(day)s 起对您户停止售气并封停燃气设施。"
    ) % {"day": f"<u>{stop_on}</u>"}
    restore = [
        _("按上表整改要求完成全部隐患整改；需专业人员施工的，可拨打服务热线预约维修。"),
        _("整改完成后拨打服务热线 %(hotline)s，预约安检员上门复查。")
        % {"hotline": escape(content.hotline)},
        _("经复查合格后，我公司将解除限量售气和封停，恢复正常供气。"),
    ]
    story: list[Flowable] = [
        _header(s, None, content.number),
        Paragraph(title, s["big-title"]),
        Paragraph(escape(issuer), s["from"]),
        _rule(),
        _customer_table(s, content.account_no, content.customer_name, content.address),
        Paragraph(_("尊敬的用户："), s["greeting"]),
        Paragraph(
            _(
                "根据《城镇燃气管理条例》及有关规定，燃气用户应当配合燃气经营者的安全检查，"
                "及时消除燃气安全隐患。经我公司入户安全检查，您处存在下列燃气安全隐患："
            ),
            s["body"],
        ),
        Spacer(1, 4),
        _hazard_table(s, content.hazards),
        Spacer(1, 6),
        Paragraph(recital, s["body"]),
        Spacer(1, 4),
        notices,
        Spacer(1, 8),
        _boxed(Paragraph(warning, s["boxed"]), thick=2),
        Paragraph("■ " + _("如何恢复供气"), s["heading"]),
        *[Paragraph(f"{n}. {text}", s["item"]) for n, text in enumerate(restore, 1)],
        Spacer(1, 6),
        Paragraph(_("特此通知。"), s["body"]),
        Spacer(1, 4),
        _seal(s, issuer, None),
        Spacer(1, 8),
        HRFlowable(width="100%", thickness=0.5, color=GRID, spaceAfter=3),
        Paragraph(_delivery_line(s["small"].fontSize), s["small"]),
    ]
    return _build(
        title=f"{title} {content.number}",
        author=issuer,
        frames=[_full_page()],
        stories=[story],
    )


# ── 联络函 ──────────────────────────────────────────────────────────────


def property_letter_pdf(content: PropertyLetterContent) -> bytes:
    """《联络函》: the property manager is asked to help gain entry before supply is stopped."""
    s = _styles(cjk_font(), 1.2)
    title = _("联络函")
    issuer = _issuer(content.company, content.branch)
    stop_on = chinese_date(content.stop_on, weekday=False)
    community = escape(content.community)
    rows: list[list] = [
        [
            Paragraph(_("序号"), s["centered"]),
            Paragraph(_("住户地址"), s["centered"]),
            Paragraph(_("隐患情况"), s["centered"]),
        ]
    ]
    for n, (address, summary) in enumerate(content.households, 1):
        rows.append(
            [
                Paragraph(str(n), s["centered"]),
                Paragraph(escape(address), s["cell"]),
                Paragraph(escape(summary), s["cell"]),
            ]
        )
    households = _grid(
        rows,
        [16 * mm, 72 * mm, None],
        [("BACKGROUND", (0, 0), (-1, 0), SHADE)],
    )
    contact = _grid(
        [
            [
                Paragraph(_("联系人"), s["label"]),
                Paragraph(escape(content.contact_name), s["cell"]),
                Paragraph(_("联系电话"), s["label"]),
                Paragraph(escape(content.contact_phone), s["cell"]),
            ],
            [
                Paragraph(_("服务热线"), s["label"]),
                Paragraph(escape(content.hotline), s["cell"]),
                "",
                "",
            ],
        ],
        [26 * mm, None, 26 * mm, 52 * mm],
        [
            ("SPAN", (1, 1), (3, 1)),
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("BACKGROUND", (2, 0), (2, 0), SHADE),
        ],
    )
    story: list[Flowable] = [
        _header(s, None, content.number),
        Paragraph(title, s["big-title"]),
        Paragraph(escape(issuer), s["from"]),
        _rule(),
        Paragraph(
            _("%(manager)s：") % {"manager": escape(content.property_manager)}, s["greeting"]
        ),
        Paragraph(
            _(
                "感谢贵单位长期以来对我公司燃气安全工作的支持。我公司在对%(community)s"
                "进行燃气安全入户检查时，发现下列住户存在燃气安全隐患，"
                "经两次书面通知仍未整改或拒绝安检人员入户，危及住户本人及周边居民的生命财产安全。"
            )
            % {"community": community},
            s["body"],
        ),
        Paragraph(
            _("为此，恳请贵单位协助联系下列住户，配合我公司安检人员入户整改："),
            s["body"],
        ),
        Spacer(1, 4),
        households,
        Spacer(1, 8),
        _boxed(
            Paragraph(
                _("请协助于 %(day)s 前安排入户整改") % {"day": f"<u>{stop_on}</u>"}, s["boxed"]
            )
        ),
        Spacer(1, 4),
        Paragraph(
            _("逾期仍无法入户整改的，我公司将依法对相关住户停止供气并封停燃气设施。"), s["body"]
        ),
        Spacer(1, 8),
        contact,
        Spacer(1, 8),
        Paragraph(_("特此函告，感谢贵单位的支持与配合！"), s["body"]),
        Spacer(1, 6),
        _seal(s, issuer, content.issued_on),
    ]
    return _build(
        title=f"{title} {content.number}",
        author=issuer,
        frames=[_full_page()],
        stories=[story],
    )


# ── 到访不遇通知单 ──────────────────────────────────────────────────────


def missed_visit_notice_pdf(content: MissedVisitNoticeContent) -> bytes:
    """《到访不遇通知单》 (RULES B7): left at the door when nobody was home."""
    s = _styles(cjk_font(), 1.5)
    title = _("到访不遇通知单")
    issuer = _issuer(content.company, content.branch)
    visited = content.visited_at
    if timezone.is_aware(visited):
        visited = timezone.localtime(visited)
    when = f"{chinese_date(visited.date())} {visited:%H:%M}"
    hotline = escape(content.hotline)
    booking = _grid(
        [
            [
                Paragraph(_("预约日期"), s["label"]),
                Paragraph(_("%(b)s年%(b)s月%(b)s日") % {"b": BLANK * 8}, s["cell"]),
                Paragraph(_("时间"), s["label"]),
                "",
            ],
            [Paragraph(_("联系电话"), s["label"]), "", "", ""],
        ],
        [26 * mm, 70 * mm, 18 * mm, None],
        [
            ("SPAN", (1, 1), (3, 1)),
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("BACKGROUND", (2, 0), (2, 0), SHADE),
            ("TOPPADDING", (0, 0), (-1, -1), 10),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 12),
        ],
    )
    tips = [
        _("安检员统一着装、佩戴工牌，请核对工牌后再开门。"),
        _("入户安全检查现场不收取现金，请勿向任何人支付现金。"),
        _("如闻到燃气异味，请立即关闭燃气阀门、开窗通风，切勿开关电器或使用明火，到室外拨打热线。"),
    ]
    story: list[Flowable] = [
        Paragraph(title, s["big-title"]),
        Paragraph(escape(issuer), s["from"]),
        _rule(),
        Paragraph(
            _("尊敬的住户（%(address)s）：") % {"address": escape(content.address)},
            s["greeting"],
        ),
        Paragraph(
            _(
                "我公司安检员于 %(when)s 上门进行燃气安全入户检查，您家中无人，未能完成检查。"
                "这是我们第 %(attempts)d 次上门。"
            )
            % {"when": f"<u>{when}</u>", "attempts": content.attempts},
            s["body"],
        ),
        Paragraph(
            _(
                "燃气安全入户检查关系到您和家人、邻居的生命财产安全，"
                "请您尽快与我们联系，预约检查时间。"
            ),
            s["body"],
        ),
        Spacer(1, 10),
        _boxed(
            Paragraph(
                _("请拨打服务热线 %(hotline)s 预约上门检查<br/>上门时间：每日 %(hours)s")
                % {"hotline": hotline, "hours": escape(content.visit_hours)},
                s["boxed"],
            ),
            thick=2,
        ),
        Spacer(1, 10),
        Paragraph("■ " + _("预约登记"), s["heading"]),
        Spacer(1, 3),
        booking,
        Spacer(1, 8),
        Paragraph(
            _("安检员：%(name)s%(gap)s工号：%(badge)s")
            % {
                "name": escape(content.inspector_name),
                "gap": BLANK * 4,
                "badge": escape(content.inspector_badge),
            },
            s["strong"],
        ),
        Paragraph("■ " + _("温馨提示"), s["heading"]),
        *[Paragraph(f"{n}. {text}", s["item"]) for n, text in enumerate(tips, 1)],
        Spacer(1, 10),
        Paragraph(escape(issuer), s["sign"]),
        Paragraph(chinese_date(visited.date(), weekday=False), s["sign"]),
    ]
    return _build(
        title=title,
        author=issuer,
        frames=[_full_page()],
        stories=[story],
    )
