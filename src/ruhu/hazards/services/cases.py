"""The hazard's life (RULES B6): found at a visit, then fixed on the spot, dispatched to a
repairer or noticed to the customer; escalated on the clock; rectified, proven on site;
closed. One service per transition; each is authorized by the ladder's table
(ruhu.hazards.workflow) and writes one step. Here: the customer arranging the work, safety
supervision's outcome and the inspector's re-check; the visit's, the repair line's and
customer service's steps are in `found`, `repairs` and `supply`."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.accounts.models import User
from ruhu.common.errors import ValidationFailed
from ruhu.common.frozen import Draft, Recorder, frozen_record_submit
from ruhu.common.models import Attachment
from ruhu.hazards.evidence import RECHECK_KIND
from ruhu.hazards.models import Hazard, HazardStep, Resolution
from ruhu.hazards.schemas import RecheckIn
from ruhu.hazards.services.found import FoundHazard, default_route, hazards_record_found
from ruhu.hazards.services.transitions import close_if_supply_free, move
from ruhu.hazards.workflow import Action, authorize, repair_working_days, states_for

# the states a customer may arrange the work from, and a re-check be made in (the table's)
ARRANGEABLE = tuple(sorted(states_for(Action.ARRANGE)))
RECHECKABLE = tuple(sorted(states_for(Action.RECHECK_RECTIFIED)))
__all__ = [
    "ARRANGEABLE",
    "OUTCOMES",
    "RECHECKABLE",
    "FoundHazard",
    "default_route",
    "hazard_mark_arranged",
    "hazard_outcome_record",
    "hazard_recheck",
    "hazard_recheck_submit",
    "hazards_record_found",
    "repair_working_days",
]


def hazard_mark_arranged(*, acting_user: User, hazard: Hazard, note: str = "") -> HazardStep:
    """The customer has arranged the work with us: off the open list, a re-check follows."""
    return move(
        hazard,
        acting_user=acting_user,
        row=authorize(acting_user=acting_user, hazard=hazard, action=Action.ARRANGE),
        note=note,
    )


OUTCOME_ACTIONS = {
    "rectified": Action.OUTCOME_RECTIFIED,
    "supply_terminated": Action.OUTCOME_TERMINATED,
    "continuing": Action.OUTCOME_CONTINUING,
}
OUTCOMES = tuple(OUTCOME_ACTIONS)


def hazard_outcome_record(
    *,
    acting_user: User,
    hazard: Hazard,
    outcome: str,
    note: str,
    photo: Attachment | None = None,
) -> HazardStep:
    """Safety supervision reports back on a handed-over case (§5 ⑦)."""
    action = OUTCOME_ACTIONS.get(outcome, Action.OUTCOME_CONTINUING)
    row = authorize(acting_user=acting_user, hazard=hazard, action=action)
    if outcome not in OUTCOME_ACTIONS:
        raise ValidationFailed(_("未知的处理结果"), code="hazard_outcome")
    if not note.strip():
        raise ValidationFailed(_("请填写处理结果说明"), code="hazard_reason")
    if photo is not None:
        _check_photo(photo)
    proof: dict[str, Any] = dict(acting_user=acting_user, row=row, photo=photo, note=note.strip())
    if action == Action.OUTCOME_RECTIFIED:
        if photo is None:
            raise ValidationFailed(_("确认已整改须上传整改后照片"), code="hazard_after_photo")
        step = move(hazard, chained=True, rectified_on=timezone.localdate(), **proof)
        close_if_supply_free(acting_user=acting_user, hazard=hazard)
        return step
    if action == Action.OUTCOME_TERMINATED:
        return move(
            hazard,
            chained=True,
            closed_on=timezone.localdate(),
            resolution=Resolution.SUPPLY_TERMINATED,
            **proof,
        )
    return move(hazard, chained=photo is not None, **proof)


def hazard_recheck(
    *,
    acting_user: User,
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
    action = Action.RECHECK_RECTIFIED if rectified else Action.RECHECK_NOT_RECTIFIED
    row = authorize(acting_user=acting_user, hazard=hazard, action=action)
    if after_photo is not None:
        _check_photo(after_photo)
    common: dict[str, Any] = dict(
        acting_user=acting_user, row=row, photo=after_photo, note=note, chained=True,
        step_id=step_id, position=position, payload_sha256=payload_sha256,
    )  # fmt: skip
    if not rectified:
        return move(hazard, **common)
    if after_photo is None:
        raise ValidationFailed(_("确认已整改须拍整改后照片"), code="hazard_after_photo")
    step = move(hazard, rectified_on=timezone.localdate(), **common)
    close_if_supply_free(acting_user=acting_user, hazard=hazard)
    return step


def _check_photo(photo: Attachment) -> None:
    if photo.kind != Attachment.Kind.PHOTO:
        raise ValidationFailed(_("请上传照片"), code="hazard_photo_kind")


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
