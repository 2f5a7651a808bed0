"""The demo's station facilities: a dozen per branch, checked at different times so the
schedule has overdue, due and upcoming ones, one regulator box with a cut-off pressure too
low (a repair job and a flag), and two checks on the inspector's list for today.

Idempotent like the rest of the demo: a branch that already has facilities is left alone.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from ruhu.accounts.models import OrgUnit, User
from ruhu.facilities.checklist import items_for, takes_pressures
from ruhu.facilities.models import Facility, FacilityKind
from ruhu.facilities.schemas import CheckIn
from ruhu.facilities.services import facility_check_submit, facility_create, facility_tasks_assign

GOOD = {"cutoff_pa": 3620, "closing_pa": 2790, "operating_pa": 2410}
# code suffix, kind, name, community, where, days since the last check (None: never), cut-off
DEMO_FACILITIES = (
    (
        "TYX-001",
        FacilityKind.REGULATOR_BOX,
        "翠苑一区1号调压箱",
        "翠苑一区",
        "翠苑一区1幢西侧绿化带",
        95,
        None,
    ),
    (
        "TYX-002",
        FacilityKind.REGULATOR_BOX,
        "翠苑一区2号调压箱",
        "翠苑一区",
        "翠苑一区5幢北侧",
        88,
        None,
    ),
    ("TYX-003", FacilityKind.REGULATOR_BOX, "文华苑调压箱", "文华苑", "文华苑南门内侧", 20, 3400),
    (
        "TYX-004",
        FacilityKind.REGULATOR_BOX,
        "东湖花园调压箱",
        "东湖花园",
        "东湖花园3幢东山墙",
        60,
        None,
    ),
    ("FJ-001", FacilityKind.VALVE_WELL, "翠苑路阀井", "", "翠苑路与文一路交叉口东北角", 100, None),
    ("FJ-002", FacilityKind.VALVE_WELL, "文华路阀井", "", "文华路128号门前人行道", 85, None),
    ("FJ-003", FacilityKind.VALVE_WELL, "东湖路阀井", "", "东湖路6号路灯旁", 30, None),
    ("FS-001", FacilityKind.VALVE_ROOM, "城东阀室", "", "城东门站北侧", 80, None),
    ("TYG-001", FacilityKind.REGULATOR_CABINET, "工业园调压柜", "", "工业园区2号路18号", 40, None),
    (
        "TYX-005",
        FacilityKind.REGULATOR_BOX,
        "新建小区调压箱",
        "明月小区",
        "明月小区1幢南侧",
        None,
        None,
    ),
)
TODAY_CHECKS = ("TYX-001", "FJ-001")


@transaction.atomic
def demo_facilities_load() -> int:
    made = 0
    for branch in OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH, code__in=["east", "west"]):
        if Facility.objects.filter(branch=branch).exists():
            continue
        lead = User.objects.get(username=f"inspection_lead.{branch.code}")
        inspector = User.objects.get(username=f"inspector.{branch.code}")
        prefix = branch.code[0].upper()
        for code, kind, name, community, where, days_ago, cutoff in DEMO_FACILITIES:
            facility = _register(lead, branch, f"{prefix}-{code}", kind, name, community, where)
            if days_ago is not None:
                _check(inspector, facility, days_ago, cutoff)
            made += 1
        today = [Facility.objects.get(code=f"{prefix}-{code}").pk for code in TODAY_CHECKS]
        facility_tasks_assign(
            acting_user=lead, facility_ids=today, assignee=inspector, day=timezone.localdate()
        )
    return made


def _register(
    lead: User, branch: OrgUnit, code: str, kind: str, name: str, community: str, where: str
):
    today = timezone.localdate()
    facility = facility_create(
        acting_user=lead,
        code=code,
        kind=kind,
        name=name,
        location=where,
        community=community,
        model="RTZ-31/0.4" if kind == FacilityKind.REGULATOR_BOX else "",
        installed_on=today.replace(year=today.year - 6, day=1),
        safety_valve_valid_until=(
            today + dt.timedelta(days=200) if kind != FacilityKind.VALVE_WELL else None
        ),
    )
    # the registry existed before Ruhu: its facilities were registered long ago
    # (six years of days rather than `replace(year=…)`, which has no 29 February to go to)
    registered_on = today - dt.timedelta(days=6 * 365)
    Facility.objects.filter(pk=facility.pk).update(registered_on=registered_on)
    facility.refresh_from_db()
    return facility


def _check(inspector: User, facility: Facility, days_ago: int, cutoff: int | None) -> None:
    finished = timezone.now() - dt.timedelta(days=days_ago, hours=3)
    pressures = {**GOOD, "cutoff_pa": cutoff or GOOD["cutoff_pa"]}
    payload = CheckIn(
        id=uuid.uuid4(),
        facility_id=facility.pk,
        started_at=finished - dt.timedelta(minutes=20),
        finished_at=finished,
        checklist={item.code: {"state": "ok"} for item in items_for(facility.kind)},
        cleaned=takes_pressures(facility.kind),
        note="演示数据",
        **(pressures if takes_pressures(facility.kind) else {}),
    )
    facility_check_submit(acting_user=inspector, payload=payload)
