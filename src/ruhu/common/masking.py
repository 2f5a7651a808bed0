"""Masks for personal data shown on screens and in exports (DESIGN rule 5)."""

from __future__ import annotations

import re

# A mobile number (with or without +86) or a resident ID, standing alone in a text.
PERSONAL_NUMBER = re.compile(
    r"(?P<phone>(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d))"
    r"|(?P<id_number>(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z]))"
)


def mask_middle(value: str, *, keep_start: int, keep_end: int) -> str:
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + (value[-keep_end:] if keep_end else "")


def mask_phone(value: str) -> str:
    """`+8613812348000` or `13812348000` → `138****8000`."""
    if not value:
        return ""
    digits = value[3:] if value.startswith("+86") else value.lstrip("+")
    return mask_middle(digits, keep_start=3, keep_end=4)


def mask_id_number(value: str) -> str:
    """`110101199001011234` → `110***********1234`."""
    return mask_middle(value or "", keep_start=3, keep_end=4)


def mask_name(value: str) -> str:
    """`张三丰` → `张**`: the family name stays so staff can address the customer."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


MASKS = {"phone": mask_phone, "id_number": mask_id_number, "name": mask_name}


def mask(kind: str, value: str) -> str:
    return MASKS[kind](value)


def mask_numbers_in(text: str) -> str:
    """`text` with every mobile and resident ID number in it masked: for messages and
    reports that quote what a user typed (`手机 13812348000 无效` → `手机 138****8000 无效`)."""
    return PERSONAL_NUMBER.sub(lambda found: mask(found.lastgroup or "phone", found.group()), text)
