"""The facility's record card, 《场站设施检查记录卡》 (RULES C: every check fills in the
facility's record card): its registry data, then every check ever made of it, on as many
A4 pages as it takes, the table's head repeated on each page and every page numbered
「第 x 页 共 y 页」.

`card_content` reads the facility, its checks and its repair jobs (already fetched through
the scoped selectors) into plain data; `facility_card_pdf` is a pure function of that data:
the Chinese font embedded (`ruhu.common.pdf`), no creation time inside, so the same record
card printed on the same day gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable, HRFlowable

from ruhu.common.pdf import chinese_date, cjk_font, escape
from ruhu.facilities.checklist import ITEM_LABELS, PRESSURES, has_safety_valve, takes_pressures

PAGE_WIDTH, PAGE_HEIGHT = A4
SIDE_MARGIN = 14 * mm
TOP_MARGIN = 14 * mm
BOTTOM_MARGIN = 16 * mm  # room for the page footer
FRAME_WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN
GRID = colors.HexColor("#555555")
SHADE = colors.HexColor("#EEEEEE")
FADED = colors.HexColor("#777777")
OUT_OF_RANGE = "#B3261E"
DASH = "—"


@dataclass(frozen=True)
class Reading:
    """One pressure as measured, and whether its check found it outside the range."""

    value: int | None
    out_of_range: bool = False


@dataclass(frozen=True)
class CheckLine:
    day: dt.date
    inspector: str
    readings: tuple[Reading, ...]  # cut-off, closing, operating (regulator boxes only)
    cleaned: bool
    result: str
    defects: tuple[str, ...]
    repairs: tuple[str, ...]
    remark: str = ""  # the reason of a correction, or that a later check corrected this one
    superseded: bool = False


@dataclass(frozen=True)
class CardContent:
    company: str
    branch: str
    code: str
    kind: str
    name: str
    location: str
    community: str
    coordinates: str
    model: str
    manufacturer: str
    installed_on: dt.date | None
    registered_on: dt.date
    safety_valve: bool  # whether the kind has a safety valve
    safety_valve_valid_until: dt.date | None
    assignee: str
    active: bool
    last_checked_on: dt.date | None
    next_due_on: dt.date | None
    last_cleaned_on: dt.date | None
    next_cleaning_on: dt.date | None
    pressures: bool  # whether the kind takes the three pressures (regulator boxes)
    ranges: str  # the pressure ranges in force on the printed day, as one line
    checks: tuple[CheckLine, ...]
    printed_on: dt.date


# ── from the records ────────────────────────────────────────────────────


def card_content(
    facility,
    *,
    company: str,
    checks: Iterable,
    repairs: Iterable,
    due,
    ranges: dict | None,
    printed_on: dt.date,
) -> CardContent:
    """The record card of `facility` from what the selectors fetched: `checks` newest first
    with their defects, inspector and correction, `repairs` its jobs, `due` its
    `schedule.Due`, `ranges` the pressure ranges in force (regulator boxes)."""
    jobs: dict = defaultdict(list)
    for job in repairs:
        jobs[job.raised_by_id].append(job)
    lines = tuple(_check_line(check, jobs.get(check.pk, [])) for check in checks)
    pressures = takes_pressures(facility.kind)
    return CardContent(
        company=company,
        branch=facility.branch.name,
        code=facility.code,
        kind=str(facility.get_kind_display()),
        name=facility.name,
        location=facility.location,
        community=facility.community,
        coordinates=_coordinates(facility.latitude, facility.longitude),
        model=facility.model,
        manufacturer=facility.manufacturer,
        installed_on=facility.installed_on,
        registered_on=facility.registered_on,
        safety_valve=has_safety_valve(facility.kind),
        safety_valve_valid_until=facility.safety_valve_valid_until,
        assignee=_name(facility.assignee) if facility.assignee_id else "",
        active=facility.active,
        last_checked_on=facility.last_checked_on,
        next_due_on=due.due_on if facility.active else None,
        last_cleaned_on=facility.last_cleaned_on,
        next_cleaning_on=due.cleaning_due_on if facility.active else None,
        pressures=pressures,
        ranges=_ranges_text(ranges) if pressures and ranges else "",
        checks=lines,
        printed_on=printed_on,
    )


def _check_line(check, jobs: list) -> CheckLine:
    defects = list(check.defects.all())
    bad = {defect.item for defect in defects}
    correction = corrected_by(check)
    if correction is not None:
        remark = _("已被 %(day)s 的更正记录取代：%(reason)s") % {
            "day": timezone.localdate(correction.finished_at).isoformat(),
            "reason": correction.correction_reason,
        }
    elif check.supersedes_id:
        remark = _("更正记录：%(reason)s") % {"reason": check.correction_reason}
    else:
        remark = ""
    return CheckLine(
        day=timezone.localdate(check.finished_at),
        inspector=_name(check.inspector),
        readings=tuple(Reading(getattr(check, name), name in bad) for name in PRESSURES),
        cleaned=check.cleaned,
        result=str(check.get_result_display()),
        defects=tuple(defect.description for defect in defects),
        repairs=tuple(
            f"{ITEM_LABELS.get(job.item, job.item)}：{job.get_status_display()}"
            for job in sorted(jobs, key=lambda job: job.pk)
        ),
        remark=remark,
        superseded=correction is not None,
    )


def corrected_by(check):
    """The check that corrects `check`, or None (a reverse one-to-one raises when absent)."""
    try:
        return check.superseded_by
    except type(check).superseded_by.RelatedObjectDoesNotExist:
        return None


def _name(user) -> str:
    return user.full_name or user.username


def _coordinates(latitude, longitude) -> str:
    if latitude is None or longitude is None:
        return ""
    return f"{latitude}, {longitude}"


def _ranges_text(ranges: dict) -> str:
    return _(
        "规定范围：切断压力 %(cutoff)s Pa，关闭压力 %(closing)s Pa，运行压力 %(operating)s Pa"
    ) % {name.removesuffix("_pa"): f"{ranges[name].low}–{ranges[name].high}" for name in PRESSURES}


# ── the document ────────────────────────────────────────────────────────


def _styles(font: str) -> dict[str, ParagraphStyle]:
    def style(name: str, size: float, leading: float, **kwargs) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", **kwargs
        )

    return {
        "title": style("title", 20, 26, alignment=TA_CENTER, spaceAfter=2),
        "from": style("from", 11, 15, alignment=TA_CENTER, textColor="#333333"),
        "heading": style("heading", 12, 17, spaceBefore=8, spaceAfter=4),
        "label": style("label", 9.5, 13),
        "value": style("value", 9.5, 13),
        "head": style("head", 8.5, 11, alignment=TA_CENTER),
        "cell": style("cell", 8.5, 11),
        "centered": style("centered", 8.5, 11, alignment=TA_CENTER),
        "faded": style("faded", 8.5, 11, textColor=FADED),
        "faded-centered": style("faded-centered", 8.5, 11, alignment=TA_CENTER, textColor=FADED),
        "note": style("note", 8.5, 12, textColor="#333333"),
    }


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else DASH


def _registry(content: CardContent, s: dict[str, ParagraphStyle]) -> Table:
    """The registry data: four columns, label and value twice."""

    def p(text: str, key: str = "value") -> Paragraph:
        return Paragraph(escape(text) if text else DASH, s[key])

    pairs = [
        (_("编号"), content.code),
        (_("类型"), content.kind),
        (_("名称"), content.name),
        (_("小区"), content.community),
        (_("型号"), content.model),
        (_("生产厂家"), content.manufacturer),
        (_("安装日期"), _day(content.installed_on)),
        (_("登记日期"), _day(content.registered_on)),
        (_("责任人"), content.assignee),
        (_("状态"), _("在用") if content.active else _("已停用")),
        (_("最近检查"), _day(content.last_checked_on)),
        (_("下次检查"), _day(content.next_due_on)),
    ]
    if content.pressures:
        pairs += [
            (_("最近清洗"), _day(content.last_cleaned_on)),
            (_("下次清洗"), _day(content.next_cleaning_on)),
        ]
    if content.safety_valve:
        pairs.append((_("安全阀检验有效期至"), _day(content.safety_valve_valid_until)))
    pairs.append((_("坐标"), content.coordinates))
    if len(pairs) % 2:
        pairs.append(("", ""))
    rows: list[list] = [
        [p(_("位置"), "label"), p(content.location), "", ""],
    ]
    for left, right in zip(pairs[::2], pairs[1::2], strict=True):
        rows.append([p(left[0], "label"), p(left[1]), p(right[0], "label"), p(right[1])])
    label = 30 * mm
    value = (FRAME_WIDTH - 2 * label) / 2
    return Table(
        rows,
        colWidths=[label, value, label, value],
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, GRID),
                ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
                ("SPAN", (1, 0), (3, 0)),
                ("BACKGROUND", (0, 0), (0, -1), SHADE),
                ("BACKGROUND", (2, 1), (2, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        ),
    )


def _reading(reading: Reading, style: ParagraphStyle) -> Paragraph:
    if reading.value is None:
        return Paragraph(DASH, style)
    if reading.out_of_range:
        return Paragraph(f'<font color="{OUT_OF_RANGE}">{reading.value}*</font>', style)
    return Paragraph(str(reading.value), style)


def _lines(texts: Sequence[str]) -> str:
    return "<br/>".join(escape(text) for text in texts)


def _check_row(line: CheckLine, pressures: bool, s: dict[str, ParagraphStyle]) -> list:
    cell = s["faded"] if line.superseded else s["cell"]
    centered = s["faded-centered"] if line.superseded else s["centered"]
    result = escape(line.result)
    if line.superseded:
        result += "<br/>" + _("（已被更正）")
    elif line.remark:
        result += "<br/>" + _("（更正记录）")
    found = _lines(line.defects) or _("无")
    if line.remark:
        found = f"〔{escape(line.remark)}〕<br/>{found}"
    row = [Paragraph(line.day.isoformat(), centered), Paragraph(escape(line.inspector), cell)]
    if pressures:
        row += [_reading(reading, centered) for reading in line.readings]
        row.append(Paragraph(_("是") if line.cleaned else _("否"), centered))
    row += [
        Paragraph(result, cell),
        Paragraph(found, cell),
        Paragraph(_lines(line.repairs) or DASH, cell),
    ]
    return row


def _checks_table(content: CardContent, s: dict[str, ParagraphStyle]) -> Flowable:
    h = s["head"]
    if content.pressures:
        header = [
            [
                Paragraph(_("检查日期"), h), Paragraph(_("检查人"), h),
                Paragraph(_("调压箱压力（Pa）"), h), "", "",
                Paragraph(_("清洗"), h), Paragraph(_("结论"), h),
                Paragraph(_("缺陷"), h), Paragraph(_("维修情况"), h),
            ],
            [
                "", "", Paragraph(_("切断"), h), Paragraph(_("关闭"), h), Paragraph(_("运行"), h),
                "", "", "", "",
            ],
        ]  # fmt: skip
        widths = [19 * mm, 17 * mm, 13 * mm, 13 * mm, 13 * mm, 10 * mm, 19 * mm, None, 32 * mm]
        spans = [("SPAN", (2, 0), (4, 0))] + [
            ("SPAN", (col, 0), (col, 1)) for col in (0, 1, 5, 6, 7, 8)
        ]
    else:
        header = [
            [
                Paragraph(_("检查日期"), h), Paragraph(_("检查人"), h), Paragraph(_("结论"), h),
                Paragraph(_("缺陷"), h), Paragraph(_("维修情况"), h),
            ]
        ]  # fmt: skip
        widths = [20 * mm, 20 * mm, 22 * mm, None, 40 * mm]
        spans = []
    rest = FRAME_WIDTH - sum(w for w in widths if w is not None)
    rows = header + [_check_row(line, content.pressures, s) for line in content.checks]
    return LongTable(
        rows,
        colWidths=[w if w is not None else rest for w in widths],
        repeatRows=len(header),
        splitInRow=1,  # a check with very many defects may run on to the next page
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
                ("BACKGROUND", (0, 0), (-1, len(header) - 1), SHADE),
                ("VALIGN", (0, 0), (-1, len(header) - 1), "MIDDLE"),
                ("VALIGN", (0, len(header)), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                *spans,
            ]
        ),
    )


def _paged_canvas(font: str, left: str, right: str) -> type[Canvas]:
    """A canvas that holds its pages back until the last, so that every page's footer can
    say how many pages there are: 「第 x 页 共 y 页」."""

    class PagedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self):
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._held)
            for number, state in enumerate(self._held, 1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int) -> None:
            y = BOTTOM_MARGIN - 9 * mm
            self.saveState()
            self.setFont(font, 8.5)
            self.setFillColor(colors.HexColor("#333333"))
            self.drawString(SIDE_MARGIN, y, left)
            self.drawCentredString(
                PAGE_WIDTH / 2, y, _("第 %(n)d 页 共 %(total)d 页") % {"n": number, "total": total}
            )
            self.drawRightString(PAGE_WIDTH - SIDE_MARGIN, y, right)
            self.restoreState()

    return PagedCanvas


def facility_card_pdf(content: CardContent) -> bytes:
    """《场站设施检查记录卡》 of one facility: A4, as many pages as its checks take."""
    font = cjk_font()
    s = _styles(font)
    title = _("场站设施检查记录卡")
    issuer = " ".join(part for part in (content.company, content.branch) if part)
    count = len(content.checks)
    story: list[Flowable] = [
        Paragraph(title, s["title"]),
        Paragraph(escape(issuer), s["from"]),
        HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=6, spaceAfter=8),
        _registry(content, s),
        Paragraph(_("检查记录（共 %(count)d 次，最新在前）") % {"count": count}, s["heading"]),
    ]
    if content.checks:
        story.append(_checks_table(content, s))
        notes = []
        if content.pressures:
            notes.append(_("带 * 的压力超出规定范围。"))
            if content.ranges:
                notes.append(escape(content.ranges) + _("（打印日适用的规定）。"))
        if any(line.superseded for line in content.checks):
            notes.append(_("灰色的记录已被更正，以其后的更正记录为准。"))
        if notes:
            story += [Spacer(1, 4), Paragraph("".join(notes), s["note"])]
    else:
        story.append(Paragraph(_("暂无检查记录。"), s["value"]))
    printed = _("打印日期：%(day)s") % {"day": chinese_date(content.printed_on, weekday=False)}
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=SIDE_MARGIN,
        rightMargin=SIDE_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=f"{title} {content.code}",
        author=issuer,
        lang="zh-CN",
        invariant=True,
        initialFontName=font,
    )
    doc.build(story, canvasmaker=_paged_canvas(font, f"{content.code} {title}", printed))
    return out.getvalue()
