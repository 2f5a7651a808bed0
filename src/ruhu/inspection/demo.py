"""The demo's inspection work: trained inspectors, today's tasks, next month's plan.

Idempotent like the rest of the demo: a branch that already has plans is left alone.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import transaction
from django.utils import timezone

from ruhu.accounts.models import OrgUnit, User
from ruhu.common.errors import ValidationFailed
from ruhu.inspection.models import Plan, PlanTask, TrainingRecord, TrainingTopic
from ruhu.inspection.services import plan_approve, plan_generate, training_record_create
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
