"""The office pages of station facilities (RULES C): the registry, the schedule of checks
due with their assignment to inspectors, each facility's record card (卡片记录) on screen
and as a PDF, one check as evidence, and the repair jobs of the defects checks found.

Reads go through the scoped selectors (another branch's facility answers 404), writes
through the services. A refused write changes nothing: forms re-render with the service's
message (422), one-button steps redirect back with it as a message.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruhu.accounts.roles import Capability, Role
from ruhu.accounts.selectors import branch_list
from ruhu.common.access import requires
from ruhu.common.attachments import attachment_open, attachment_upload
from ruhu.common.converters import query_id
from ruhu.common.errors import DomainError, PermissionRefused
from ruhu.common.models import Attachment, LedgerEntry
from ruhu.common.scoping import require
from ruhu.common.selectors import audit_for_object
from ruhu.common.web import add_domain_error, message_domain_error, paginate, pass_through
from ruhu.facilities import forms
from ruhu.facilities.checklist import (
    ITEM_LABELS,
    PRESSURE_LABELS,
    PRESSURES,
    has_safety_valve,
    items_for,
    pressure_ranges,
    takes_pressures,
)
from ruhu.facilities.documents import card_content, corrected_by, facility_card_pdf
from ruhu.facilities.evidence import LEDGER_KIND
from ruhu.facilities.models import FacilityRepair, FacilityTask
from ruhu.facilities.selectors import (
    SCHEDULE_LISTS,
    check_get,
    checkers,
    facilities_visible,
    facility_due_of,
    facility_get,
    facility_history,
    facility_repairs,
    facility_schedule,
    repair_get,
    repair_queue,
    repairers,
    schedule_counts,
    with_due,
)
from ruhu.facilities.services import (
    facility_create,
    facility_repair_assign,
    facility_repair_done,
    facility_set_active,
    facility_task_cancel,
    facility_tasks_assign,
    facility_update,
)

CHECKS_PER_PAGE = 50
REPAIRS_PER_PAGE = 30
SCHEDULE_PER_PAGE = 100


def schedule_labels() -> dict[str, str]:
    return {
        "overdue": _("已超期"),
        "due": _("即将到期"),
        "upcoming": _("近期到期"),
        "cleaning": _("待清洗"),
        "flagged": _("有缺陷"),
    }


def _back(request, default: str) -> str:
    """Where a one-button step returns to: the page it was posted from, if it is ours."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


# ── the registry ──────────────────────────────────────────────────────────────────


def _registry_rows(acting_user, filters: dict):
    """The facilities the filters choose, through the scoped registry."""
    qs = facilities_visible(acting_user=acting_user)
    if filters["q"]:
        q = filters["q"]
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(location__icontains=q))
    if filters["kind"]:
        qs = qs.filter(kind=filters["kind"])
    if filters["community"]:
        qs = qs.filter(community__icontains=filters["community"])
    if filters["branch"] is not None:
        qs = qs.filter(branch=filters["branch"])
    if filters["state"] != "all":
        qs = qs.filter(active=filters["state"] == "active")
    if filters["flagged"] is not None:
        qs = qs.filter(flagged=filters["flagged"])
    return qs.order_by("code")


@require_GET
@requires(Capability.VIEW_FACILITIES)
def registry(request):
    """场站设施台账: every facility in scope, filtered, with when each is next due."""
    user, today = request.user, timezone.localdate()
    branches = branch_list(acting_user=user)
    form = forms.FacilityFilterForm(request.GET or None, branches=branches)
    page = paginate(request, _registry_rows(user, form.filters()))
    page.object_list = with_due(page.object_list, on=today)
    manage = user.can(Capability.MANAGE_FACILITIES)
    template = (
        "facilities/partials/registry_rows.html"
        if request.headers.get("HX-Request")
        else "facilities/registry.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "today": today,
            "many_branches": user.is_head_office,
            "may_manage": manage,
            "may_import": manage,
        },
    )


def _facility_form(request, *, facility=None):
    user = request.user
    creating = facility is None
    if facility is not None:
        initial = {name: getattr(facility, name) for name in forms.FacilityForm.base_fields}
    else:
        initial = {}
    return forms.FacilityForm(
        request.POST or None,
        initial=initial,
        branches=branch_list(acting_user=user) if user.is_head_office else None,
        people=checkers(acting_user=user).select_related("branch"),
        creating=creating,
        branch_id=facility.branch_id if facility is not None else user.branch_id,
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_FACILITIES)
def facility_new(request):
    """新增设施: branch staff register into their branch, head office chooses one."""
    require(request.user, Capability.MANAGE_FACILITIES)
    form = _facility_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            facility = facility_create(
                acting_user=request.user,
                code=form.cleaned_data["code"],
                branch=form.cleaned_data.get("branch"),
                **form.registry_fields(),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已登记设施 %(code)s") % {"code": facility.code})
            return redirect("facility-detail", pk=facility.pk)
    return render(
        request,
        "facilities/form.html",
        {"form": form, "facility": None},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_FACILITIES)
def facility_edit(request, pk: int):
    facility = facility_get(acting_user=request.user, pk=pk)
    require(request.user, Capability.MANAGE_FACILITIES)
    form = _facility_form(request, facility=facility)
    if request.method == "POST" and form.is_valid():
        try:
            facility_update(acting_user=request.user, facility=facility, **form.registry_fields())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已保存设施 %(code)s") % {"code": facility.code})
            return redirect("facility-detail", pk=facility.pk)
    return render(
        request,
        "facilities/form.html",
        {"form": form, "facility": facility},
        status=422 if form.errors else 200,
    )


@require_POST
@requires(Capability.MANAGE_FACILITIES)
def facility_active(request, pk: int):
    """Retire a facility (removed, replaced) or bring it back, with the reason."""
    facility = facility_get(acting_user=request.user, pk=pk)
    require(request.user, Capability.MANAGE_FACILITIES)
    form = forms.ActiveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("facility-detail", pk=pk)
    active = form.cleaned_data["active"]
    try:
        facility_set_active(
            acting_user=request.user,
            facility=facility,
            active=active,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        done = _("%(code)s 已恢复使用") if active else _("%(code)s 已停用")
        messages.success(request, done % {"code": facility.code})
    return redirect("facility-detail", pk=pk)


# ── the schedule ──────────────────────────────────────────────────────────────────


def _schedule_rows(rows: list, *, which: str, today: dt.date) -> list:
    """Each row with its due date and how late it is, for the list it is shown in."""
    for facility in rows:
        due = facility.due
        if which == "cleaning":
            facility.shown_due_on = due.cleaning_due_on
            facility.late = due.cleaning_overdue
        else:
            facility.shown_due_on = due.due_on
            facility.late = due.overdue
        facility.days_late = (today - facility.shown_due_on).days if facility.late else 0
        facility.days_left = (facility.shown_due_on - today).days if not facility.late else 0
        facility.task = facility.open_tasks[0] if facility.open_tasks else None
    return rows


@require_http_methods(["GET", "POST"])
@requires(Capability.VIEW_FACILITIES)
def schedule(request):
    """设施巡检: what is overdue, due soon, coming up, to be cleaned or flagged; a lead
    ticks rows and gives them to an inspector for a day."""
    user, today = request.user, timezone.localdate()
    require(user, Capability.VIEW_FACILITIES)
    which = request.GET.get("which", "")
    if which not in SCHEDULE_LISTS:
        which = "overdue"
    manage = user.can(Capability.MANAGE_FACILITIES)
    form = None
    if request.method == "POST":
        require(user, Capability.MANAGE_FACILITIES)
    if manage:
        form = forms.TaskAssignForm(
            request.POST or None,
            checkers=checkers(acting_user=user).select_related("branch"),
            with_branch=user.is_head_office,
        )
    if request.method == "POST" and form.is_valid():
        try:
            tasks = facility_tasks_assign(
                acting_user=user,
                facility_ids=form.facility_ids,
                assignee=form.cleaned_data["assignee"],
                day=form.cleaned_data["day"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            person = form.cleaned_data["assignee"]
            messages.success(
                request,
                _("已将 %(count)d 个设施分派给 %(name)s，检查日期 %(day)s")
                % {
                    "count": len(tasks),
                    "name": person.full_name or person.username,
                    "day": form.cleaned_data["day"].isoformat(),
                },
            )
            return HttpResponseRedirect(request.get_full_path())
    page = paginate(
        request,
        facility_schedule(acting_user=user, which=which, on=today),
        per_page=SCHEDULE_PER_PAGE,
    )
    page.object_list = _schedule_rows(
        with_due(page.object_list, on=today), which=which, today=today
    )
    labels = schedule_labels()
    counts = schedule_counts(acting_user=user, on=today)
    return render(
        request,
        "facilities/schedule.html",
        {
            "which": which,
            "which_label": labels[which],
            "tabs": [{"key": key, "label": labels[key], "count": counts[key]} for key in labels],
            "page": page,
            "today": today,
            "form": form,
            "may_manage": manage,
            "selected": set(request.POST.getlist("facility")),
            "many_branches": user.is_head_office,
        },
        status=422 if form is not None and form.errors else 200,
    )


@require_POST
@requires(Capability.MANAGE_FACILITIES)
def task_cancel(request, pk: int, task_pk: int):
    """Cancel a facility's open check task (the facility goes back on the schedule)."""
    facility = facility_get(acting_user=request.user, pk=pk)
    require(request.user, Capability.MANAGE_FACILITIES)
    task = facility.tasks.select_related("assignee").filter(pk=task_pk).first()
    if task is None:
        raise Http404
    try:
        facility_task_cancel(acting_user=request.user, task=task)
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(
            request,
            _("已取消 %(code)s 的检查任务（%(name)s，%(day)s）")
            % {
                "code": facility.code,
                "name": task.assignee.full_name or task.assignee.username,
                "day": task.day.isoformat(),
            },
        )
    return HttpResponseRedirect(_back(request, reverse("facility-schedule")))


# ── the record card ───────────────────────────────────────────────────────────────


def _decorate_check(check) -> None:
    """What a row of the check history shows: its pressures with the ones its check
    judged out of range marked, and the check that corrected it."""
    defects = list(check.defects.all())
    bad = {defect.item for defect in defects}
    check.defect_list = defects
    check.readings = [
        {"value": getattr(check, name), "bad": name in bad, "label": PRESSURE_LABELS[name]}
        for name in PRESSURES
    ]
    check.correction = corrected_by(check)


@require_GET
@requires(Capability.VIEW_FACILITIES)
def detail(request, pk: int):
    """卡片记录: the facility's registry data, due status and every check and repair."""
    user, today = request.user, timezone.localdate()
    facility = facility_get(acting_user=user, pk=pk)
    checks = paginate(request, facility_history(facility=facility), per_page=CHECKS_PER_PAGE)
    checks.object_list = list(checks.object_list)
    for check in checks.object_list:
        _decorate_check(check)
    repairs = Paginator(facility_repairs(facility=facility), REPAIRS_PER_PAGE).get_page(
        request.GET.get("repairs_page")
    )
    repairs.object_list = list(repairs.object_list)
    for repair in repairs.object_list:
        repair.overdue = repair.status == FacilityRepair.Status.OPEN and repair.due_on < today
        repair.label = ITEM_LABELS.get(repair.item, repair.item)
    due = facility_due_of(facility, on=today)
    return render(
        request,
        "facilities/detail.html",
        {
            "facility": facility,
            "due": due,
            "days_late": (today - due.due_on).days if due.overdue else 0,
            "today": today,
            "pressures": takes_pressures(facility.kind),
            "safety_valve": has_safety_valve(facility.kind),
            "valve_lapsed": facility.safety_valve_valid_until is not None
            and facility.safety_valve_valid_until < today,
            "task": facility.tasks.filter(status=FacilityTask.Status.PLANNED)
            .select_related("assignee")
            .first(),
            "checks": checks,
            "repairs": repairs,
            "may_manage": user.can(Capability.MANAGE_FACILITIES),
            "audit": audit_for_object(target=facility)[:50],
        },
    )


@require_GET
@requires(Capability.VIEW_FACILITIES)
def card_pdf(request, pk: int):
    """The record card to print: every check, however many pages it takes."""
    facility = facility_get(acting_user=request.user, pk=pk)
    today = timezone.localdate()
    branch = facility.branch
    with translation.override("zh-hans"):  # the card on file is in Chinese
        content = card_content(
            facility,
            company=branch.parent.name if branch.parent_id else "",
            checks=facility_history(facility=facility),
            repairs=facility_repairs(facility=facility),
            due=facility_due_of(facility, on=today),
            ranges=pressure_ranges(branch=facility.branch_id, on=today)
            if takes_pressures(facility.kind)
            else None,
            printed_on=today,
        )
        data = facility_card_pdf(content)
    return FileResponse(
        io.BytesIO(data),
        content_type="application/pdf",
        filename=f"场站设施检查记录卡-{facility.code}-{today:%Y%m%d}.pdf",
    )


@require_GET
@requires(Capability.VIEW_FACILITIES)
def repair_photo(request, pk: int, repair_pk: int):
    """The after-photo of one of the facility's repair jobs."""
    facility = facility_get(acting_user=request.user, pk=pk)
    repair = (
        facility_repairs(facility=facility)
        .select_related("after_photo")
        .filter(pk=repair_pk)
        .first()
    )
    if repair is None or repair.after_photo_id is None:
        raise Http404
    photo = repair.after_photo
    return FileResponse(attachment_open(photo), content_type=photo.content_type)


# ── one check ─────────────────────────────────────────────────────────────────────


def _check_items(check) -> list[dict]:
    """Every item of the check's kind with its answer, note and photos, in checklist order."""
    answers = check.checklist
    photos: dict[str, list] = {}
    for photo in check.photos.all():
        photos.setdefault(photo.item, []).append(photo)
    found = {defect.item for defect in check.defects.all()}
    return [
        {
            "code": item.code,
            "label": item.label,
            "state": answers.get(item.code, {}).get("state", ""),
            "note": answers.get(item.code, {}).get("note", ""),
            "photos": photos.get(item.code, []),
            "defect": item.code in found,
        }
        for item in items_for(check.kind)
    ]


def _check_pressures(check) -> list[dict]:
    if not takes_pressures(check.kind):
        return []
    ranges = pressure_ranges(branch=check.branch_id, on=timezone.localdate(check.finished_at))
    found = {defect.item for defect in check.defects.all()}
    return [
        {
            "label": PRESSURE_LABELS[name],
            "value": getattr(check, name),
            "low": ranges[name].low,
            "high": ranges[name].high,
            "bad": name in found,
        }
        for name in PRESSURES
    ]


@require_GET
@requires(Capability.VIEW_FACILITIES)
def check_detail(request, pk):
    """One check as recorded: frozen evidence, its photos, its place in the ledger."""
    check = check_get(acting_user=request.user, pk=pk)
    return render(
        request,
        "facilities/check_detail.html",
        {
            "check": check,
            "facility": check.facility,
            "items": _check_items(check),
            "pressures": _check_pressures(check),
            "defects": list(check.defects.all()),
            "photos": list(check.photos.all()),
            "correction": corrected_by(check),
            "repairs": list(check.repairs_raised.select_related("assignee").order_by("pk")),
            "ledger": LedgerEntry.objects.filter(kind=LEDGER_KIND, record_id=str(check.pk)).first(),
        },
    )


@require_GET
@requires(Capability.VIEW_FACILITIES)
def check_file(request, pk, attachment_id):
    """A photo the check cites; any other attachment id answers 404."""
    check = check_get(acting_user=request.user, pk=pk)
    cited = next((p for p in check.photos.all() if p.attachment_id == attachment_id), None)
    if cited is None:
        raise Http404
    photo = cited.attachment
    return FileResponse(attachment_open(photo), content_type=photo.content_type)


# ── repairs ───────────────────────────────────────────────────────────────────────


def repair_statuses() -> dict[str, str]:
    return {
        "open": _("未完成"),
        "todo": _("待维修"),
        "repaired": _("待复查"),
        "verified": _("复查合格"),
        "withdrawn": _("已撤销"),
        "all": _("全部"),
    }


def _repair_rows(acting_user, status: str, mine: bool):
    return repair_queue(acting_user=acting_user, status=status, mine=mine).select_related(
        "facility__branch"
    )


def _repair_counts(acting_user, mine: bool) -> dict[str, int]:
    rows = repair_queue(acting_user=acting_user, status="all", mine=mine)
    by_status = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
    todo = by_status.get(FacilityRepair.Status.OPEN, 0)
    repaired = by_status.get(FacilityRepair.Status.REPAIRED, 0)
    return {
        "open": todo + repaired,
        "todo": todo,
        "repaired": repaired,
        "verified": by_status.get(FacilityRepair.Status.VERIFIED, 0),
        "withdrawn": by_status.get(FacilityRepair.Status.WITHDRAWN, 0),
        "all": sum(by_status.values()),
    }


@dataclass
class Refused:
    repair_id: int
    message: str
    status: int


class _FormRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _valid(form) -> dict:
    if form.is_valid():
        return form.cleaned_data
    raise _FormRefused("；".join(" ".join(errors) for errors in form.errors.values()))


def _assign(request, repair) -> str:
    data = _valid(
        forms.RepairAssignForm(request.POST, repairers=repairers(acting_user=request.user))
    )
    person = data["repairer"]
    facility_repair_assign(acting_user=request.user, repair=repair, assignee=person)
    return _("%(code)s：已分派给 %(name)s") % {
        "code": repair.facility.code,
        "name": person.full_name or person.username,
    }


def _done(request, repair) -> str:
    require(request.user, Capability.REPAIR_FACILITIES)  # before keeping any photo
    data = _valid(forms.RepairDoneForm(request.POST, request.FILES))
    photo = attachment_upload(
        acting_user=request.user,
        kind=Attachment.Kind.PHOTO,
        file=data["photo"],
        branch_id=repair.branch_id,
    )
    facility_repair_done(
        acting_user=request.user, repair=repair, note=data["note"], after_photo=photo.sha256
    )
    return _("%(code)s：维修完成已登记，待下次检查复查") % {"code": repair.facility.code}


REPAIR_OPS = {"assign": _assign, "done": _done}


def _repair_perform(request) -> str | Refused:
    """Run the posted step; a wrong id is a 404, a missing right a 403, anything the user
    can fix comes back as `Refused` and nothing is kept (the photo neither)."""
    pk = query_id(request.POST, "repair")
    if pk is None:
        raise Http404
    repair = repair_get(acting_user=request.user, pk=pk)
    op = REPAIR_OPS.get(request.POST.get("op", ""))
    if op is None:
        return Refused(repair.pk, _("未知的操作"), 400)
    try:
        with transaction.atomic():
            return op(request, repair)
    except _FormRefused as exc:
        return Refused(repair.pk, exc.message, 422)
    except DomainError as exc:
        pass_through(exc)
        return Refused(repair.pk, exc.message, exc.status)


def _may_see_repairs(user) -> bool:
    return any(
        user.can(capability)
        for capability in (
            Capability.REPAIR_FACILITIES,
            Capability.MANAGE_FACILITIES,
        )
    )


def _decorate_repairs(repairs: list, user, *, today: dt.date, error: Refused | None) -> None:
    manage = user.can(Capability.MANAGE_FACILITIES)
    repairer = user.can(Capability.REPAIR_FACILITIES)
    people = list(repairers(acting_user=user).order_by(Lower("full_name"), "pk")) if manage else []
    for repair in repairs:
        is_open = repair.status == FacilityRepair.Status.OPEN
        repair.overdue = is_open and repair.due_on < today
        repair.days_late = (today - repair.due_on).days if repair.overdue else 0
        repair.may_assign = manage and is_open
        repair.choices = [p for p in people if p.branch_id == repair.branch_id]
        repair.may_finish = repairer and is_open and repair.assignee_id in (None, user.pk)
        repair.error = error.message if error and error.repair_id == repair.pk else ""
        repair.label = ITEM_LABELS.get(repair.item, repair.item)


@require_http_methods(["GET", "POST"])
@requires(Capability.REPAIR_FACILITIES, Capability.MANAGE_FACILITIES)
def repairs(request):
    """设施维修: the repair jobs of facility defects, earliest due first. A lead gives a job
    to a repairer; the repairer reports it done with a photo of the work."""
    user, today = request.user, timezone.localdate()
    if not _may_see_repairs(user):
        raise PermissionRefused(_("您没有权限执行此操作"), code="capability_missing")
    error = None
    if request.method == "POST":
        outcome = _repair_perform(request)
        if isinstance(outcome, str):
            messages.success(request, outcome)
            return HttpResponseRedirect(request.get_full_path())
        error = outcome
    labels = repair_statuses()
    status = request.GET.get("status", "")
    if status not in labels:
        status = "open"
    is_repairer = user.role == Role.REPAIRER
    mine = is_repairer and request.GET.get("mine") == "1"
    page = paginate(request, _repair_rows(user, status, mine), per_page=REPAIRS_PER_PAGE)
    rows = list(page.object_list)
    _decorate_repairs(rows, user, today=today, error=error)
    page.object_list = rows
    counts = _repair_counts(user, mine)
    return render(
        request,
        "facilities/repairs.html",
        {
            "page": page,
            "status": status,
            "tabs": [{"key": k, "label": v, "count": counts[k]} for k, v in labels.items()],
            "mine": mine,
            "is_repairer": is_repairer,
            "today": today,
            "error": error,
            "many_branches": user.is_head_office,
        },
        status=error.status if error else 200,
    )


urlpatterns = [
    path("facilities/", registry, name="facilities"),
    path("facilities/new/", facility_new, name="facility-create"),
    path("facilities/schedule/", schedule, name="facility-schedule"),
    path("facilities/repairs/", repairs, name="facility-repairs"),
    path("facilities/checks/<uuid:pk>/", check_detail, name="facility-check-detail"),
    path(
        "facilities/checks/<uuid:pk>/files/<uuid:attachment_id>",
        check_file,
        name="facility-check-file",
    ),
    path("facilities/<id:pk>/", detail, name="facility-detail"),
    path("facilities/<id:pk>/edit/", facility_edit, name="facility-edit"),
    path("facilities/<id:pk>/active/", facility_active, name="facility-set-active"),
    path("facilities/<id:pk>/card.pdf", card_pdf, name="facility-card-pdf"),
    path(
        "facilities/<id:pk>/tasks/<id:task_pk>/cancel/",
        task_cancel,
        name="facility-task-cancel",
    ),
    path(
        "facilities/<id:pk>/repairs/<id:repair_pk>/photo",
        repair_photo,
        name="facility-repair-photo",
    ),
]
