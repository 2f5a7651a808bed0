"""Reads of the inspection domain, scoped to the caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.policy import policy_get
from ruhu.common.scoping import get_scoped, require, scope_queryset
from ruhu.common.workdays import add_months
from ruhu.inspection.models import (
    Plan,
    PlanTask,
    TrainingRecord,
    TrainingTopic,
    UnplannedHousehold,
)


@dataclass(frozen=True)
class Qualification:
    """An inspector may be planned while every topic was trained within the interval."""

    qualified: bool
    valid_until: dt.date | None  # the last day the current training counts
    missing_topics: tuple[str, ...]


def training_record_list(*, acting_user) -> QuerySet[TrainingRecord]:
    require(acting_user, Capability.MANAGE_TRAINING)
    return scope_queryset(
        TrainingRecord.objects.select_related("inspector", "branch"), acting_user=acting_user
    )


def inspector_qualification(*, inspector: User, on: dt.date) -> Qualification:
    return qualifications(inspectors=[inspector], on=on)[inspector.pk]


def qualifications(*, inspectors: list[User], on: dt.date) -> dict[int, Qualification]:
    """Each inspector's qualification on `on` (one query for all of them)."""
    months_of = {
        branch: int(policy_get("training.inspector_interval_months", branch=branch, on=on))
        for branch in {inspector.branch_id for inspector in inspectors}
    }
    earliest = add_months(on, -max(months_of.values(), default=0))
    latest_by_topic: dict[int, dict[str, dt.date]] = {inspector.pk: {} for inspector in inspectors}
    records = TrainingRecord.objects.filter(
        inspector__in=[inspector.pk for inspector in inspectors],
        trained_on__gte=earliest,
        trained_on__lte=on,
    ).values_list("inspector_id", "trained_on", "topics")
    for inspector_id, trained_on, topics in records:
        seen = latest_by_topic[inspector_id]
        for topic in topics:
            seen[topic] = max(seen.get(topic, trained_on), trained_on)
    return {
        inspector.pk: _qualification(inspector, latest_by_topic[inspector.pk], months_of, on)
        for inspector in inspectors
    }


def _qualification(
    inspector: User, latest: dict[str, dt.date], months_of: dict, on: dt.date
) -> Qualification:
    months = months_of[inspector.branch_id]
    current = {
        topic: add_months(day, months) - dt.timedelta(days=1)
        for topic, day in latest.items()
        if add_months(day, months) > on
    }
    missing = tuple(topic for topic in TrainingTopic.values if topic not in current)
    able = inspector.is_active and inspector.role == Role.INSPECTOR
    return Qualification(
        qualified=able and not missing,
        valid_until=min(current.values()) if able and not missing else None,
        missing_topics=missing,
    )


def trainable_inspectors(*, acting_user) -> QuerySet[User]:
    """Active inspectors the caller may record training for."""
    require(acting_user, Capability.MANAGE_TRAINING)
    inspectors = User.objects.filter(role=Role.INSPECTOR, is_active=True, branch__isnull=False)
    return scope_queryset(inspectors, acting_user=acting_user).order_by("full_name", "pk")


def plan_list(*, acting_user) -> QuerySet[Plan]:
    require(acting_user, Capability.MANAGE_PLANS)
    plans = Plan.objects.select_related("branch", "approved_by", "generated_by")
    return scope_queryset(plans, acting_user=acting_user)


def plan_get(*, acting_user, pk: int) -> Plan:
    return get_scoped(plan_list(acting_user=acting_user), pk, acting_user=acting_user)


@dataclass(frozen=True)
class Load:
    inspector_id: int
    name: str
    badge_no: str
    tasks: int
    days: int
    first_day: dt.date
    last_day: dt.date
    started: int
    done: int


def plan_loads(*, plan: Plan) -> list[Load]:
    """Each inspector's share of the plan, one aggregate query."""
    rows = (
        PlanTask.objects.filter(plan=plan)
        .values("inspector_id", "inspector__full_name", "inspector__badge_no")
        .annotate(
            tasks=Count("id"),
            days=Count("day", distinct=True),
            first_day=Min("day"),
            last_day=Max("day"),
            started=Count("id", filter=Q(status=PlanTask.Status.STARTED)),
            done=Count("id", filter=Q(status=PlanTask.Status.DONE)),
        )
        .order_by("inspector__full_name", "inspector_id")
    )
    return [
        Load(
            inspector_id=row["inspector_id"],
            name=row["inspector__full_name"],
            badge_no=row["inspector__badge_no"],
            tasks=row["tasks"],
            days=row["days"],
            first_day=row["first_day"],
            last_day=row["last_day"],
            started=row["started"],
            done=row["done"],
        )
        for row in rows
    ]


def plan_tasks(*, plan: Plan, inspector_id: int | None = None) -> QuerySet[PlanTask]:
    tasks = PlanTask.objects.filter(plan=plan).select_related("household", "inspector")
    if inspector_id:
        tasks = tasks.filter(inspector_id=inspector_id)
    return tasks.order_by("day", "inspector_id", "sequence")


def plan_unplanned(*, plan: Plan) -> QuerySet[UnplannedHousehold]:
    return UnplannedHousehold.objects.filter(plan=plan).select_related("household")
