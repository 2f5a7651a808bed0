"""The demo company: two branches, staff in every role, a few hundred households.

Deterministic (fixed seed) and idempotent: running it again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from django.db import transaction

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Role
from ruhu.accounts.services import org_unit_create, user_create
from ruhu.premises import synth
from ruhu.premises.models import Household
from ruhu.premises.services import household_import

DEMO_PASSWORD = "ruhu-demo-2026"
HOUSEHOLDS_PER_BRANCH = 150

BRANCHES = [("east", "东城项目公司"), ("west", "西城项目公司")]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉鹏飞斌宇浩凯健俊帆波宁琳晶"
)
MOBILE_PREFIXES = [
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "177",
    "180",
    "181",
    "186",
    "187",
    "188",
    "189",
]
AREA_CODES = {"east": "110101", "west": "110102"}

# role → (username suffix, full name, attached to the branch's team or the branch itself)
STAFF = [
    (Role.INSPECTOR, "安检员", "team"),
    (Role.REPAIRER, "维修员", "team"),
    (Role.INSTALLER, "安装员", "team"),
    (Role.CLEANER, "保洁员", "team"),
    (Role.SUBCONTRACTOR, "分包人员", "team"),
    (Role.REVIEWER, "复核员", "branch"),
    (Role.INSPECTION_LEAD, "安检主管", "branch"),
    (Role.CUSTOMER_SERVICE, "客服", "branch"),
    (Role.RECEPTION, "前台", "branch"),
    (Role.SECURITY, "保安", "branch"),
    (Role.HOST, "接待", "branch"),
    (Role.MANAGER, "经理", "branch"),
]
HEAD_OFFICE = [
    (Role.SAFETY_SUPERVISION, "安全监察"),
    (Role.MANAGER, "总经理"),
    (Role.ADMIN, "管理员"),
]


def _id_number(rng: random.Random, area: str) -> str:
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 62))
    body = f"{area}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(0, 10**8):08d}"


def demo_logins() -> list[tuple[str, str, str]]:
    rows = [
        (f"{role.value}.{code}", str(role.label), name)
        for code, name in BRANCHES
        for role, _suffix, _where in STAFF
    ]
    rows += [(f"{role.value}.hq", str(role.label), "总部") for role, _ in HEAD_OFFICE]
    return rows


@transaction.atomic
def demo_load() -> dict[str, int]:
    rng = random.Random(20261127)
    created = {"users": 0, "households": 0}
    company = OrgUnit.objects.filter(code="demo").first() or org_unit_create(
        acting_user=None, kind="company", code="demo", name="示范燃气集团"
    )
    for role, _title in HEAD_OFFICE:
        username = f"{role.value}.hq"
        if not User.objects.filter(username=username).exists():
            user_create(
                acting_user=None,
                username=username,
                full_name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}",
                role=role,
                org_unit=company,
                password=DEMO_PASSWORD,
                badge_no=f"HQ-{role.value[:3].upper()}",
                phone=_phone(rng),
                is_superuser=role == Role.ADMIN,
            )
            created["users"] += 1
    for code, name in BRANCHES:
        branch = OrgUnit.objects.filter(code=code).first() or org_unit_create(
            acting_user=None, kind="branch", code=code, name=name, parent=company
        )
        team = OrgUnit.objects.filter(code=f"{code}-t1").first() or org_unit_create(
            acting_user=None, kind="team", code=f"{code}-t1", name=f"{name}一班", parent=branch
        )
        for number, (role, _title, where) in enumerate(STAFF, start=1):
            username = f"{role.value}.{code}"
            if User.objects.filter(username=username).exists():
                continue
            surname = rng.choice(SURNAMES)
            user_create(
                acting_user=None,
                username=username,
                full_name=f"{surname}{rng.choice(GIVEN)}",
                role=role,
                org_unit=team if where == "team" else branch,
                password=DEMO_PASSWORD,
                badge_no=f"{code.upper()}-{number:03d}",
                phone=_phone(rng),
                id_number=_id_number(rng, AREA_CODES[code]),
            )
            created["users"] += 1
        created["households"] += _households(branch, code)
    return created


def _households(branch: OrgUnit, code: str) -> int:
    """The branch's households, made by the synthetic generator and loaded by the real import."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{code}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(synth.header())
            for n, row in enumerate(synth.rows(HOUSEHOLDS_PER_BRANCH, seed=f"demo-{code}"), 1):
                writer.writerow([f"{code.upper()}{n:06d}", *row[1:]])
        result = household_import(acting_user=None, path=path, branch=branch, mode="all")
    if result.rejected:
        raise AssertionError(f"demo households rejected: {result.errors[:3]}")
    return result.inserted


def demo_pii_values() -> list[str]:
    """Every phone and ID number the demo writes, for tests that grep the database file."""
    values = []
    for user in User.objects.exclude(phone_bidx=""):  # encrypted: no lookups but isnull
        values += [user.phone, user.phone.removeprefix("+86"), user.id_number]
    for household in Household.objects.all():
        values += [household.phone, household.phone.removeprefix("+86"), household.id_number]
    return [v for v in values if v]
