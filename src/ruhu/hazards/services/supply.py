"""Customer service's steps (RULES B6, §5 ⑤): gas sales limited when the second notice's
deadline has passed, and supply restored once a case holding it is rectified. The
household's supply status follows its cases' holds."""

from __future__ import annotations

from django.utils import timezone

from ruhu.accounts.models import User
from ruhu.hazards.models import Hazard, HazardStep, Resolution, SupplyHold
from ruhu.hazards.services.transitions import move, supply_follow
from ruhu.hazards.workflow import Action, authorize


def hazard_limit_apply(*, acting_user: User, hazard: Hazard, note: str = "") -> HazardStep:
    """Customer service limits gas sales (限量售气); the household's supply follows."""
    step = move(
        hazard,
        acting_user=acting_user,
        row=authorize(acting_user=acting_user, hazard=hazard, action=Action.LIMIT),
        note=note,
        supply_hold=SupplyHold.LIMITED,
    )
    supply_follow(
        acting_user=acting_user,
        household_id=hazard.household_id,
        reason=f"隐患 #{hazard.pk} 限量售气",
    )
    return step


def hazard_supply_restore(*, acting_user: User, hazard: Hazard, note: str = "") -> HazardStep:
    """Customer service lifts the limit (or has the seal removed) of a rectified case."""
    step = move(
        hazard,
        acting_user=acting_user,
        row=authorize(acting_user=acting_user, hazard=hazard, action=Action.RESTORE),
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
