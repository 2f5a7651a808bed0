"""The hazard catalogue is data: admins edit it, every change is audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability
from ruhu.common.audit import audit_record, diff, snapshot
from ruhu.common.errors import ValidationFailed
from ruhu.common.scoping import require
from ruhu.hazards.models import HazardType, Level

EDITABLE = (
    "name_zh", "name_en", "default_level", "fixer", "schedule_row", "listed_level1_no",
    "active", "position",
)  # fmt: skip


def hazard_type_check(hazard_type: HazardType) -> None:
    listed = hazard_type.listed_level1_no
    if listed is not None and not 1 <= listed <= 10:
        raise ValidationFailed(_("一级隐患序号应为 1–10"), code="hazard_type_listed")
    if listed is not None and hazard_type.default_level != Level.ONE:
        raise ValidationFailed(_("§2 五所列隐患的默认等级为一级"), code="hazard_type_level")


@transaction.atomic
def hazard_type_save(*, acting_user: User, hazard_type: HazardType) -> HazardType:
    """Save a catalogue entry the admin form has filled in; the audit row holds old → new.
    Entries are never deleted (cases cite them): an entry no longer used is deactivated."""
    require(acting_user, Capability.MANAGE_POLICY)
    hazard_type_check(hazard_type)
    stored = HazardType.objects.filter(pk=hazard_type.pk).first() if hazard_type.pk else None
    before = snapshot(stored) if stored is not None else None
    hazard_type.save()
    audit_record(
        acting_user=acting_user,
        action="hazard_type.update" if before else "hazard_type.create",
        target=hazard_type,
        changes=diff(before or {}, snapshot(hazard_type)),
    )
    return hazard_type
