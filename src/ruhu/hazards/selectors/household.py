"""The household page's hazards section: its cases, its notices and why its supply is
held."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, ExpressionWrapper, IntegerField, Q, Value, When

from ruhu.hazards.models import Hazard, HazardNotice, HazardStep, State, Step
from ruhu.hazards.selectors.cases import hazards_visible, notices_visible

HOUSEHOLD_HAZARDS_SHOWN = 100


def household_hazards(*, acting_user, household, today: dt.date) -> list[Hazard]:
    """Every hazard of one household, open ones first, newest first within each; each
    annotated `overdue` when its deadline is before `today`."""
    closed_last = Case(
        When(state=State.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return list(
        hazards_visible(acting_user=acting_user)
        .filter(household=household)
        .select_related("hazard_type")
        .annotate(overdue=ExpressionWrapper(Q(due_on__lt=today), output_field=BooleanField()))
        .order_by(closed_last, "-found_on", "-pk")[:HOUSEHOLD_HAZARDS_SHOWN]
    )


def household_notices(*, acting_user, household) -> list[HazardNotice]:
    """Every notice of one household: its own, and the property letters naming it."""
    ids = HazardNotice.hazards.through.objects.filter(hazard__household=household).values(
        "hazardnotice_id"
    )
    return list(
        notices_visible(acting_user=acting_user)
        .filter(Q(household=household) | Q(pk__in=ids))
        .select_related("delivered_by")
        .order_by("issued_on", "pk")[:HOUSEHOLD_HAZARDS_SHOWN]
    )


def notice_hazard_ids(*, notices: list[HazardNotice]) -> dict[int, list[int]]:
    """For notices already read through a scoped selector: the hazards each covers."""
    covered: dict[int, list[int]] = {}
    links = HazardNotice.hazards.through.objects.filter(
        hazardnotice_id__in=[n.pk for n in notices]
    ).values_list("hazardnotice_id", "hazard_id")
    for notice_id, hazard_id in links:
        covered.setdefault(notice_id, []).append(hazard_id)
    return {notice_id: sorted(ids) for notice_id, ids in covered.items()}


@dataclass
class SupplyReason:
    """Why a household's gas is held: one open case holding it, the step that put the hold
    on, and the notices delivered before it."""

    hazard: Hazard
    hold_step: HazardStep | None
    notices: list[HazardNotice]


def household_supply_reasons(
    *, hazards: list[Hazard], notices: list[HazardNotice]
) -> list[SupplyReason]:
    """From the household's hazards and notices already read: the open cases holding its
    supply, each with its hold step (one query for all)."""
    holding = [h for h in hazards if h.supply_hold and h.state != State.CLOSED]
    if not holding:
        return []
    steps = {}
    for step in (
        HazardStep.objects.filter(hazard__in=holding, kind__in=[Step.LIMITED, Step.SEALED])
        .select_related("actor")
        .order_by("number")
    ):
        steps[(step.hazard_id, step.kind)] = step
    covered: dict[int, list[HazardNotice]] = {}
    links = HazardNotice.hazards.through.objects.filter(hazard__in=holding).values_list(
        "hazard_id", "hazardnotice_id"
    )
    by_id = {n.pk: n for n in notices}
    for hazard_id, notice_id in links:
        notice = by_id.get(notice_id)
        if notice is not None and notice.delivered:
            covered.setdefault(hazard_id, []).append(notice)
    reasons = []
    for hazard in holding:
        kind = Step.SEALED if hazard.supply_hold == "sealed" else Step.LIMITED
        reasons.append(
            SupplyReason(
                hazard=hazard,
                hold_step=steps.get((hazard.pk, kind)),
                notices=sorted(covered.get(hazard.pk, []), key=lambda n: (n.issued_on, n.pk)),
            )
        )
    return reasons
