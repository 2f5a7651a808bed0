"""The month-end package (§5 ⑥, §2 四.8): for safety supervision, the hazards still
unresolved and the month's call recordings; for the government gas authority, the cases
left unresolved longer than the policy's days. Each as a PDF (a summary and the oldest
cases, for reading) and an XLSX (every case, streamed row by row, for work).
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import tempfile
from collections import Counter
from collections.abc import Iterator

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from ruhu.accounts.models import OrgUnit
from ruhu.common.attachments import attachment_store
from ruhu.common.audit import audit_record
from ruhu.common.models import Attachment
from ruhu.common.pdf import cjk_font, escape
from ruhu.common.policy import policy_get
from ruhu.common.spreadsheets import xlsx_row
from ruhu.hazards.models import ON_OPEN_LIST, FollowUpCall, Hazard, Level, MonthlyPackage, State

Audience = MonthlyPackage.Audience
PDF_ROWS = 300  # the PDF lists the oldest cases; the XLSX has them all
COLUMNS = ("编号", "户号", "地址", "小区", "隐患", "等级", "状态", "发现日期", "当前期限", "供气")


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _cases(branch: OrgUnit, audience: str, last: dt.date):
    cases = Hazard.objects.filter(branch=branch, state__in=ON_OPEN_LIST, found_on__lte=last)
    if audience == Audience.AUTHORITY:
        # long-unresolved cases, and every serious hazard (level 1 not fixed on the spot)
        days = int(policy_get("hazard.long_unresolved_days", branch=branch, on=last))
        cases = cases.filter(Q(found_on__lte=last - dt.timedelta(days=days)) | Q(serious=True))
    return cases.order_by("found_on", "pk")


def _rows(cases) -> Iterator[tuple]:
    labels = dict(State.choices)
    levels = dict(Level.choices)
    fields = (
        "pk", "household__account_no", "household__address", "household__community",
        "hazard_type__name_zh", "level", "state", "found_on", "due_on", "supply_hold",
    )  # fmt: skip
    for row in cases.values_list(*fields).iterator(chunk_size=5_000):
        pk, account, address, community, name, level, state, found, due, hold = row
        yield (
            pk, account, address, community, name, str(levels.get(level, level)),
            str(labels.get(state, state)), found, due, hold or "",
        )  # fmt: skip


def _recordings(branch: OrgUnit, first: dt.date, last: dt.date):
    return (
        FollowUpCall.objects.filter(
            branch=branch, called_at__date__gte=first, called_at__date__lte=last
        )
        .select_related("recording", "hazard__household")
        .order_by("called_at")
    )


def _xlsx(cases, calls) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("隐患")
    sheet.append(COLUMNS)
    for row in _rows(cases):
        sheet.append(xlsx_row(sheet, row))  # addresses and the like stay text
    if calls is not None:
        recorded = book.create_sheet("回访录音")
        recorded.append(("通话时间", "隐患编号", "户号", "结果", "记录", "录音文件 SHA-256"))
        for call in calls.iterator(chunk_size=2_000):
            recorded.append(xlsx_row(recorded, (
                timezone.localtime(call.called_at).replace(tzinfo=None), call.hazard_id,
                call.hazard.household.account_no, str(call.get_result_display()), call.notes,
                call.recording.sha256 if call.recording else "",
            )))  # fmt: skip
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as out:
        book.save(out)
        out.seek(0)
        return out.read()


def _pdf(title: str, branch: OrgUnit, month: dt.date, cases, calls) -> bytes:
    font = cjk_font()
    base = ParagraphStyle("b", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    head = ParagraphStyle("h", parent=base, fontSize=16, leading=22)
    by_level_state: Counter = Counter(cases.values_list("level", "state").iterator())
    story = [
        Paragraph(escape(f"{branch.name} {month:%Y年%m月} {title}"), head),
        Paragraph(f"共 {sum(by_level_state.values())} 件", base),
        Spacer(1, 4 * mm),
    ]
    summary = [["等级", "状态", "件数"]] + [
        [str(Level(level).label), str(State(state).label), count]
        for (level, state), count in sorted(by_level_state.items())
    ]
    story += [_table(summary, base), Spacer(1, 4 * mm)]
    rows = [list(COLUMNS)] + [
        [escape(str(v)) if v is not None else "" for v in row]
        for _n, row in zip(range(PDF_ROWS), _rows(cases), strict=False)
    ]
    story.append(Paragraph(f"最早的 {len(rows) - 1} 件（全部明细见 XLSX）", base))
    story.append(_table(rows, base))
    if calls is not None:
        listed = [["通话时间", "隐患编号", "结果", "录音"]] + [
            [f"{timezone.localtime(c.called_at):%Y-%m-%d %H:%M}", c.hazard_id,
             str(c.get_result_display()), c.recording.sha256[:16] if c.recording else "无"]
            for c in calls[:PDF_ROWS]
        ]  # fmt: skip
        story += [Spacer(1, 4 * mm), Paragraph(f"本月回访电话 {calls.count()} 次", base)]
        story.append(_table(listed, base))
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
        topMargin=10 * mm, bottomMargin=10 * mm, invariant=True, initialFontName=font,
        title=title,
    ).build(story)  # fmt: skip
    return out.getvalue()


def _table(rows: list[list], style: ParagraphStyle) -> LongTable:
    cells = [[Paragraph(str(v), style) for v in row] for row in rows]
    return LongTable(
        cells,
        repeatRows=1,
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        ),
    )


TITLES: dict[str, str] = {
    Audience.SUPERVISION: "未处理安全隐患及回访录音（报安全监察部）",
    Audience.AUTHORITY: "长期未整改及重大安全隐患汇总（报政府燃气管理部门及总部）",
}


def monthly_package_build(*, branch: OrgUnit, month: dt.date, audience: str) -> MonthlyPackage:
    """Build one package; the same branch, month and audience again returns the first."""
    first, last = month_bounds(month)
    existing = MonthlyPackage.objects.filter(branch=branch, month=first, audience=audience)
    if existing.exists():
        return existing.get()
    cases = _cases(branch, audience, last)
    calls = _recordings(branch, first, last) if audience == Audience.SUPERVISION else None
    with translation.override("zh-hans"):
        pdf = _pdf(TITLES[audience], branch, first, cases, calls)
    xlsx = _xlsx(cases, calls)
    try:
        with transaction.atomic():
            package = MonthlyPackage.objects.create(
                branch=branch,
                month=first,
                audience=audience,
                pdf=_store(pdf, branch),
                xlsx=_store(xlsx, branch),
                cases=cases.count(),
                recordings=calls.exclude(recording=None).count() if calls is not None else 0,
            )
            audit_record(
                acting_user=None,
                action="hazard.package",
                target=package,
                branch_id=branch.pk,
                changes={"month": [None, first.isoformat()], "audience": [None, audience]},
            )
    except IntegrityError:  # built concurrently: the first one stands
        return MonthlyPackage.objects.get(branch=branch, month=first, audience=audience)
    return package


def _store(data: bytes, branch: OrgUnit) -> Attachment:
    return attachment_store(
        acting_user=None, kind=Attachment.Kind.DOCUMENT, file=io.BytesIO(data), branch_id=branch.pk
    )


def monthly_packages_build_due(*, today: dt.date | None = None) -> int:
    """On the last day of a month, every branch's two packages for that month."""
    today = today or timezone.localdate()
    if (today + dt.timedelta(days=1)).day != 1:
        return 0
    built = 0
    for branch in OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH, is_active=True):
        for audience in Audience.values:
            monthly_package_build(branch=branch, month=today, audience=audience)
            built += 1
    return built
