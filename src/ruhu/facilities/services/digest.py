"""The leads' morning list: what in their branch is late. One e-mail a day per lead, only
when something is: facilities past their check, regulator boxes past their cleaning,
repair jobs past their due date."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Role
from ruhu.common.notifications import outbox_enqueue
from ruhu.facilities.models import Facility, FacilityRepair
from ruhu.facilities.schedule import cleaning_due_by, due_by

DAY = dt.timedelta(days=1)


def branch_lateness(*, branch_id: int, on: dt.date) -> dict[str, int]:
    """How many of the branch's facilities and jobs are late on `on`."""
    active = Facility.objects.filter(branch_id=branch_id, active=True)
    return {
        "checks": active.filter(due_by(on - DAY, branch_ids=[branch_id], on=on)).count(),
        "cleaning": active.filter(cleaning_due_by(on - DAY, branch_ids=[branch_id], on=on)).count(),
        "repairs": FacilityRepair.objects.filter(
            branch_id=branch_id, status=FacilityRepair.Status.OPEN, due_on__lt=on
        ).count(),
    }


def facility_digest_send(*, on: dt.date | None = None) -> int:
    """E-mail each branch's inspection leads what is late; the number of e-mails queued.
    Sending twice on a day queues nothing new (the outbox's dedupe key)."""
    on = on or timezone.localdate()
    sent = 0
    leads = User.objects.filter(role=Role.INSPECTION_LEAD, is_active=True).exclude(email="")
    by_branch: dict[int, list[User]] = {}
    for lead in leads.exclude(branch_id=None):
        assert lead.branch_id is not None
        by_branch.setdefault(lead.branch_id, []).append(lead)
    for branch in OrgUnit.objects.filter(pk__in=by_branch):
        late = branch_lateness(branch_id=branch.pk, on=on)
        if not any(late.values()):
            continue
        body = (
            f"{branch.name} {on:%Y-%m-%d} 场站设施：超期未检查 {late['checks']} 处，"
            f"调压箱超期未清洗 {late['cleaning']} 处，维修任务超期 {late['repairs']} 项。"
            "请在“设施巡检”和“设施维修”中安排处理。"
        )
        with transaction.atomic():
            for lead in by_branch[branch.pk]:
                outbox_enqueue(
                    channel="email",
                    recipient=lead.email,
                    subject="场站设施超期提醒",
                    body=body,
                    dedupe_key=f"facility-digest:{lead.pk}:{on.isoformat()}",
                    branch_id=branch.pk,
                )
                sent += 1
    return sent
