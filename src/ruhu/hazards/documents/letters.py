"""The letters: 《联络函》 to the property manager before supply is stopped, and
《到访不遇通知单》 left at the door when nobody was home."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from ruhu.common.pdf import chinese_date, cjk_font, escape
from ruhu.hazards.documents.content import MissedVisitNoticeContent, PropertyLetterContent
from ruhu.hazards.documents.layout import (
    BLANK,
    SHADE,
    boxed,
    full_page,
    grid,
    header_line,
    issuer_line,
    one_page_pdf,
    rule,
    seal,
    styles,
)

# ── 联络函 ──────────────────────────────────────────────────────────────


def property_letter_pdf(content: PropertyLetterContent) -> bytes:
    """《联络函》: the property manager is asked to help gain entry before supply is stopped."""
    s = styles(cjk_font(), 1.2)
    title = _("联络函")
    issuer = issuer_line(content.company, content.branch)
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
    households = grid(
        rows,
        [16 * mm, 72 * mm, None],
        [("BACKGROUND", (0, 0), (-1, 0), SHADE)],
    )
    contact = grid(
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
        header_line(s, None, content.number),
        Paragraph(title, s["big-title"]),
        Paragraph(escape(issuer), s["from"]),
        rule(),
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
        boxed(
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
        seal(s, issuer, content.issued_on),
    ]
    return one_page_pdf(
        title=f"{title} {content.number}",
        author=issuer,
        frames=[full_page()],
        stories=[story],
    )


# ── 到访不遇通知单 ──────────────────────────────────────────────────────


def missed_visit_notice_pdf(content: MissedVisitNoticeContent) -> bytes:
    """《到访不遇通知单》 (RULES B7): left at the door when nobody was home."""
    s = styles(cjk_font(), 1.5)
    title = _("到访不遇通知单")
    issuer = issuer_line(content.company, content.branch)
    visited = content.visited_at
    if timezone.is_aware(visited):
        visited = timezone.localtime(visited)
    when = f"{chinese_date(visited.date())} {visited:%H:%M}"
    hotline = escape(content.hotline)
    booking = grid(
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
        rule(),
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
        boxed(
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
    return one_page_pdf(
        title=title,
        author=issuer,
        frames=[full_page()],
        stories=[story],
    )
