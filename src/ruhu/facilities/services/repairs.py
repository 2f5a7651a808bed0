"""The repair jobs of facility defects: given to a repairer, reported repaired with a
photo. Only a later check verifies a job and clears the facility's flag (checks.py)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.audit import audit_record
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import IllegalTransition, ValidationFailed
from ruhu.common.scoping import require
from ruhu.common.selectors import uploads_cited
from ruhu.facilities.models import FacilityRepair

register_action_labels(
    {
        "facility_repair.assign": _("分派设施维修任务"),
        "facility_repair.done": _("登记设施维修完成"),
    }
)


@transaction.atomic
def facility_repair_assign(
    *, acting_user: User, repair: FacilityRepair, assignee: User
) -> FacilityRepair:
    require(acting_user, Capability.MANAGE_FACILITIES)
    if not assignee.is_active or assignee.role != Role.REPAIRER:
        raise ValidationFailed(_("请选择维修员"), code="repair_assignee")
    if assignee.branch_id != repair.branch_id:
        raise ValidationFailed(_("维修员须属于设施所在分公司"), code="repair_assignee_branch")
    before = repair.assignee_id
    changed = FacilityRepair.objects.filter(pk=repair.pk, status=FacilityRepair.Status.OPEN).update(
        assignee=assignee
    )
    if not changed:
        raise IllegalTransition(_("只能分派待维修的任务"), code="repair_not_open")
    repair.refresh_from_db()
    audit_record(
        acting_user=acting_user,
        action="facility_repair.assign",
        target=repair,
        changes={"assignee": [before, assignee.pk]},
    )
    return repair


@transaction.atomic
def facility_repair_done(
    *, acting_user: User, repair: FacilityRepair, note: str, after_photo: str
) -> FacilityRepair:
    """The repairer reports the job done, with a photo of the work: it waits for the next
    check to verify it; the facility stays flagged until then."""
    require(acting_user, Capability.REPAIR_FACILITIES)
    if repair.assignee_id not in (None, acting_user.pk):
        raise IllegalTransition(_("该任务已分派给其他维修员"), code="repair_other_assignee")
    if not note.strip():
        raise ValidationFailed(_("请填写维修说明"), code="repair_note")
    photo = uploads_cited(acting_user=acting_user, cited={after_photo})[after_photo]
    changed = FacilityRepair.objects.filter(pk=repair.pk, status=FacilityRepair.Status.OPEN).update(
        status=FacilityRepair.Status.REPAIRED,
        assignee=acting_user,
        repaired_by=acting_user,
        repaired_at=timezone.now(),
        repair_note=note.strip(),
        after_photo=photo,
    )
    if not changed:
        raise IllegalTransition(_("该维修任务不是待维修状态"), code="repair_not_open")
    repair.refresh_from_db()
    audit_record(
        acting_user=acting_user,
        action="facility_repair.done",
        target=repair,
        changes={"status": ["open", "repaired"]},
    )
    return repair
