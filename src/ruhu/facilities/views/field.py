"""The phone's facility pages: the facility checks of the inspector's day (a section of
the day page, loaded into it by HTMX) and the check itself, made offline-safe like a
visit (static/js/facility_check.js posts `schemas.CheckIn` through the phone's outbox).

What a check finds is judged by the server (`services.judge`); the page only warns as the
inspector types, against the same policy ranges, which it is given here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.converters import query_day
from ruhu.common.policy import policy_get
from ruhu.common.scoping import require
from ruhu.common.workdays import add_months
from ruhu.facilities.checklist import (
    PRESSURE_LABELS,
    PRESSURES,
    SAFETY_VALVE,
    has_safety_valve,
    items_for,
    pressure_ranges,
    takes_pressures,
)
from ruhu.facilities.models import Facility, FacilityTask
from ruhu.facilities.schedule import interval_months
from ruhu.facilities.selectors import (
    day_tasks,
    facility_due_of,
    facility_get,
    facility_repairs,
    task_get,
)
from ruhu.facilities.views.rows import day_task_rows

# the check page's words for the script, translated here so they reach it as JSON
CHECK_TEXT = {
    "startedAt": gettext_lazy("开始于"),
    "position": gettext_lazy("位置"),
    "noPosition": gettext_lazy("未取得位置"),
    "itemsLeft": gettext_lazy("项未选"),
    "itemsDone": gettext_lazy("已完成"),
    "unanswered": gettext_lazy("还有检查项未选择：%(items)s"),
    "defectPhoto": gettext_lazy("有缺陷的项目须拍照：%(items)s"),
    "pressureMissing": gettext_lazy("请填写%(name)s"),
    "pressureInvalid": gettext_lazy("%(name)s须为不超过 1000000 的整数（Pa）"),
    "notNumber": gettext_lazy("请输入整数（Pa）"),
    "inRange": gettext_lazy("在 %(low)s–%(high)s Pa 范围内"),
    "outOfRange": gettext_lazy("超出 %(low)s–%(high)s Pa，提交后将生成维修任务"),
    "valveExpired": gettext_lazy("安全阀检验有效期至 %(date)s，已过期：按缺陷记录，请拍照"),
    "queuedTitle": gettext_lazy("已保存，等待上传"),
    "queued": gettext_lazy("检查记录已保存在手机上，联网后自动上传"),
    "sentTitle": gettext_lazy("已上传"),
    "sent": gettext_lazy("检查记录已上传，不可再修改"),
    "passed": gettext_lazy("检查结果正常，未发现缺陷"),
    "defectsFound": gettext_lazy("发现 %(n)s 项缺陷："),
    "repairsRaised": gettext_lazy("已生成 %(n)s 个维修任务"),
    "repairsOpen": gettext_lazy("%(n)s 项缺陷已有维修任务在跟进"),
    "failedTitle": gettext_lazy("上传被拒绝"),
    "waiting": gettext_lazy("条记录等待联网发送"),
    "failed": gettext_lazy("上传被拒绝"),
}


def _chosen_day(request) -> dt.date:
    return query_day(request.GET, "day") or timezone.localdate()


@require_GET
@requires(Capability.CHECK_FACILITIES, section=True)
def day_tasks_section(request):
    """The day page's 场站设施检查 section: the caller's facility checks of the day and,
    looking at today, the earlier ones still not done (late)."""
    if not request.user.can(Capability.CHECK_FACILITIES) and request.headers.get("HX-Request"):
        return HttpResponse("")  # the section is not for this role: it leaves the page
    require(request.user, Capability.CHECK_FACILITIES)
    day, today = _chosen_day(request), timezone.localdate()
    tasks = day_tasks(acting_user=request.user, day=day)
    left = sum(task.status == FacilityTask.Status.PLANNED for task in tasks)
    return render(
        request,
        "facilities/partials/day_tasks.html",
        {"day": day, "rows": day_task_rows(tasks, on=today), "total": len(tasks), "left": left},
    )


@require_GET
@requires(Capability.CHECK_FACILITIES)
def check_page(request, task_id: int):
    """The check of a facility the inspector was given for a day."""
    require(request.user, Capability.CHECK_FACILITIES)
    task = task_get(acting_user=request.user, pk=task_id)
    return _check_page(request, task.facility, task=task)


@require_GET
@requires(Capability.CHECK_FACILITIES)
def unplanned_check_page(request, pk: int):
    """A check the inspector makes without a task (found on the way, asked by phone)."""
    require(request.user, Capability.CHECK_FACILITIES)
    facility = facility_get(acting_user=request.user, pk=pk)
    return _check_page(request, facility, task=None)


@dataclass(frozen=True)
class ValveState:
    valid_until: dt.date | None
    state: str  # expired / expiring / valid / unknown
    warning_days: int = 0  # the policy's horizon of "expiring", which the badge quotes


def _valve_state(facility: Facility, today: dt.date) -> ValveState | None:
    if not has_safety_valve(facility.kind):
        return None
    until = facility.safety_valve_valid_until
    if until is None:
        return ValveState(None, "unknown")
    if until < today:
        return ValveState(until, "expired")
    warning = int(policy_get("facility.safety_valve_warning_days", branch=facility.branch_id))
    expiring = until <= today + dt.timedelta(days=warning)
    return ValveState(until, "expiring" if expiring else "valid", warning)


def _cleaning_hint(facility: Facility, today: dt.date, due_on: dt.date | None) -> str:
    """Ask for a cleaning when it is due, or falls due before the next check would come."""
    if due_on is None:
        return ""
    if facility.last_cleaned_on is None:
        return _("没有清洗记录，请本次清洗")
    if due_on <= today:
        return _("清洗已到期（应于 %(date)s 前完成），请本次清洗") % {"date": due_on}
    next_check = add_months(
        today, interval_months(facility.kind, branch=facility.branch_id, on=today)
    )
    if due_on < next_check:
        return _("清洗将于 %(date)s 到期，早于下次检查，建议本次清洗") % {"date": due_on}
    return ""


def _closed_reason(facility: Facility, task: FacilityTask | None) -> str:
    """Why this page takes no check (the server would refuse it), or ""."""
    if not facility.active:
        return _("该设施已停用，不能提交检查记录")
    if task is not None and task.status == FacilityTask.Status.DONE:
        return _("该任务已完成，不能再次提交")
    if task is not None and task.status == FacilityTask.Status.CANCELLED:
        return _("该任务已取消，不能提交检查记录")
    return ""


def _pressure_rows(facility: Facility, today: dt.date) -> list[dict]:
    """A regulator box's three pressures with the policy range in force for its branch."""
    if not takes_pressures(facility.kind):
        return []
    ranges = pressure_ranges(branch=facility.branch_id, on=today)
    return [
        {"name": name, "label": str(PRESSURE_LABELS[name]), "low": ranges[name].low,
         "high": ranges[name].high}
        for name in PRESSURES
    ]  # fmt: skip


def _setup(facility, task, today, items, pressures, valve: ValveState | None) -> dict:
    """What the script needs: the same items, ranges and validity the page shows."""
    return {
        "facilityId": facility.pk,
        "taskId": task.pk if task else None,
        "today": today.isoformat(),
        "items": items,
        "pressures": {p["name"]: {"low": p["low"], "high": p["high"]} for p in pressures},
        "takesPressures": bool(pressures),
        "safetyValve": {
            "item": SAFETY_VALVE,
            "validUntil": valve.valid_until.isoformat() if valve.valid_until else None,
        }
        if valve
        else None,
        "endpoint": reverse("api:check_create"),
    }


def _check_page(request, facility: Facility, *, task: FacilityTask | None):
    today = timezone.localdate()
    due = facility_due_of(facility, on=today)
    items = [{"code": item.code, "label": str(item.label)} for item in items_for(facility.kind)]
    pressures = _pressure_rows(facility, today)
    valve = _valve_state(facility, today)
    late = task is not None and task.status == FacilityTask.Status.PLANNED and task.day < today
    return render(
        request,
        "facilities/check.html",
        {
            "facility": facility,
            "task": task,
            "late": late,
            "due": due,
            "items": items,
            "pressures": pressures,
            "valve": valve,
            "cleaning_hint": _cleaning_hint(facility, today, due.cleaning_due_on),
            "open_repairs": [job for job in facility_repairs(facility=facility) if job.open],
            "closed_reason": _closed_reason(facility, task),
            "setup": _setup(facility, task, today, items, pressures, valve),
            "text": {key: str(value) for key, value in CHECK_TEXT.items()},
        },
    )
