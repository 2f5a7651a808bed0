"""The schedule of facility checks (设施巡检): what is overdue, due soon, coming up, to be
cleaned or flagged; a lead ticks rows and gives them to an inspector for a day, and
cancels a task given."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.errors import DomainError
from ruhu.common.scoping import require
from ruhu.common.web import add_domain_error, message_domain_error, paginate
from ruhu.facilities import forms
from ruhu.facilities.selectors import (
    SCHEDULE_LISTS,
    checkers,
    facility_get,
    facility_schedule,
    facility_task_get,
    schedule_counts,
)
from ruhu.facilities.services import facility_task_cancel, facility_tasks_assign
from ruhu.facilities.views.rows import schedule_rows

SCHEDULE_PER_PAGE = 100


def schedule_labels() -> dict[str, str]:
    return {
        "overdue": _("已超期"),
        "due": _("即将到期"),
        "upcoming": _("近期到期"),
        "cleaning": _("待清洗"),
        "flagged": _("有缺陷"),
    }


def _name(user) -> str:
    return user.full_name or user.username


def _assign(request, form) -> HttpResponseRedirect | None:
    """Give the ticked facilities to the chosen inspector; None when refused (the form
    then carries why)."""
    try:
        tasks = facility_tasks_assign(
            acting_user=request.user,
            facility_ids=form.facility_ids,
            assignee=form.cleaned_data["assignee"],
            day=form.cleaned_data["day"],
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        return None
    done = _("已将 %(count)d 个设施分派给 %(name)s，检查日期 %(day)s") % {
        "count": len(tasks),
        "name": _name(form.cleaned_data["assignee"]),
        "day": form.cleaned_data["day"].isoformat(),
    }
    messages.success(request, done)
    return HttpResponseRedirect(request.get_full_path())


@require_http_methods(["GET", "POST"])
@requires(Capability.VIEW_FACILITIES)
def schedule(request):
    """设施巡检: one list of the schedule, with the assignment form for a lead."""
    user, today = request.user, timezone.localdate()
    which = request.GET.get("which", "")
    if which not in SCHEDULE_LISTS:
        which = "overdue"
    manage = user.can(Capability.MANAGE_FACILITIES)
    if request.method == "POST":
        require(user, Capability.MANAGE_FACILITIES)
    form = None
    if manage:
        form = forms.TaskAssignForm(
            request.POST or None,
            checkers=checkers(acting_user=user).select_related("branch"),
            with_branch=user.is_head_office,
        )
    if request.method == "POST" and form.is_valid() and (done := _assign(request, form)):
        return done
    page = paginate(
        request,
        facility_schedule(acting_user=user, which=which, on=today),
        per_page=SCHEDULE_PER_PAGE,
    )
    labels, counts = schedule_labels(), schedule_counts(acting_user=user, on=today)
    return render(
        request,
        "facilities/schedule.html",
        {
            "which": which,
            "which_label": labels[which],
            "tabs": [{"key": key, "label": labels[key], "count": counts[key]} for key in labels],
            "page": page,
            "rows": schedule_rows(page, which=which, on=today),
            "today": today,
            "form": form,
            "may_manage": manage,
            "selected": set(request.POST.getlist("facility")),
            "many_branches": user.is_head_office,
        },
        status=422 if form is not None and form.errors else 200,
    )


def _back(request, default: str) -> str:
    """Where a one-button step returns to: the page it was posted from, if it is ours."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


@require_POST
@requires(Capability.MANAGE_FACILITIES)
def task_cancel(request, pk: int, task_pk: int):
    """Cancel a facility's open check task (the facility goes back on the schedule)."""
    facility = facility_get(acting_user=request.user, pk=pk)
    task = facility_task_get(facility=facility, pk=task_pk)
    try:
        facility_task_cancel(acting_user=request.user, task=task)
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        done = _("已取消 %(code)s 的检查任务（%(name)s，%(day)s）") % {
            "code": facility.code,
            "name": _name(task.assignee),
            "day": task.day.isoformat(),
        }
        messages.success(request, done)
    return HttpResponseRedirect(_back(request, reverse("facility-schedule")))
