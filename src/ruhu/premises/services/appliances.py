"""Writes to a household's registry of gas appliances."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import User
from ruhu.common.audit import audit_record, diff, snapshot
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import NotFound, ValidationFailed
from ruhu.premises.models import Appliance, Household

register_action_labels(
    {
        "appliance.add": _("登记燃气具"),
        "appliance.update": _("更新燃气具"),
        "appliance.remove": _("注销燃气具"),
    }
)


APPLIANCE_FIELDS = ("kind", "brand", "model", "flue_type", "installed_year")


def appliance_record(
    *, acting_user: User, household: Household, appliance: Appliance | None = None, **fields
) -> Appliance:
    """Add an appliance to the household's registry, or correct one already there."""
    if set(fields) - set(APPLIANCE_FIELDS):
        raise ValidationFailed(_("不可修改的字段"), code="field_readonly")
    if fields.get("kind", appliance.kind if appliance else None) not in Appliance.Kind.values:
        raise ValidationFailed(_("未知的燃气具种类"), code="appliance_kind")
    if fields.get("flue_type") and fields["flue_type"] not in Appliance.Flue.values:
        raise ValidationFailed(_("未知的排烟方式"), code="appliance_flue")
    year = fields.get("installed_year")
    if year is not None and not 1950 <= year <= timezone.localdate().year:
        raise ValidationFailed(_("安装年份不合理"), code="appliance_year")
    if appliance is not None and appliance.household_id != household.pk:
        raise NotFound(_("没有这台燃气具"), code="not_found")
    before = snapshot(appliance) if appliance else {}
    target = appliance or Appliance(household=household)
    for field, value in fields.items():
        setattr(target, field, value if value is not None or field == "installed_year" else "")
    target.save()
    audit_record(
        acting_user=acting_user,
        action="appliance.update" if appliance else "appliance.add",
        target=target,
        branch_id=household.branch_id,
        changes=diff(before, snapshot(target)),
    )
    return target


def appliance_remove(*, acting_user: User, appliance: Appliance, reason: str) -> None:
    """The appliance is gone from the household (seen on a visit)."""
    household_branch = appliance.household.branch_id
    before = snapshot(appliance)
    audit_record(
        acting_user=acting_user,
        action="appliance.remove",
        target=appliance,
        branch_id=household_branch,
        changes=diff(before, {}),
        reason=reason,
    )
    appliance.delete()
