"""Giving facility checks to staff for a day: they appear in the day list beside the
household visits. A facility has one open task; giving it again moves that task."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability
from ruhu.common.audit import audit_record
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import IllegalTransition, NotFound, ValidationFailed
from ruhu.common.scoping import require, scope_queryset
from ruhu.facilities.models import Facility, FacilityTask

register_action_labels(
    {
        "facility_task.assign": _("分派设施检查任务"),
        "facility_task.cancel": _("取消设施检查任务"),
    }
)


@transaction.atomic
def facility_tasks_assign(
    *, acting_user: User, facility_ids: list[int], assignee: User, day: dt.date
) -> list[FacilityTask]:
    """Give these facilities' checks to `assignee` on `day`, all or none."""
    require(acting_user, Capability.MANAGE_FACILITIES)
    if day < timezone.localdate():
        raise ValidationFailed(_("计划日期不能早于今天"), code="task_day_past")
    if not assignee.is_active or not assignee.can(Capability.CHECK_FACILITIES):
        raise ValidationFailed(_("该员工不能检查场站设施"), code="task_assignee")
    facilities = list(
        scope_queryset(Facility.objects.all(), acting_user=acting_user)
        .filter(pk__in=set(facility_ids))
        .select_for_update()
    )
    if len(facilities) != len(set(facility_ids)):
        raise NotFound(_("未找到部分设施"), code="not_found")
    if any(f.branch_id != assignee.branch_id for f in facilities):
        raise ValidationFailed(_("检查人须属于设施所在分公司"), code="task_assignee_branch")
    if any(not f.active for f in facilities):
        raise IllegalTransition(_("停用的设施不能分派检查"), code="facility_inactive")
    open_tasks = {
        t.facility_id: t
        for t in FacilityTask.objects.filter(
            facility__in=facilities, status=FacilityTask.Status.PLANNED
        )
    }
    tasks = []
    for facility in facilities:
        task = open_tasks.get(facility.pk)
        before = [task.assignee_id, task.day.isoformat()] if task else None
        if task is None:
            task = FacilityTask.objects.create(
                facility=facility,
                branch_id=facility.branch_id,
                assignee=assignee,
                day=day,
                assigned_by=acting_user,
            )
        else:
            FacilityTask.objects.filter(pk=task.pk).update(
                assignee=assignee, day=day, assigned_by=acting_user, assigned_at=timezone.now()
            )
            task.refresh_from_db()
        audit_record(
            acting_user=acting_user,
            action="facility_task.assign",
            target=task,
            changes={"assignee_day": [before, [assignee.pk, day.isoformat()]]},
        )
        tasks.append(task)
    return tasks


@transaction.atomic
def facility_task_cancel(*, acting_user: User, task: FacilityTask) -> FacilityTask:
    require(acting_user, Capability.MANAGE_FACILITIES)
    changed = FacilityTask.objects.filter(pk=task.pk, status=FacilityTask.Status.PLANNED).update(
        status=FacilityTask.Status.CANCELLED
    )
    if not changed:
        raise IllegalTransition(_("该任务已完成或已取消"), code="task_not_planned")
    task.refresh_from_db()
    audit_record(
        acting_user=acting_user,
        action="facility_task.cancel",
        target=task,
        changes={"status": ["planned", "cancelled"]},
    )
    return task
