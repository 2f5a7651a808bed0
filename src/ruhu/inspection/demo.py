"""The demo's inspection work: trained inspectors, today's tasks, next month's plan,
and hazards found on earlier visits.

Idempotent like the rest of the demo: a branch that already has plans is left alone.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import uuid

from django.db import transaction
from django.utils import timezone
from PIL import Image

from ruhu.accounts.models import OrgUnit, User
from ruhu.common.attachments import attachment_store
from ruhu.common.errors import ValidationFailed
from ruhu.hazards.models import Hazard
from ruhu.hazards.services import hazard_clock_run
from ruhu.inspection.checklist import applicable_items
from ruhu.inspection.models import Plan, PlanTask, TrainingRecord, TrainingTopic
from ruhu.inspection.schemas import VisitIn
from ruhu.inspection.services import (
    plan_approve,
    plan_generate,
    training_record_create,
    visit_submit,
)
from ruhu.premises.models import Household

TODAY_TASKS = 12


@transaction.atomic
def demo_inspection_load() -> dict[str, int]:
    made = {"plans": 0, "tasks": 0}
    today = timezone.localdate()
    for branch in OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH, code__in=["east", "west"]):
        if Plan.objects.filter(branch=branch).exists():
            continue
        lead = User.objects.get(username=f"inspection_lead.{branch.code}")
        inspector = User.objects.get(username=f"inspector.{branch.code}")
        if not TrainingRecord.objects.filter(inspector=inspector).exists():
            training_record_create(
                acting_user=lead,
                inspectors=[inspector],
                trained_on=today - dt.timedelta(days=30),
                topics=list(TrainingTopic.values),
                trainer="安全培训中心",
            )
        made["tasks"] += _today(branch, inspector, today)
        following = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        try:
            plan = plan_generate(acting_user=lead, branch=branch, month=following)
        except ValidationFailed:
            continue
        plan_approve(acting_user=lead, plan=plan)
        made["plans"] += 1
    return made


def _today(branch: OrgUnit, inspector: User, today: dt.date) -> int:
    """A few households of one building for today, so the phone pages have work to show."""
    month = today.replace(day=1)
    plan = Plan.objects.create(
        branch=branch,
        month=month,
        status=Plan.Status.APPROVED,
        approved_at=timezone.now(),
        summary={"planned": TODAY_TASKS, "kept": 0, "unplanned": 0, "inspectors": 1,
                 "working_days": calendar.monthrange(today.year, today.month)[1],
                 "load_min": TODAY_TASKS, "load_max": TODAY_TASKS, "load_ratio": 1.0},
    )  # fmt: skip
    homes = Household.objects.filter(branch=branch).order_by("community", "building", "room")
    PlanTask.objects.bulk_create(
        PlanTask(plan=plan, household=home, inspector=inspector, day=today, sequence=n,
                 overdue=home.last_inspected_on is None, vulnerable=home.vulnerable)
        for n, home in enumerate(homes[:TODAY_TASKS], start=1)
    )  # fmt: skip
    return TODAY_TASKS


# hazard type, checklist item, level, fixed on the spot, days ago
DEMO_HAZARDS = (
    ("hose_defect", "stove_connection", 1, True, 3),
    ("hose_through_wall", "stove_connection", 2, False, 2),
    ("direct_exhaust_heater", "no_direct_exhaust", 1, False, 30),
    ("poor_ventilation", "stove_ventilation", 2, False, 12),
    ("cabinet_vent_small", "cabinet_vent", 3, False, 4),
)


def demo_hazards_load() -> int:
    """Hazards found on past visits, carried by the services and the clock to where they
    would be today: fixed on the spot, with a repairer, noticed, and overdue."""
    made = 0
    for branch in OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH, code__in=["east", "west"]):
        if Hazard.objects.filter(branch=branch).exists():
            continue
        inspector = User.objects.get(username=f"inspector.{branch.code}")
        homes = Household.objects.filter(branch=branch).order_by("-account_no")
        for home, found in zip(homes, DEMO_HAZARDS, strict=False):
            _visit_with_hazard(inspector, home, *found)
            made += 1
    hazard_clock_run()
    return made


def _picture(user: User, colour: str, kind: str = "photo"):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG" if kind == "signature" else "JPEG")
    out.seek(0)
    return attachment_store(acting_user=user, kind=kind, file=out, branch_id=user.branch_id)


def _visit_with_hazard(inspector, home, code, item, level, fixed, days_ago) -> None:
    finished = timezone.now() - dt.timedelta(days=days_ago, hours=2)
    items = applicable_items(meter_location=home.meter_location, meter_kind=home.meter_kind)
    checklist = {i.code: {"state": "hazard" if i.code == item else "ok"} for i in items}
    hazard = {
        "hazard_type": code, "item": item, "level": level, "fixed_on_spot": fixed,
        "before_photo": _picture(inspector, "firebrick").sha256,
        "after_photo": _picture(inspector, "seagreen").sha256 if fixed else None,
        "description": "演示数据",
    }  # fmt: skip
    payload = VisitIn(
        id=uuid.uuid4(),
        household_id=home.pk,
        outcome="inspected",
        started_at=finished - dt.timedelta(minutes=15),
        finished_at=finished,
        checklist=checklist,
        meter_reading=None if home.meter_location == "outdoor" else "1024.5",
        leaflet_given=True,
        hazards=[hazard],
        signature=_picture(inspector, "black", kind="signature").sha256,
        signer_name=home.name,
    )
    visit_submit(acting_user=inspector, payload=payload)
