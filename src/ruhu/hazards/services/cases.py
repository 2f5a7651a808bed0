"""The hazard's life (RULES B6): found at a visit, then fixed on the spot, dispatched to a
repairer or noticed to the customer; escalated on the clock; rectified, proven on site;
closed. One service per transition; each checks the state and writes one step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.errors import IllegalTransition, ValidationFailed
from ruhu.common.frozen import Draft, Recorder, frozen_record_submit
from ruhu.common.models import Attachment
from ruhu.common.notifications import outbox_enqueue
from ruhu.common.policy import policy_get
from ruhu.common.scoping import require
from ruhu.common.workdays import add_working_days
from ruhu.hazards.evidence import RECHECK_KIND
from ruhu.hazards.models import (
    Fixer,
    Hazard,
    HazardStep,
    HazardType,
    Level,
    Resolution,
    Route,
    State,
    Step,
    SupplyHold,
)
from ruhu.hazards.schemas import RecheckIn
from ruhu.hazards.services.notices import rectification_notice_at_visit
from ruhu.hazards.services.tally import tally_add
from ruhu.hazards.services.transitions import KEEP, move, supply_follow
from ruhu.premises.models import Household

ARRANGEABLE = (
    State.NOTICED,
    State.RENOTICE_DUE,
    State.RENOTICED,
    State.LIMIT_DUE,
    State.LIMITED,
    State.STOP_NOTICED,
    State.PM_LETTERED,
    State.SEAL_DUE,
    State.SEALED,
    State.HANDED_OVER,
)
RECHECKABLE = (State.FOUND, State.DISPATCHED, *ARRANGEABLE, State.ARRANGED)


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


def repair_working_days(hazard_type: HazardType, *, branch_id: int, on: dt.date) -> int:
    key = (
        f"hazard.fix_working_days.{hazard_type.schedule_row}"
        if hazard_type.schedule_row
        else "hazard.repair_default_working_days"
    )
    return int(policy_get(key, branch=branch_id, on=on))


def hazards_record_found(
    *, acting_user, visit, household: Household, found: list[FoundHazard]
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


def _open(acting_user, visit, household: Household, row: FoundHazard, on: dt.date) -> Hazard:
    if row.route == Route.ON_SPOT and row.after_photo is None:
        raise ValidationFailed("现场整改的隐患须拍整改后照片", code="visit_after_photo")
    hazard = Hazard.objects.create(
        branch_id=household.branch_id,
        household=household,
        hazard_type=row.hazard_type,
        level=row.level,
        item=row.item,
        description=row.description,
        route=row.route,
        state=State.FOUND,
        found_on=on,
        found_by=acting_user,
        found_visit=visit,
        found_position=row.position,
        before_photo=row.before_photo,
        since=on,
        serious=row.level == Level.ONE and row.route != Route.ON_SPOT,
        step_count=1,
    )
    tally_add(branch_id=hazard.branch_id, found_on=on, level=hazard.level, found=1)
    HazardStep.objects.create(
        hazard=hazard,
        number=1,
        kind=Step.FOUND,
        to_state=State.FOUND,
        effective_on=on,
        at=timezone.now(),
        actor=acting_user,
        photo=row.before_photo,
        note=row.description,
    )
    return hazard


def _fix_on_spot(acting_user, hazard: Hazard, row: FoundHazard, on: dt.date) -> None:
    # the visit, frozen and chained, is the proof: its hazard row cites both photos
    move(
        hazard,
        acting_user=acting_user,
        step=Step.FIXED_ON_SPOT,
        to=State.CLOSED,
        allowed=[State.FOUND],
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


def hazard_dispatch(*, acting_user, hazard: Hazard, on: dt.date | None = None) -> HazardStep:
    """To the repair line: due in the working days of the schedule (policy)."""
    on = on or timezone.localdate()
    days = repair_working_days(hazard.hazard_type, branch_id=hazard.branch_id, on=on)
    return move(
        hazard,
        acting_user=acting_user,
        step=Step.DISPATCHED,
        to=State.DISPATCHED,
        allowed=[State.FOUND],
        on=on,
        due_on=add_working_days(on, days).date,
        route=Route.REPAIR,
    )


@transaction.atomic
def hazard_assign(*, acting_user, hazard: Hazard, repairer: User) -> Hazard:
    """A lead assigns a dispatched job, or a repairer takes it (`repairer` is themself)."""
    if repairer.pk != acting_user.pk or not acting_user.can(Capability.REPAIR_HAZARDS):
        require(acting_user, Capability.MANAGE_HAZARDS)
    if repairer.role != Role.REPAIRER or repairer.branch_id != hazard.branch_id:
        raise ValidationFailed("只能指派本分公司的维修员", code="hazard_assignee")
    if hazard.state != State.DISPATCHED:
        raise IllegalTransition("只有已派维修的隐患可以指派", code="hazard_illegal_transition")
    move(
        hazard,
        acting_user=acting_user,
        step=Step.DISPATCHED,
        to=State.DISPATCHED,
        allowed=[State.DISPATCHED],
        due_on=KEEP,
        on=hazard.since,
        note=f"指派给 {repairer.get_full_name() or repairer.username}",
        assignee=repairer,
    )
    return hazard


def hazard_repair_done(
    *, acting_user, hazard: Hazard, after_photo: Attachment, note: str = ""
) -> HazardStep:
    """The repairer fixed it on site: the after-photo is the proof."""
    require(acting_user, Capability.REPAIR_HAZARDS)
    _check_photo(after_photo)
    step = move(
        hazard,
        acting_user=acting_user,
        step=Step.REPAIRED,
        to=State.RECTIFIED,
        allowed=[State.DISPATCHED],
        photo=after_photo,
        note=note,
        chained=True,
        rectified_on=timezone.localdate(),
    )
    _close_if_supply_free(acting_user, hazard)
    return step


def hazard_repair_fail(*, acting_user, hazard: Hazard, reason: str) -> HazardStep:
    """The repairer could not fix it (refused entry, the customer's own installation): the
    customer must fix it, so it waits for a rectification notice."""
    require(acting_user, Capability.REPAIR_HAZARDS)
    if not reason.strip():
        raise ValidationFailed("请填写无法维修的原因", code="hazard_reason")
    return move(
        hazard,
        acting_user=acting_user,
        step=Step.REPAIR_FAILED,
        to=State.FOUND,
        allowed=[State.DISPATCHED],
        note=reason.strip(),
        route=Route.NOTICE,
        assignee=None,
    )


def hazard_mark_arranged(*, acting_user, hazard: Hazard, note: str = "") -> HazardStep:
    """The customer has arranged the work with us: off the open list, a re-check follows."""
    require(acting_user, Capability.MANAGE_HAZARDS)
    return move(
        hazard,
        acting_user=acting_user,
        step=Step.ARRANGED,
        to=State.ARRANGED,
        allowed=ARRANGEABLE,
        note=note,
    )


def hazard_limit_apply(*, acting_user, hazard: Hazard, note: str = "") -> HazardStep:
    """Customer service limits gas sales (限量售气); the household's supply follows."""
    require(acting_user, Capability.LIMIT_SUPPLY)
    step = move(
        hazard,
        acting_user=acting_user,
        step=Step.LIMITED,
        to=State.LIMITED,
        allowed=[State.LIMIT_DUE],
        note=note,
        supply_hold=SupplyHold.LIMITED,
    )
    supply_follow(
        acting_user=acting_user,
        household_id=hazard.household_id,
        reason=f"隐患 #{hazard.pk} 限量售气",
    )
    return step


def hazard_seal(*, acting_user, hazard: Hazard, photo: Attachment, note: str = "") -> HazardStep:
    """Entry still refused after the letter: gas sales stopped and the supply sealed, the
    sealed meter photographed. The case then passes to safety supervision."""
    if not (
        acting_user.can(Capability.REPAIR_HAZARDS) or acting_user.can(Capability.RECORD_VISITS)
    ):
        require(acting_user, Capability.REPAIR_HAZARDS)
    _check_photo(photo)
    today = timezone.localdate()
    days = int(policy_get("hazard.handover_days", branch=hazard.branch_id, on=today))
    step = move(
        hazard,
        acting_user=acting_user,
        step=Step.SEALED,
        to=State.SEALED,
        allowed=[State.SEAL_DUE],
        photo=photo,
        note=note,
        chained=True,
        due_on=today + dt.timedelta(days=days),
        supply_hold=SupplyHold.SEALED,
    )
    supply_follow(
        acting_user=acting_user,
        household_id=hazard.household_id,
        reason=f"隐患 #{hazard.pk} 停气封停",
    )
    return step


OUTCOMES = ("rectified", "supply_terminated", "continuing")


def hazard_outcome_record(
    *,
    acting_user,
    hazard: Hazard,
    outcome: str,
    note: str,
    photo: Attachment | None = None,
) -> HazardStep:
    """Safety supervision reports back on a handed-over case (§5 ⑦)."""
    require(acting_user, Capability.SUPERVISE_HAZARDS)
    if outcome not in OUTCOMES:
        raise ValidationFailed("未知的处理结果", code="hazard_outcome")
    if not note.strip():
        raise ValidationFailed("请填写处理结果说明", code="hazard_reason")
    if outcome == "rectified":
        if photo is None:
            raise ValidationFailed("确认已整改须上传整改后照片", code="hazard_after_photo")
        _check_photo(photo)
        step = move(
            hazard,
            acting_user=acting_user,
            step=Step.RECTIFIED,
            to=State.RECTIFIED,
            allowed=[State.HANDED_OVER],
            photo=photo,
            note=note.strip(),
            chained=True,
            rectified_on=timezone.localdate(),
        )
        _close_if_supply_free(acting_user, hazard)
        return step
    if outcome == "supply_terminated":
        return move(
            hazard,
            acting_user=acting_user,
            step=Step.CLOSED,
            to=State.CLOSED,
            allowed=[State.HANDED_OVER],
            photo=photo,
            note=note.strip(),
            chained=True,
            closed_on=timezone.localdate(),
            resolution=Resolution.SUPPLY_TERMINATED,
        )
    return move(
        hazard,
        acting_user=acting_user,
        step=Step.OUTCOME,
        to=State.HANDED_OVER,
        allowed=[State.HANDED_OVER],
        due_on=KEEP,
        on=hazard.since,
        photo=photo,
        note=note.strip(),
        chained=photo is not None,
    )


def hazard_recheck(
    *,
    acting_user,
    hazard: Hazard,
    rectified: bool,
    after_photo: Attachment | None,
    note: str = "",
    step_id=None,
    position: tuple[float | None, float | None] = (None, None),
    payload_sha256: str = "",
) -> HazardStep:
    """An inspector back on site (§5 ④). Rectified, with the after-photo: the case is
    rectified, and closed unless its supply is held. Not rectified: recorded; a case the
    customer had arranged goes back to the notice ladder."""
    require(acting_user, Capability.RECORD_VISITS)
    if after_photo is not None:
        _check_photo(after_photo)
    common = dict(
        acting_user=acting_user, photo=after_photo, note=note, chained=True, step_id=step_id,
        position=position, payload_sha256=payload_sha256,
    )  # fmt: skip
    if rectified:
        if after_photo is None:
            raise ValidationFailed("确认已整改须拍整改后照片", code="hazard_after_photo")
        step = move(
            hazard,
            step=Step.RECTIFIED,
            to=State.RECTIFIED,
            allowed=RECHECKABLE,
            rectified_on=timezone.localdate(),
            **common,
        )
        _close_if_supply_free(acting_user, hazard)
        return step
    if hazard.state == State.ARRANGED:
        return move(
            hazard, step=Step.RECHECKED, to=State.RENOTICE_DUE, allowed=[State.ARRANGED], **common
        )
    return move(
        hazard,
        step=Step.RECHECKED,
        to=State(hazard.state),
        allowed=[s for s in RECHECKABLE if s != State.ARRANGED],
        due_on=KEEP,
        on=hazard.since,
        **common,
    )


def hazard_supply_restore(*, acting_user, hazard: Hazard, note: str = "") -> HazardStep:
    """Customer service lifts the limit (or has the seal removed) of a rectified case."""
    require(acting_user, Capability.LIMIT_SUPPLY)
    if hazard.state != State.RECTIFIED or not hazard.supply_hold:
        raise IllegalTransition("该隐患没有待恢复的供气限制", code="hazard_illegal_transition")
    step = move(
        hazard,
        acting_user=acting_user,
        step=Step.SUPPLY_RESTORED,
        to=State.CLOSED,
        allowed=[State.RECTIFIED],
        note=note,
        supply_hold=SupplyHold.NONE,
        closed_on=timezone.localdate(),
        resolution=Resolution.RECTIFIED,
    )
    supply_follow(
        acting_user=acting_user,
        household_id=hazard.household_id,
        reason=f"隐患 #{hazard.pk} 已整改，恢复供气",
    )
    return step


def _close_if_supply_free(acting_user, hazard: Hazard) -> None:
    if hazard.state == State.RECTIFIED and not hazard.supply_hold:
        move(
            hazard,
            acting_user=acting_user,
            step=Step.CLOSED,
            to=State.CLOSED,
            allowed=[State.RECTIFIED],
            closed_on=timezone.localdate(),
            resolution=Resolution.RECTIFIED,
        )


def hazards_withdraw_for_visit(*, acting_user, visit, reason: str) -> int:
    """A corrected visit takes back the open cases its earlier version opened."""
    withdrawn = 0
    for hazard in Hazard.objects.filter(found_visit=visit).exclude(state=State.CLOSED):
        held = bool(hazard.supply_hold)
        move(
            hazard,
            acting_user=acting_user,
            step=Step.WITHDRAWN,
            to=State.CLOSED,
            allowed=set(State) - {State.CLOSED},
            note=reason,
            closed_on=timezone.localdate(),
            resolution=Resolution.WITHDRAWN,
            supply_hold=SupplyHold.NONE,
        )
        if held:
            supply_follow(acting_user=acting_user, household_id=hazard.household_id, reason=reason)
        withdrawn += 1
    return withdrawn


def _check_photo(photo: Attachment) -> None:
    if photo.kind != Attachment.Kind.PHOTO:
        raise ValidationFailed("请上传照片", code="hazard_photo_kind")


def hazard_recheck_submit(
    *, acting_user: User, hazard: Hazard, payload: RecheckIn
) -> tuple[HazardStep, bool]:
    """A re-check sent from the phone under its own id, a frozen record of common/frozen.py:
    the same one again returns the stored step, another under the same id is a conflict
    (DESIGN 7); its photo is checked like a visit's; `hazard_recheck` records the step."""

    def write(draft: Draft[RecheckIn], checked: None) -> HazardStep:
        return hazard_recheck(
            acting_user=acting_user,
            hazard=hazard,
            rectified=payload.rectified,
            after_photo=draft.uploads.get(payload.after_photo or ""),
            note=payload.note,
            step_id=payload.id,
            position=(payload.latitude, payload.longitude),
            payload_sha256=draft.digest,
        )

    return frozen_record_submit(
        RECHECK_KIND,
        Recorder(write=write),
        acting_user=acting_user,
        payload=payload,
        subject=hazard,
    )
