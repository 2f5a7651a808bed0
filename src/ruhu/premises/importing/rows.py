"""Checking and normalising one import row.

The libraries stay the authority: a phone number is valid when `phonenumbers` says so and a
resident ID when `python-stdnum` does. Their verdicts depend only on a prefix (the first
five digits of a mobile number; the area code and birth year of an ID), so each verdict is
asked once per prefix and remembered; the rest of each check is plain arithmetic.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import phonenumbers
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from ruhu.common.errors import ValidationFailed
from ruhu.common.importing.values import BadValue, RowError, choice, date, flag, header_names
from ruhu.common.validation import normalize_phone

COLUMNS = (
    "account_no", "name", "phone", "id_number", "category", "district", "community",
    "building", "unit", "room", "address", "meter_serial", "meter_type", "meter_location",
    "gas_since", "last_inspected_on", "vulnerable", "group_rental",
)  # fmt: skip
REQUIRED = ("account_no", "name", "category")
HEADER_ALIASES = {
    "户号": "account_no", "用户编号": "account_no", "户名": "name", "用户名称": "name",
    "电话": "phone", "手机号": "phone", "联系电话": "phone", "身份证号": "id_number",
    "用户类别": "category", "类别": "category", "区县": "district", "小区": "community",
    "楼栋": "building", "单元": "unit", "房号": "room", "地址": "address", "表号": "meter_serial",
    "表类型": "meter_type", "表位置": "meter_location", "安装位置": "meter_location",
    "通气日期": "gas_since", "最近安检日期": "last_inspected_on", "弱势群体": "vulnerable",
    "群租": "group_rental",
}  # fmt: skip
CATEGORIES = {
    "residential": "residential", "居民": "residential",
    "commercial": "commercial", "商业": "commercial",
    "industrial": "industrial", "工业": "industrial",
    "public_welfare": "public_welfare", "public-welfare": "public_welfare",
    "公福": "public_welfare",
    "special": "special", "特殊用气场所": "special",
}  # fmt: skip
METER_TYPES = {"ordinary": "ordinary", "普通": "ordinary", "普通表": "ordinary",
               "ic": "ic", "IC": "ic", "IC卡": "ic", "IC卡表": "ic"}  # fmt: skip
METER_LOCATIONS = {"indoor": "indoor", "户内": "indoor", "室内": "indoor",
                   "outdoor": "outdoor", "户外": "outdoor", "室外": "outdoor"}  # fmt: skip
LIMITS = {"account_no": 32, "name": 100, "district": 50, "community": 100, "building": 30,
          "unit": 30, "room": 30, "address": 300, "meter_serial": 40}  # fmt: skip

MOBILE = re.compile(r"(?:\+?86)?(1\d{10})")
ID_SHAPE = re.compile(r"\d{17}[\dX]")


def header_map(header: list[str]) -> tuple[list[str | None], list[str]]:
    """Column name for each header cell (None: ignored) and the required columns missing."""
    names = header_names(header, COLUMNS, HEADER_ALIASES)
    missing = [c for c in REQUIRED if c not in names]
    return names, missing


# phonenumbers decides a Chinese mobile number by its first five digits at most (its CN
# mobile pattern); tests check the verdict per prefix against the library on every number.
MOBILE_PREFIX = 5


@lru_cache(maxsize=4096)
def _mobile_prefix_valid(prefix: str) -> bool:
    number = phonenumbers.parse(f"+86{prefix}{'0' * (11 - len(prefix))}", None)
    return phonenumbers.is_valid_number(number)


def phone(value: str) -> str:
    raw = value.strip().replace(" ", "").replace("-", "")
    if not raw:
        return ""
    match = MOBILE.fullmatch(raw)
    if match:
        digits = match.group(1)
        if _mobile_prefix_valid(digits[:MOBILE_PREFIX]):
            return "+86" + digits
        raise BadValue("手机号无效")
    try:
        return normalize_phone(value)
    except ValidationFailed as exc:
        raise BadValue(exc.message) from None


@lru_cache(maxsize=65536)
def _birth_place_valid(area: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{area}{year:04d}0101")
    except (stdnum_errors.ValidationError, KeyError):  # KeyError: known as a province only
        return False
    return True


def id_number(value: str, today: dt.date) -> str:
    number = value.strip().upper()
    if not number:
        return ""
    if not ID_SHAPE.fullmatch(number):
        raise BadValue("身份证号必须为18位（最后一位可为X）")
    if ric.calc_check_digit(number) != number[-1]:
        raise BadValue("身份证号校验位错误")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise BadValue("身份证号中的出生日期无效") from None
    if birth > today:
        raise BadValue("身份证号的出生日期在未来")
    if not _birth_place_valid(number[:6], birth.year):
        raise BadValue("身份证号的地区代码无效")
    return number


def normalise(values: dict[str, str], line: int, today: dt.date) -> tuple[dict, list[RowError]]:
    """The row's clean values, and every problem found in it (all columns are checked).

    The reference for one row: imports check whole columns at once (`columns`), and a test
    proves that they decide exactly what this decides."""
    clean: dict = {}
    errors: list[RowError] = []
    get = values.get
    for column in REQUIRED:
        if not (get(column) or "").strip():
            errors.append(RowError(line, column, "必填"))
    for column, limit in LIMITS.items():
        value = (get(column) or "").strip()
        if len(value) > limit:
            errors.append(RowError(line, column, f"超过{limit}个字符"))
        elif "\x00" in value:
            errors.append(RowError(line, column, "含有非法字符"))
        else:
            clean[column] = value
    checks = (
        ("phone", phone, ()),
        ("id_number", id_number, (today,)),
        ("gas_since", date, (today,)),
        ("last_inspected_on", date, (today,)),
        ("vulnerable", flag, ()),
        ("group_rental", flag, ()),
    )
    for column, check, extra in checks:
        try:
            clean[column] = check(get(column) or "", *extra)
        except BadValue as exc:
            errors.append(RowError(line, column, str(exc)))
    for column, options, message, required in CHOICES:
        raw = get(column) or ""
        if required and not raw.strip():
            continue  # reported above as 必填
        try:
            clean[column] = choice(raw, options, message, required=required)
        except BadValue as exc:
            errors.append(RowError(line, column, str(exc)))
    if clean.get("meter_serial") and not (clean.get("meter_type") and clean.get("meter_location")):
        errors.append(RowError(line, "meter_type", "有表号时须填写表类型和表位置"))
    return clean, errors


CHOICES = (
    ("category", CATEGORIES, "未知的用户类别", True),
    ("meter_type", METER_TYPES, "表类型应为 ordinary 或 ic", False),
    ("meter_location", METER_LOCATIONS, "表位置应为 indoor 或 outdoor", False),
)
