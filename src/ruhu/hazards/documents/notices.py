"""The notices to the customer: 《安全隐患整改通知书》 (two copies on one page, cut apart)
and 《停止供气通知书》 (sealed, not signed, with how it was delivered)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from ruhu.common.pdf import chinese_date, cjk_font, escape
from ruhu.hazards.documents.content import RectificationNoticeContent, StopSupplyNoticeContent
from ruhu.hazards.documents.layout import (
    BLANK,
    COPY_MARGIN,
    CUT_GAP,
    FRAME_WIDTH,
    GRID,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SHADE,
    SIDE_MARGIN,
    boxed,
    customer_table,
    full_page,
    grid,
    hazard_table,
    header_line,
    issuer_line,
    one_page_pdf,
    rule,
    seal,
    styles,
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
    signature = grid(
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
        header_line(s, copy, content.number),
        Paragraph(title, s["title"]),
        Paragraph(escape(issuer_line(content.company, content.branch)), s["from"]),
        Spacer(1, 4),
        customer_table(s, content.account_no, content.customer_name, content.address),
        Spacer(1, 5),
        Paragraph(_("经我公司入户安全检查，您处存在下列燃气安全隐患，请按要求整改："), s["base"]),
        Spacer(1, 3),
        hazard_table(s, content.hazards),
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
    s = styles(font)
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
    return one_page_pdf(
        title=f"{title} {content.number}",
        author=issuer_line(content.company, content.branch),
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
    s = styles(cjk_font(), 1.1)
    title = _("停止供气通知书")
    issuer = issuer_line(content.company, content.branch)
    stop_on = chinese_date(content.stop_on, weekday=False)
    notices = grid(
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
        header_line(s, None, content.number),
        Paragraph(title, s["big-title"]),
        Paragraph(escape(issuer), s["from"]),
        rule(),
        customer_table(s, content.account_no, content.customer_name, content.address),
        Paragraph(_("尊敬的用户："), s["greeting"]),
        Paragraph(
            _(
                "根据《城镇燃气管理条例》及有关规定，燃气用户应当配合燃气经营者的安全检查，"
                "及时消除燃气安全隐患。经我公司入户安全检查，您处存在下列燃气安全隐患："
            ),
            s["body"],
        ),
        Spacer(1, 4),
        hazard_table(s, content.hazards),
        Spacer(1, 6),
        Paragraph(recital, s["body"]),
        Spacer(1, 4),
        notices,
        Spacer(1, 8),
        boxed(Paragraph(warning, s["boxed"]), thick=2),
        Paragraph("■ " + _("如何恢复供气"), s["heading"]),
        *[Paragraph(f"{n}. {text}", s["item"]) for n, text in enumerate(restore, 1)],
        Spacer(1, 6),
        Paragraph(_("特此通知。"), s["body"]),
        Spacer(1, 4),
        seal(s, issuer, None),
        Spacer(1, 8),
        HRFlowable(width="100%", thickness=0.5, color=GRID, spaceAfter=3),
        Paragraph(_delivery_line(s["small"].fontSize), s["small"]),
    ]
    return one_page_pdf(
        title=f"{title} {content.number}",
        author=issuer,
        frames=[full_page()],
        stories=[story],
    )
