"""The pieces every hazard document is built from: the page, the type, the bordered
tables of a paper form, the seal, and one A4 page that never spills onto a second."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence

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
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from ruhu.common.pdf import chinese_date, cjk_font, escape
from ruhu.hazards.documents.content import HazardLine, level_name

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


def styles(font: str, k: float = 1.0) -> dict[str, ParagraphStyle]:
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


def issuer_line(company: str, branch: str) -> str:
    return " ".join(part for part in (company, branch) if part)


class FullWidth(Flowable):
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


def grid(rows: list[list], widths: Sequence[float | None], extra: Sequence[tuple] = ()) -> Flowable:
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
    return FullWidth(lambda width: Table(rows, colWidths=[width * x for x in shares], style=style))


def customer_table(
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
    return grid(
        rows,
        [label, value, label, value],
        [
            ("SPAN", (1, 1), (3, 1)),
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("BACKGROUND", (2, 0), (2, 0), SHADE),
        ],
    )


def hazard_table(s: dict[str, ParagraphStyle], hazards: Sequence[HazardLine]) -> Table:
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
    return grid(rows, [number, kind, level, None], extra)


def boxed(paragraph: Paragraph, *, thick: float = 1.5) -> Flowable:
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
    return FullWidth(lambda width: Table([[paragraph]], colWidths=[width], style=style))


def seal(s: dict[str, ParagraphStyle], issuer: str, day: dt.date | None) -> Table:
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


def header_line(s: dict[str, ParagraphStyle], left: Flowable | None, number: str) -> Flowable:
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
    return FullWidth(lambda width: Table(row, colWidths=[width * 0.62, width * 0.38], style=style))


def rule() -> HRFlowable:
    return HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=4, spaceAfter=6)


def one_page_pdf(
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


def full_page() -> Frame:
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
