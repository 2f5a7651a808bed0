"""A hazard found at a visit (RULES B6): a case opened for it and taken down its route,
fixed on the spot, dispatched to a repairer or noticed to the customer; and the cases a
corrected visit takes back. The visit service calls these in its own transaction, having
authorized the visit's author (the table's `visit` rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Role
from ruhu.common.errors import ValidationFailed
from ruhu.common.models import Attachment
from ruhu.common.notifications import outbox_enqueue
from ruhu.common.rows import rows_insert
from ruhu.hazards.models import (
    Fixer,
    Hazard,
    HazardStep,
    HazardType,
    Level,
    Resolution,
    Route,
    State,
    SupplyHold,
)
from ruhu.hazards.services.notices import rectification_notice_at_visit
from ruhu.hazards.services.tally import tally_add
from ruhu.hazards.services.transitions import move, supply_follow
from ruhu.hazards.workflow import Action, authorize, opening
from ruhu.premises.models import Household


@dataclass(frozen=True)
class FoundHazard:
    """One hazard as a visit recorded it."""

    position: int
    hazard_type: HazardType
    level: int
    item: str
    description: str
    route: str
    before_photo: Attachment
    after_photo: Attachment | None


def default_route(hazard_type: HazardType, *, fixed_on_spot: bool) -> str:
    if fixed_on_spot:
        return Route.ON_SPOT
    return Route.NOTICE if hazard_type.fixer == Fixer.CUSTOMER else Route.REPAIR


def hazards_record_found(
    *, acting_user: User, visit, household: Household, found: list[FoundHazard]
) -> list[Hazard]:
    """Open one case per hazard the visit found and take each down its route. Called by
    the visit service inside the transaction that stores the visit. Hazards for the
    customer to fix share one 《安全隐患整改通知书》, handed over at the visit."""
    on = timezone.localdate(visit.finished_at)
    cases = []
    for row in found:
        hazard = _open(acting_user, visit, household, row, on)
        cases.append(hazard)
        if row.route == Route.ON_SPOT:
            _fix_on_spot(acting_user, hazard, row, on)
        elif row.route == Route.REPAIR:
            hazard_dispatch(acting_user=acting_user, hazard=hazard, on=on)
    noticed = [h for h in cases if h.route == Route.NOTICE]
    if noticed:
        rectification_notice_at_visit(
            acting_user=acting_user, hazards=noticed, handed_at=visit.finished_at
        )
    serious = [h for h in cases if h.serious]
    if serious:
        _alert_serious(household, serious, on)
    return cases


def _open(acting_user: User, visit, household: Household, row: FoundHazard, on: dt.date) -> Hazard:
    if row.route == Route.ON_SPOT and row.after_photo is None:
        raise ValidationFailed(_("现场整改的隐患须拍整改后照片"), code="visit_after_photo")
    state, step = opening()
    # one INSERT each, built once (common.rows): a visit's hazards are on its hot path
    (hazard,) = rows_insert([Hazard(
        branch_id=household.branch_id,
        household=household,
        hazard_type=row.hazard_type,
        level=row.level,
        item=row.item,
        description=row.description,
        route=row.route,
        state=state,
        found_on=on,
        found_by=acting_user,
        found_visit=visit,
        found_position=row.position,
        before_photo=row.before_photo,
        since=on,
        serious=row.level == Level.ONE and row.route != Route.ON_SPOT,
        step_count=1,
    )])  # fmt: skip
    tally_add(branch_id=hazard.branch_id, found_on=on, level=hazard.level, found=1)
    rows_insert([HazardStep(
        hazard=hazard,
        number=1,
        kind=step,
        to_state=state,
        effective_on=on,
        at=timezone.now(),
        actor=acting_user,
        photo=row.before_photo,
        note=row.description,
    )])  # fmt: skip
    return hazard


def _fix_on_spot(acting_user: User, hazard: Hazard, row: FoundHazard, on: dt.date) -> None:
    # the visit, frozen and chained, is the proof: its hazard row cites both photos
    move(
        hazard,
        acting_user=acting_user,
        row=authorize(acting_user=acting_user, hazard=hazard, action=Action.FIX_ON_SPOT),
        on=on,
        photo=row.after_photo,
        rectified_on=on,
        closed_on=on,
        resolution=Resolution.ON_SPOT,
    )


def _alert_serious(household: Household, hazards: list[Hazard], on: dt.date) -> None:
    """Level 1 not fixed on the spot: the leads hear at once; supply cut is recommended."""
    names = "、".join(h.hazard_type.name_zh for h in hazards)
    body = (
        f"【重大隐患】{on:%Y-%m-%d} 户号 {household.account_no} 发现一级隐患未能现场整改："
        f"{names}。建议立即切断供气，并列入重大隐患报告。"
    )
    leads = User.objects.filter(
        branch_id=household.branch_id, role=Role.INSPECTION_LEAD, is_active=True
    ).exclude(email="")
    for lead in leads:
        outbox_enqueue(
            channel="email",
            recipient=lead.email,
            subject="重大隐患",
            body=body,
            dedupe_key=f"hazard-serious:{hazards[0].pk}:{lead.pk}",
            branch_id=household.branch_id,
            cause=hazards[0],
        )


def hazard_dispatch(*, acting_user: User, hazard: Hazard, on: dt.date | None = None) -> HazardStep:
    """To the repair line: due in the working days of the schedule (policy)."""
    return move(
        hazard,
        acting_user=acting_user,
        row=authorize(acting_user=acting_user, hazard=hazard, action=Action.DISPATCH),
        on=on or timezone.localdate(),
        route=Route.REPAIR,
    )


def hazards_withdraw_for_visit(*, acting_user: User, visit, reason: str) -> int:
    """A corrected visit takes back the open cases its earlier version opened."""
    withdrawn = 0
    for hazard in Hazard.objects.filter(found_visit=visit).exclude(state=State.CLOSED):
        held = bool(hazard.supply_hold)
        move(
            hazard,
            acting_user=acting_user,
            row=authorize(acting_user=acting_user, hazard=hazard, action=Action.WITHDRAW),
            note=reason,
            closed_on=timezone.localdate(),
            resolution=Resolution.WITHDRAWN,
            supply_hold=SupplyHold.NONE,
        )
        if held:
            supply_follow(acting_user=acting_user, household_id=hazard.household_id, reason=reason)
        withdrawn += 1
    return withdrawn
