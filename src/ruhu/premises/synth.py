"""Synthetic household files for trying the bulk import at scale (no database access).

`households(count, seed)` yields one dict per household, keyed by `COLUMNS`; `rows()` yields
the same values as tuples (the fast path the writers use). `write_csv` and `write_xlsx`
stream them to a file, so memory stays flat however many rows are asked for. The same
seed gives the same rows and the same bytes on every run and every machine.

Households are laid out like a city: districts hold communities, a community holds a few
to a few dozen buildings (old six-storey walk-ups, eleven-storey blocks, 18 to 33-storey
towers), a building has units, a unit has floors and 2 to 4 rooms per floor, and a few
rooms have no gas account. The column contract is described in `docs/import.md`.

The values are random, not secret: `random.Random` is the right tool (hence the S311 noqa).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ruhu.common.spreadsheets import xlsx_row


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COLUMNS: tuple[str, ...] = (
    "account_no",
    "name",
    "phone",
    "id_number",
    "category",
    "district",
    "community",
    "building",
    "unit",
    "room",
    "address",
    "meter_serial",
    "meter_type",
    "meter_location",
    "gas_since",
    "last_inspected_on",
    "vulnerable",
    "group_rental",
)

# The Chinese header `labels="zh"` writes: labels the import recognises (docs/import.md).
LABELS_ZH: dict[str, str] = {
    "account_no": "户号",
    "name": "户名",
    "phone": "联系电话",
    "id_number": "身份证号",
    "category": "用户类别",
    "district": "区县",
    "community": "小区",
    "building": "楼栋",
    "unit": "单元",
    "room": "房号",
    "address": "地址",
    "meter_serial": "表号",
    "meter_type": "表类型",
    "meter_location": "表位置",
    "gas_since": "通气日期",
    "last_inspected_on": "最近安检日期",
    "vulnerable": "弱势群体",
    "group_rental": "群租",
}

FORMATS = ("csv", "xlsx")
ENCODINGS = ("utf-8", "gb18030")
MAX_COUNT = 100_000_000  # account numbers stay 9 digits, meter serials stay unique

# Shares the generator aims at (the tests check them within tolerances).
SHARE_PHONE = 0.97
SHARE_ID_NUMBER = 0.70
SHARE_IC = 0.30
SHARE_OUTDOOR = 0.20
SHARE_NEVER_INSPECTED = 0.05
SHARE_VULNERABLE = 0.03
SHARE_GROUP_RENTAL = 0.02
SHARE_VACANT_ROOM = 0.04  # rooms skipped: no gas account there
SHARE_SAME_GAS_DATE = 0.85  # connected with the building; the rest later

# Category label → weight in 1/1024: 95.0 % residential, 4.0 % commercial, industrial and
# public welfare together, 1.0 % special premises.
CATEGORY_WEIGHTS = {"居民": 973, "商业": 26, "工业": 5, "公福": 10, "特殊用气场所": 10}

MOBILE_PREFIXES = _words("133 135 136 137 138 139 150 151 152 158 159 177 180 181 186 187 188 189")
# Beijing districts: python-stdnum accepts these area codes for every birth year.
ID_AREAS = ("110101", "110102", "110103", "110104", "110105", "110106", "110107", "110108")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
BIRTH_FIRST, BIRTH_LAST = dt.date(1940, 1, 1), dt.date(2005, 12, 31)
GAS_FIRST, GAS_LAST = dt.date(1995, 1, 1), dt.date(2025, 12, 31)
INSPECTION_UNTIL = dt.date(2026, 11, 27)  # last inspections fall in the 30 months before
INSPECTION_FROM = dt.date(2024, 5, 27)

# Surnames with rough shares (per mille) from the 2020 census; the rest share what is left.
SURNAME_WEIGHTS = {
    "王": 71, "李": 70, "张": 67, "刘": 54, "陈": 45, "杨": 31, "黄": 22, "赵": 20, "吴": 19,
    "周": 19, "徐": 15, "孙": 15, "马": 13, "朱": 13, "胡": 13, "郭": 11, "何": 11, "林": 10,
    "高": 10, "罗": 9,
}  # fmt: skip
OTHER_SURNAMES = (
    "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
    "廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
MALE_FIRST = "建国志文永德明伟俊子宇浩家海春晓立振天嘉鹏思博"
MALE_SECOND = "伟强磊军勇杰涛明超刚平辉鹏飞斌宇浩凯健波宁华龙峰林东成亮庆军"
FEMALE_FIRST = "秀桂玉丽美雪晓婷慧春海佳欣子思梦雅静淑红月"
FEMALE_SECOND = "芳娜敏静丽艳娟霞英兰萍红琳晶婷雪慧燕梅玲丹倩洁颖怡悦璐萱雯莉"
SHARE_ONE_CHARACTER_GIVEN = 0.2

DISTRICT_WEIGHTS = {
    "上城区": 12, "拱墅区": 13, "西湖区": 12, "滨江区": 8, "萧山区": 15,
    "余杭区": 13, "临平区": 8, "钱塘区": 7, "富阳区": 7, "临安区": 5,
}  # fmt: skip
COMMUNITY_STEMS = _words(
    "翠苑 望江 紫金 和平 西溪 文华 金桥 古荡 丽水 湖畔 锦绣 阳光 春江 明月 桂花 枫林 香樟 "
    "绿洲 东方 朝晖 新华 建国 凤起 蓝湾 金色 碧水 银河 天和 万家 星洲 云栖 翡翠 城东 颐景 "
    "嘉禾 华府 采荷 景芳 三墩 九堡 笕桥 闸弄 德胜 大关 和睦 小河 长庆 潮鸣 清波 南星 之江 "
    "转塘 良渚 仓前 闲林 五常 塘栖 运河 北山 孤山 龙井 梅坞 玉泉 黄龙 文新 蒋村 申花 沿山"
)
COMMUNITY_KINDS = _words("小区 花园 新村 家园 公寓 苑 嘉园 名邸 雅苑 府 北区 南区")
CHINESE_ORDINALS = "一二三四五六七八九十"

# (floors, units low..high, rooms per floor low..high, weight)
BUILDING_KINDS = (
    (6, 3, 6, 2, 2, 30),  # walk-up
    (7, 2, 5, 2, 2, 10),
    (11, 2, 3, 2, 3, 20),
    (18, 1, 3, 2, 4, 25),
    (26, 1, 2, 2, 4, 10),
    (33, 1, 2, 3, 4, 5),
)
ORDINARY_MAKERS = ("JM", "GW", "TC", "CQ", "ZJ", "HZ")  # meter serial prefixes
IC_MAKERS = ("IC", "KL", "XK")
SERIAL_MODULUS = 10**10
SERIAL_STEP = 3_141_592_653  # coprime with 10**10: n → n·step mod 10**10 is a bijection


def _table(weights: dict[str, int], size: int) -> list[str]:
    """A list of `size` items in which each key appears in proportion to its weight."""
    total = sum(weights.values())
    table: list[str] = []
    for key, weight in weights.items():
        table += [key] * round(weight * size / total)
    table += [next(iter(weights))] * (size - len(table))
    return table[:size]


def _dates(first: dt.date, last: dt.date) -> list[str]:
    return [
        dt.date.fromordinal(o).isoformat() for o in range(first.toordinal(), last.toordinal() + 1)
    ]


def _weighted_digits(text: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(text, weights, strict=True))


def id_check_digit(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID."""
    return ID_CHECK[_weighted_digits(body, ID_WEIGHTS) % 11]


def _surname_table() -> list[str]:
    weights = dict(SURNAME_WEIGHTS)
    rest = (1000 - sum(weights.values())) / len(OTHER_SURNAMES)
    for surname in OTHER_SURNAMES:
        weights[surname] = max(1, round(rest))
    return _table(weights, 4096)


def _given_pool(first: str, second: str) -> list[str]:
    pairs = [a + b for a in first for b in second if a != b]
    singles = list(dict.fromkeys(second))
    repeat = round(SHARE_ONE_CHARACTER_GIVEN * len(pairs) / (1 - SHARE_ONE_CHARACTER_GIVEN))
    return pairs + [singles[i % len(singles)] for i in range(repeat)]


def _community_names() -> list[str]:
    return [
        stem + kind
        for stem in COMMUNITY_STEMS
        for kind in COMMUNITY_KINDS
        if not stem.endswith(kind[-1])
    ]


SURNAMES = _surname_table()
GIVEN_MALE = _given_pool(MALE_FIRST, MALE_SECOND)
GIVEN_FEMALE = _given_pool(FEMALE_FIRST, FEMALE_SECOND)
CATEGORIES = _table(CATEGORY_WEIGHTS, 1024)
DISTRICTS = _table(DISTRICT_WEIGHTS, 1024)
PHONE_PREFIXES = [MOBILE_PREFIXES[i * len(MOBILE_PREFIXES) // 1024] for i in range(1024)]
COMMUNITIES = _community_names()
GAS_DATES = _dates(GAS_FIRST, GAS_LAST)
INSPECTION_DATES = _dates(INSPECTION_FROM, INSPECTION_UNTIL - dt.timedelta(days=1))
# Resident-ID parts with their weighted digit sums, so the check digit is one lookup.
_AREA_PARTS = [(a, _weighted_digits(a, ID_WEIGHTS[:6])) for a in ID_AREAS]
_BIRTH_PARTS = [
    (d, _weighted_digits(d, ID_WEIGHTS[6:14]))
    for d in (s.replace("-", "") for s in _dates(BIRTH_FIRST, BIRTH_LAST))
]
_SEQUENCE_PARTS = [(f"{n:03d}", _weighted_digits(f"{n:03d}", ID_WEIGHTS[14:])) for n in range(1000)]
_BUILDING_TABLE = [kind[:5] for kind in BUILDING_KINDS for _ in range(kind[5])]


def _community_name(index: int, pool: list[str]) -> str:
    """The index-th community; past the end of the pool names repeat as later phases."""
    name = pool[index % len(pool)]
    phase = index // len(pool)
    if phase == 0:
        return name
    phase += 1
    ordinal = CHINESE_ORDINALS[phase - 1] if phase <= 10 else str(phase)
    return f"{name}{ordinal}期"


def rows(count: int, seed: int | str = 0) -> Iterator[tuple[str, ...]]:
    """`count` households as tuples of strings in `COLUMNS` order ("" = empty)."""
    if not 0 <= count <= MAX_COUNT:
        raise ValueError(f"count must be between 0 and {MAX_COUNT}")
    if count == 0:
        return
    rng = random.Random(seed)  # noqa: S311
    rnd, bits, randint = rng.random, rng.getrandbits, rng.randint
    communities = list(COMMUNITIES)
    rng.shuffle(communities)
    surnames, male, female = SURNAMES, GIVEN_MALE, GIVEN_FEMALE
    n_male, n_female = len(male), len(female)
    prefixes, categories = PHONE_PREFIXES, CATEGORIES
    areas, births, sequences = _AREA_PARTS, _BIRTH_PARTS, _SEQUENCE_PARTS
    n_births = len(births)
    gas_dates, n_gas = GAS_DATES, len(GAS_DATES)
    inspected, n_inspected = INSPECTION_DATES, len(INSPECTION_DATES)
    check = ID_CHECK
    account = 10_000_000 + bits(20)
    serial = bits(40) % SERIAL_MODULUS
    made = 0
    community_index = 0
    while True:
        community = _community_name(community_index, communities)
        community_index += 1
        district = DISTRICTS[bits(10)]
        community_gas = rng.randrange(n_gas - 730)  # connected before the last two years
        for building_no in range(1, randint(4, 30) + 1):
            floors, units_lo, units_hi, per_floor_lo, per_floor_hi = rng.choice(_BUILDING_TABLE)
            gas_index = community_gas + rng.randrange(365)
            building_gas = gas_dates[gas_index]
            later = n_gas - gas_index
            ordinary_maker = rng.choice(ORDINARY_MAKERS)
            ic_maker = rng.choice(IC_MAKERS)
            building = f"{building_no}幢"
            per_floor = randint(per_floor_lo, per_floor_hi)
            for unit_no in range(1, randint(units_lo, units_hi) + 1):
                unit = f"{unit_no}单元"
                place = f"{district}{community}{building}{unit}"
                for floor in range(100, floors * 100 + 1, 100):
                    for room_no in range(floor + 1, floor + per_floor + 1):
                        if rnd() < SHARE_VACANT_ROOM:
                            continue
                        account += 1 if rnd() < 0.9 else 2  # a few closed accounts
                        serial = (serial + SERIAL_STEP) % SERIAL_MODULUS
                        is_male = bits(1)
                        if is_male:
                            given = male[int(rnd() * n_male)]
                        else:
                            given = female[int(rnd() * n_female)]
                        if rnd() < SHARE_ID_NUMBER:
                            area, area_sum = areas[bits(3)]
                            birth, birth_sum = births[int(rnd() * n_births)]
                            sequence, sequence_sum = sequences[int(rnd() * 500) * 2 + is_male]
                            id_number = (
                                area
                                + birth
                                + sequence
                                + check[(area_sum + birth_sum + sequence_sum) % 11]
                            )
                        else:
                            id_number = ""
                        is_ic = rnd() < SHARE_IC
                        room = str(room_no)
                        yield (
                            f"B1{account:09d}",
                            surnames[bits(12)] + given,
                            f"{prefixes[bits(10)]}{int(rnd() * 100_000_000):08d}"
                            if rnd() < SHARE_PHONE
                            else "",
                            id_number,
                            categories[bits(10)],
                            district,
                            community,
                            building,
                            unit,
                            room,
                            f"{place}{room}室",
                            f"{ic_maker if is_ic else ordinary_maker}{serial:010d}",
                            "ic" if is_ic else "ordinary",
                            "outdoor" if rnd() < SHARE_OUTDOOR else "indoor",
                            building_gas
                            if rnd() < SHARE_SAME_GAS_DATE
                            else gas_dates[gas_index + int(rnd() * later)],
                            ""
                            if rnd() < SHARE_NEVER_INSPECTED
                            else inspected[int(rnd() * n_inspected)],
                            "是" if rnd() < SHARE_VULNERABLE else "否",
                            "是" if rnd() < SHARE_GROUP_RENTAL else "否",
                        )
                        made += 1
                        if made == count:
                            return


def households(count: int, seed: int | str = 0) -> Iterator[dict[str, str]]:
    """`count` households as dicts keyed by `COLUMNS` ("" = empty)."""
    columns = COLUMNS
    for row in rows(count, seed):
        yield dict(zip(columns, row, strict=True))


def header(labels: str = "en") -> list[str]:
    if labels == "en":
        return list(COLUMNS)
    if labels == "zh":
        return [LABELS_ZH[c] for c in COLUMNS]
    raise ValueError("labels must be 'en' or 'zh'")


def write_csv(
    path: str | os.PathLike[str],
    count: int,
    seed: int | str = 0,
    *,
    encoding: str = "utf-8",
    labels: str = "en",
) -> int:
    """Write `count` households to a CSV file with a header row; return the row count."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}")
    columns = header(labels)
    with open(path, "w", encoding=encoding, newline="", buffering=1 << 20) as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows(count, seed))
    return count


# A fixed time for every part of the XLSX file, so the same seed gives the same bytes.
XLSX_TIMESTAMP = dt.datetime(2026, 1, 1)


class _StableZipFile(zipfile.ZipFile):
    """A ZipFile that stamps every member with `XLSX_TIMESTAMP` instead of the clock."""

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=XLSX_TIMESTAMP.timetuple()[:6])
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        info = self._info(arcname or os.path.basename(filename))
        info.file_size = os.path.getsize(filename)
        with open(filename, "rb") as src, self.open(info, "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def write_xlsx(
    path: str | os.PathLike[str], count: int, seed: int | str = 0, *, labels: str = "en"
) -> int:
    """Write `count` households to one sheet of an XLSX file, streaming; return the count.

    Every cell is text (so ID and account numbers keep their digits); empty values are
    empty cells. openpyxl's write-only mode keeps the sheet in a temporary file, not memory.
    """
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    columns = header(labels)
    workbook = Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = XLSX_TIMESTAMP
    workbook.properties.creator = "ruhu synth"
    sheet = workbook.create_sheet("households")
    sheet.append(columns)
    append = sheet.append
    for row in rows(count, seed):
        append(xlsx_row(sheet, [value or None for value in row]))
    with _StableZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    return count


def format_for(path: str | os.PathLike[str]) -> str:
    """The file format implied by the extension of `path` (csv or xlsx)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"cannot tell the format from {Path(path).name!r}: use .csv or .xlsx")
    return suffix


def write_households(
    path: str | os.PathLike[str],
    count: int,
    seed: int | str = 0,
    *,
    file_format: str | None = None,
    encoding: str = "utf-8",
    labels: str = "en",
) -> int:
    """Write the file in the format given (or implied by the extension); all or nothing."""
    file_format = file_format or format_for(path)
    if file_format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if file_format == "xlsx" and encoding != "utf-8":
        raise ValueError("an XLSX file has no text encoding to choose")
    target = Path(path)
    partial = target.with_name(target.name + ".part")
    try:
        if file_format == "csv":
            write_csv(partial, count, seed, encoding=encoding, labels=labels)
        else:
            write_xlsx(partial, count, seed, labels=labels)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return count
