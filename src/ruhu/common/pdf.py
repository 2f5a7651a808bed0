"""What every printable document shares: the embedded Chinese font, Chinese dates, escaping.

The Chinese font is a TrueType font embedded as a subset (WenQuanYi Micro Hei by default):
ReportLab's built-in CID fonts are not embedded and print as empty boxes where the reader
has no Chinese font.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from reportlab.lib import textsplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import paragraph

FONT_NAME = "RuhuCJK"
FONT_FAMILY = "WenQuanYi Micro Hei"
FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
)
WEEKDAYS = "一二三四五六日"

# ReportLab's CJK line breaking (wordWrap="CJK") keeps 、。）」 off the start of a line, hanging
# them in the margin instead, but not the full-width comma, semicolon, colon, question and
# exclamation marks: a line of a notice would begin with 「，」. Teach it those too (禁则);
# both copies of the list are read (one-run paragraphs break in textsplit, others in paragraph).
_CANNOT_START = "，；：！？％…～"
for _module in (textsplit, paragraph):
    _module.ALL_CANNOT_START += "".join(
        c for c in _CANNOT_START if c not in _module.ALL_CANNOT_START
    )


class FontMissing(ImproperlyConfigured):
    """No TrueType CJK font to embed: the document would print as empty boxes."""


def cjk_font_path() -> Path:
    """RUHU_CJK_FONT (setting or environment) if given, else WenQuanYi Micro Hei as
    fontconfig or the usual Debian path finds it."""
    chosen = getattr(settings, "RUHU_CJK_FONT", "") or os.environ.get("RUHU_CJK_FONT", "")
    if chosen:
        if Path(chosen).is_file():
            return Path(chosen)
        raise FontMissing(f"RUHU_CJK_FONT 指向的字体文件不存在：{chosen}")
    for candidate in (_fc_match(), *FONT_PATHS):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "缺少中文字体 WenQuanYi Micro Hei，无法生成通知 PDF：请安装 Debian 软件包 "
        "fonts-wqy-microhei（apt-get install fonts-wqy-microhei），"
        "或用 RUHU_CJK_FONT 指向一个 TrueType 中文字体文件"
    )


def render_failure(failure: Exception) -> str:
    """What a page shows where a document the background job could not render should be."""
    if isinstance(failure, FontMissing):
        return _("文书尚未生成：服务器缺少中文字体 (fonts-wqy-microhei)，请联系管理员")
    return _("文书生成失败（%(error)s），系统将自动重试；如仍失败请联系管理员") % {
        "error": type(failure).__name__
    }


def _fc_match() -> str | None:
    """The font file fontconfig has for the family, if it really is that family (fc-match
    answers its nearest font, often one without Chinese, when the family is missing)."""
    program = shutil.which("fc-match")
    if program is None:
        return None
    try:
        found = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [program, "-f", "%{family}|%{file}", FONT_FAMILY],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    family, _sep, path = found.partition("|")
    return path if FONT_FAMILY.lower() in family.lower() else None


@lru_cache(maxsize=1)
def _register_font(path: str) -> str:
    # a .ttc holds several faces; the first is the proportional one
    subfont = {"subfontIndex": 0} if path.lower().endswith(".ttc") else {}
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, **subfont))
    return FONT_NAME


def cjk_font() -> str:
    """The registered font name, registering the font on first use."""
    return _register_font(str(cjk_font_path()))


def chinese_date(day: dt.date, *, year: bool = True, weekday: bool = True) -> str:
    text = f"{day.month}月{day.day}日"
    if weekday:
        text += f"（周{WEEKDAYS[day.weekday()]}）"
    return f"{day.year}年{text}" if year else text


def date_span(first: dt.date, last: dt.date, *, separator: str = "") -> str:
    """「2026年12月1日（周二）至12月4日（周五）」; the year of the last day only when it differs."""
    if first == last:
        return chinese_date(first)
    return _("%(first)s%(separator)s至%(last)s") % {
        "first": chinese_date(first),
        "separator": separator,
        "last": chinese_date(last, year=last.year != first.year),
    }


def escape(text: str) -> str:
    """User-supplied text made safe for a ReportLab Paragraph (its markup is XML-like)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
