"""The repair line (RULES B6, §5 ②③): a dispatched job is assigned by a lead or taken by a
repairer of the branch, then reported done (with the after-photo) or not possible by the
repairer it is assigned to, and nobody else; a case whose customer still refuses entry is
sealed. Who may take each step is the table's (ruhu.hazards.workflow)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.errors import ValidationFailed
from ruhu.common.models import Attachment
from ruhu.hazards.models import Hazard, HazardStep, Route, SupplyHold
from ruhu.hazards.services.transitions import (
    close_if_supply_free,
    move,
    require_photo,
    supply_follow,
)
from ruhu.hazards.workflow import Action, authorize


@transaction.atomic
def hazard_assign(*, acting_user: User, hazard: Hazard, repairer: User) -> Hazard:
    """A lead assigns a dispatched job (or gives it to another repairer); a repairer takes
    an unassigned one for themself, never a colleague's."""
    taking = repairer.pk == acting_user.pk and not acting_user.can(Capability.MANAGE_HAZARDS)
    row = authorize(
        acting_user=acting_user, hazard=hazard, action=Action.TAKE if taking else Action.ASSIGN
    )
    if repairer.role != Role.REPAIRER or repairer.branch_id != hazard.branch_id:
        raise ValidationFailed(_("只能指派本分公司的维修员"), code="hazard_assignee")
    move(
        hazard,
        acting_user=acting_user,
        row=row,
        note=f"指派给 {repairer.get_full_name() or repairer.username}",
        assignee=repairer,
    )
    return hazard


def hazard_repair_done(
    *, acting_user: User, hazard: Hazard, after_photo: Attachment, note: str = ""
) -> HazardStep:
    """The repairer it is assigned to fixed it on site: the after-photo is the proof."""
    row = authorize(acting_user=acting_user, hazard=hazard, action=Action.REPAIR)
    require_photo(after_photo)
    step = move(
        hazard,
        acting_user=acting_user,
        row=row,
        photo=after_photo,
        note=note,
        chained=True,
        rectified_on=timezone.localdate(),
    )
    close_if_supply_free(acting_user=acting_user, hazard=hazard)
    return step


def hazard_repair_fail(*, acting_user: User, hazard: Hazard, reason: str) -> HazardStep:
    """The repairer it is assigned to could not fix it (refused entry, the customer's own
    installation): the customer must fix it, so it waits for a rectification notice."""
    row = authorize(acting_user=acting_user, hazard=hazard, action=Action.REPAIR_FAIL)
    if not reason.strip():
        raise ValidationFailed(_("请填写无法维修的原因"), code="hazard_reason")
    return move(
        hazard,
        acting_user=acting_user,
        row=row,
        note=reason.strip(),
        route=Route.NOTICE,
        assignee=None,
    )


def hazard_seal(
    *, acting_user: User, hazard: Hazard, photo: Attachment, note: str = ""
) -> HazardStep:
    """Entry still refused after the letter: gas sales stopped and the supply sealed, the
    sealed meter photographed. The case then passes to safety supervision."""
    row = authorize(acting_user=acting_user, hazard=hazard, action=Action.SEAL)
    require_photo(photo)
    step = move(
        hazard,
        acting_user=acting_user,
        row=row,
        on=timezone.localdate(),
        photo=photo,
        note=note,
        chained=True,
        supply_hold=SupplyHold.SEALED,
    )
    supply_follow(
        acting_user=acting_user,
        household_id=hazard.household_id,
        reason=f"隐患 #{hazard.pk} 停气封停",
    )
    return step
