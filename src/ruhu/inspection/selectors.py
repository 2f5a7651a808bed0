"""Reads of the inspection domain, scoped to the caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.policy import policy_get
from ruhu.common.scoping import require, scope_queryset
from ruhu.common.workdays import add_months
from ruhu.inspection.models import TrainingRecord, TrainingTopic


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
