"""The one way a hazard changes state: a compare-and-swap update, an immutable step, an
audit row, and for steps that prove a human act, a ledger entry (DESIGN 3 and 4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import User
from ruhu.common.audit import audit_record, json_value
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import ValidationFailed
from ruhu.common.ledger import ledger_append
from ruhu.common.models import Attachment
from ruhu.hazards.evidence import LEDGER_KIND, step_records
from ruhu.hazards.models import Hazard, HazardNotice, HazardStep, Resolution, State, Step
from ruhu.hazards.services.tally import tally_resolution
from ruhu.hazards.workflow import (
    KEEP,
    Action,
    Transition,
    conditions_hold,
    illegal,
    transition,
)
from ruhu.premises.models import Household, SupplyStatus
from ruhu.premises.services import household_set_supply

register_action_labels({f"hazard.{step.value}": step.label for step in Step})
register_action_labels(
    {
        "hazard_type.create": _("新增隐患类型"),
        "hazard_type.update": _("修改隐患类型"),
        "hazard_notice.issue": _("开具整改文书"),
        "hazard_notice.deliver": _("登记文书送达"),
        "hazard.assign": _("指派维修员"),
        "hazard.call": _("登记回访电话"),
        "hazard.package": _("生成月度报送包"),
    }
)
__all__ = ["KEEP", "chain", "close_if_supply_free", "move", "require_photo", "supply_follow"]


def move(
    hazard: Hazard,
    *,
    acting_user: User | None,
    row: Transition,
    on: dt.date | None = None,
    notice: HazardNotice | None = None,
    photo: Attachment | None = None,
    note: str = "",
    chained: bool = False,
    position: tuple[float | None, float | None] = (None, None),
    step_id=None,
    payload_sha256: str = "",
    **fields: Any,
) -> HazardStep:
    """Take `row` of the ladder (workflow.TABLE) on `hazard`, or raise IllegalTransition
    (409) having changed nothing: its state, its deadline by the row's rule, one step, one
    audit row, and for a step that proves a person's act, a ledger entry."""
    if hazard.state not in row.states or row.step is None:
        raise illegal(hazard, row)
    step, to = row.step, row.to or State(hazard.state)
    now = timezone.now()
    # a step that leaves the case where it is does not restart its time there
    on = on or (hazard.since if row.to is None else timezone.localdate(now))
    due_on = row.deadline.due(hazard, on)
    number = hazard.step_count + 1
    changes: dict[str, Any] = {"state": to, "updated_at": now, "step_count": number, **fields}
    if to != hazard.state:
        changes["since"] = on
    if due_on is not KEEP:
        changes["due_on"] = due_on
    # no savepoint of its own: a step that fails rolls back the caller's whole transaction,
    # which no caller goes on with (and a visit's hazards cost two statements less)
    with transaction.atomic(savepoint=False):
        updated = Hazard.objects.filter(
            pk=hazard.pk, state=hazard.state, step_count=hazard.step_count
        ).update(**changes)
        if not updated:  # another request moved it first
            raise illegal(hazard, row)
        untracked = ("updated_at", "step_count")
        before = {k: json_value(getattr(hazard, k)) for k in changes if k not in untracked}
        hazard.step_count = number
        resolution = (hazard.resolution, changes.get("resolution", hazard.resolution))
        for key, value in changes.items():
            setattr(hazard, key, value)
        if resolution[0] != resolution[1]:
            tally_resolution(hazard, *resolution)
        record = HazardStep(
            hazard=hazard,
            number=number,
            kind=step,
            from_state=before["state"],
            to_state=to,
            effective_on=on,
            at=now,
            actor=acting_user if getattr(acting_user, "pk", None) else None,
            due_on=hazard.due_on,
            notice=notice,
            photo=photo,
            latitude=_coordinate(position[0]),
            longitude=_coordinate(position[1]),
            note=note[:500],
            payload_sha256=payload_sha256,
            chained=chained,
        )
        if step_id:
            record.id = step_id
        record.save(force_insert=True)
        if chained:
            chain(record)
        audit_record(
            acting_user=acting_user,
            action=f"hazard.{step}",
            target=hazard,
            branch_id=hazard.branch_id,
            changes={k: [before[k], json_value(getattr(hazard, k))] for k in before},
            reason=note[:500],
        )
    return record


def chain(step: HazardStep) -> None:
    record = step_records([str(step.pk)])[str(step.pk)]
    ledger_append(
        kind=LEDGER_KIND,
        record_id=str(step.pk),
        canonical=record.canonical,
        attachments=record.attachments,
    )


def close_if_supply_free(*, acting_user: User, hazard: Hazard) -> None:
    """A case just rectified closes at once unless its supply is held (then customer
    service restores supply first)."""
    row = transition(Action.CLOSE, hazard.state)
    if row is not None and conditions_hold(row, hazard, acting_user):
        move(
            hazard,
            acting_user=acting_user,
            row=row,
            closed_on=timezone.localdate(),
            resolution=Resolution.RECTIFIED,
        )


def require_photo(photo: Attachment) -> None:
    if photo.kind != Attachment.Kind.PHOTO:
        raise ValidationFailed(_("请上传照片"), code="hazard_photo_kind")


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 6)))


HOLD_ORDER = {"": 0, "limited": 1, "sealed": 2}
SUPPLY_FOR_HOLD = {
    "": SupplyStatus.NORMAL,
    "limited": SupplyStatus.LIMITED,
    "sealed": SupplyStatus.SEALED,
}


def supply_follow(*, acting_user: User | None, household_id: int, reason: str) -> None:
    """The household's supply status is the strictest hold of its cases still holding one."""
    holds = set(
        Hazard.objects.filter(household_id=household_id)
        .exclude(supply_hold="")
        .exclude(state=State.CLOSED)
        .values_list("supply_hold", flat=True)
    )
    strictest = max(holds, key=HOLD_ORDER.__getitem__, default="")
    household = Household.objects.only(
        "id", "branch_id", "supply_status", "vulnerable", "group_rental", "long_term_absent",
        "is_key_customer", "account_no", "updated_at",
    ).get(pk=household_id)  # fmt: skip
    household_set_supply(
        acting_user=acting_user,
        household=household,
        status=SUPPLY_FOR_HOLD[strictest],
        reason=reason,
    )
