"""Normalisers for personal identifiers; each raises ValidationFailed with a readable reason."""

from __future__ import annotations

import datetime as dt

import phonenumbers
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from ruhu.common.errors import ValidationFailed


def normalize_phone(value: str, *, region: str = "CN") -> str:
    """Any way a Chinese number is written → E.164 (`+8613812348000`)."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationFailed(_("手机号格式不正确"), code="phone_invalid") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationFailed(_("手机号无效"), code="phone_invalid")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_id_number(value: str, *, today: dt.date | None = None) -> str:
    """An 18-digit resident ID with a valid checksum and a birth date not in the future."""
    raw = (value or "").strip().upper()
    if not raw:
        return ""
    try:
        number = ric.validate(raw)
    except stdnum_errors.ValidationError:
        raise ValidationFailed(
            _("身份证号无效（长度、校验位或出生日期错误）"), code="id_number_invalid"
        ) from None
    if len(number) != 18:
        raise ValidationFailed(_("身份证号必须为18位"), code="id_number_invalid")
    if ric.get_birth_date(number) > (today or timezone.localdate()):
        raise ValidationFailed(_("身份证号的出生日期在未来"), code="id_number_invalid")
    return number
