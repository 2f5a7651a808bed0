"""Pages of the rectification loop (RULES B6): each role's work queue, one hazard with its
history, the household's hazards and notices, the notice PDFs, the month's call
recordings and the rectification rates.

Every write goes through a service. The queue and the hazard page take their own POSTs
(one small form per card, `op` naming the step): success redirects back with a message;
a refused step re-renders the page with the service's message on the card and changes
nothing (the upload and the step share one transaction).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ruhu.accounts.roles import Capability, Role
from ruhu.common.access import requires
from ruhu.common.attachments import attachment_open, attachment_upload
from ruhu.common.converters import query_id
from ruhu.common.errors import DomainError, IllegalTransition, PermissionRefused
from ruhu.common.models import Attachment
from ruhu.common.scoping import require
from ruhu.common.web import add_domain_error, pass_through
from ruhu.hazards import forms
from ruhu.hazards.models import (
    TRACKED_METHODS,
    DeliveryMethod,
    FollowUpCall,
    HazardNotice,
    Level,
    State,
)
from ruhu.hazards.selectors import (
    HEARERS,
    NOTICE_FOR_STATE,
    call_get,
    calls_in_month,
    copies_overdue,
    hazard_attachment,
    hazard_calls,
    hazard_get,
    hazard_notices,
    hazard_queue,
    hazard_steps,
    household_hazards,
    household_notices,
    household_supply_reasons,
    may_hear_recordings,
    notice_batch,
    notice_get,
    package_file,
    packages_visible,
    pending_notices,
    rectification_rates,
    repairers_for,
)
from ruhu.hazards.services import (
    followup_call_record,
    hazard_assign,
    hazard_limit_apply,
    hazard_mark_arranged,
    hazard_notice_copy_receive,
    hazard_notice_deliver,
    hazard_notice_issue,
    hazard_outcome_record,
    hazard_recheck,
    hazard_repair_done,
    hazard_repair_fail,
    hazard_seal,
    hazard_supply_restore,
)
from ruhu.hazards.services.cases import ARRANGEABLE, RECHECKABLE
from ruhu.hazards.services.notices import ISSUERS, METHODS
from ruhu.premises.selectors import household_get

SECTION_SIZE = 50

# the work queue a role opens by default; admins and managers may switch (`?role=`)
QUEUE_FOR_ROLE = {
    Role.CUSTOMER_SERVICE: "customer_service",
    Role.REPAIRER: "repairer",
    Role.SAFETY_SUPERVISION: "supervision",
    Role.INSPECTOR: "inspector",
    Role.INSPECTION_LEAD: "lead",
}
QUEUE_CAPABILITY = {
    "customer_service": Capability.LIMIT_SUPPLY,
    "repairer": Capability.REPAIR_HAZARDS,
    "supervision": Capability.SUPERVISE_HAZARDS,
    "inspector": Capability.RECORD_VISITS,
    "lead": Capability.MANAGE_HAZARDS,
}
SWITCHERS = frozenset({Role.ADMIN, Role.MANAGER})
SWITCH_ORDER = ("lead", "supervision", "customer_service", "inspector", "repairer")

# a queue section's action → the steps offered on each of its cards
SECTION_OPS = {
    "limit": ["limit"],
    "restore": ["restore"],
    "repair": ["repair", "repair_fail"],
    "take": ["take"],
    "seal": ["seal"],
    "outcome": ["outcome"],
    "recheck": ["recheck"],
    "notice": ["issue"],
    "renotice": ["issue"],
    "stop_notice": ["issue"],
    "letter": ["issue"],
    "call": ["call"],
    "view": [],
}


def queue_labels() -> dict[str, str]:
    return {
        "customer_service": _("客服"),
        "repairer": _("维修员"),
        "supervision": _("安全监察部"),
        "inspector": _("安检员"),
        "lead": _("安检主管"),
    }


def issue_labels() -> dict[str, str]:
    return {
        HazardNotice.Kind.RECTIFY: _("下发整改通知书"),
        HazardNotice.Kind.RECTIFY_SECOND: _("再次下发"),
        HazardNotice.Kind.STOP_SUPPLY: _("停气通知"),
        HazardNotice.Kind.PROPERTY_LETTER: _("致函物业"),
    }


def queue_roles(user) -> list[str]:
    """The work queues `user` may open, their own first."""
    if user.role in SWITCHERS or (user.is_superuser and user.role not in QUEUE_FOR_ROLE):
        # the field queues are a repairer's or an inspector's own work: not for an office
        return [
            role
            for role in SWITCH_ORDER
            if user.can(QUEUE_CAPABILITY[role]) and role not in ("repairer", "inspector")
        ]
    own = QUEUE_FOR_ROLE.get(user.role)
    return [own] if own and user.can(QUEUE_CAPABILITY[own]) else []


# ── the steps a page may post ─────────────────────────────────────────────────────


class FormRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Done:
    message: str
    anchor: str = ""


@dataclass
class Refused:
    key: str
    message: str
    status: int


def _valid(form_class, request, **kwargs):
    form = form_class(request.POST, request.FILES, **kwargs)
    if form.is_valid():
        return form.cleaned_data
    problems = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        problems.append(f"{label}：{' '.join(errors)}" if label else " ".join(errors))
    raise FormRefused("；".join(problems))


def _hazard(request):
    pk = query_id(request.POST, "hazard")
    if pk is None:
        raise Http404
    return hazard_get(acting_user=request.user, pk=pk)


def _notice(request):
    pk = query_id(request.POST, "notice")
    if pk is None:
        raise Http404
    return notice_get(acting_user=request.user, pk=pk)


def _store(request, upload, kind: str, branch_id: int):
    if not upload:
        return None
    return attachment_upload(acting_user=request.user, kind=kind, file=upload, branch_id=branch_id)


def _account(hazard) -> str:
    return hazard.household.account_no


def _op_limit(request) -> Done:
    hazard, data = _hazard(request), _valid(forms.NoteForm, request)
    hazard_limit_apply(acting_user=request.user, hazard=hazard, note=data["note"])
    return Done(_("%(account)s：已执行限量售气") % {"account": _account(hazard)})


def _op_restore(request) -> Done:
    hazard, data = _hazard(request), _valid(forms.NoteForm, request)
    hazard_supply_restore(acting_user=request.user, hazard=hazard, note=data["note"])
    return Done(_("%(account)s：已恢复供气，隐患结案") % {"account": _account(hazard)})


def _op_take(request) -> Done:
    hazard = _hazard(request)
    hazard_assign(acting_user=request.user, hazard=hazard, repairer=request.user)
    return Done(_("%(account)s：已接单") % {"account": _account(hazard)}, f"hazard-{hazard.pk}")


def _op_assign(request) -> Done:
    hazard = _hazard(request)
    data = _valid(forms.AssignForm, request, repairers=repairers_for(hazard=hazard))
    hazard_assign(acting_user=request.user, hazard=hazard, repairer=data["repairer"])
    return Done(
        _("%(account)s：已指派给 %(name)s")
        % {"account": _account(hazard), "name": data["repairer"].full_name}
    )


def _op_repair(request) -> Done:
    hazard, data = _hazard(request), _valid(forms.PhotoNoteForm, request)
    photo = _store(request, data["photo"], Attachment.Kind.PHOTO, hazard.branch_id)
    hazard_repair_done(
        acting_user=request.user, hazard=hazard, after_photo=photo, note=data["note"]
    )
    return Done(_("%(account)s：维修完成已登记") % {"account": _account(hazard)})


def _op_repair_fail(request) -> Done:
    hazard, data = _hazard(request), _valid(forms.ReasonForm, request)
    hazard_repair_fail(acting_user=request.user, hazard=hazard, reason=data["reason"])
    return Done(_("%(account)s：已登记无法维修，转客户整改") % {"account": _account(hazard)})


def _op_seal(request) -> Done:
    hazard, data = _hazard(request), _valid(forms.PhotoNoteForm, request)
    photo = _store(request, data["photo"], Attachment.Kind.PHOTO, hazard.branch_id)
    hazard_seal(acting_user=request.user, hazard=hazard, photo=photo, note=data["note"])
    return Done(_("%(account)s：已停气封停") % {"account": _account(hazard)})


def _op_outcome(request) -> Done:
    hazard, data = _hazard(request), _valid(forms.OutcomeForm, request)
    photo = _store(request, data["photo"], Attachment.Kind.PHOTO, hazard.branch_id)
    hazard_outcome_record(
        acting_user=request.user,
        hazard=hazard,
        outcome=data["outcome"],
        note=data["note"],
        photo=photo,
    )
    return Done(_("%(account)s：处理结果已反馈") % {"account": _account(hazard)})


def _op_recheck(request) -> Done:
    hazard, data = _hazard(request), _valid(forms.RecheckForm, request)
    photo = _store(request, data["photo"], Attachment.Kind.PHOTO, hazard.branch_id)
    hazard_recheck(
        acting_user=request.user,
        hazard=hazard,
        rectified=data["rectified"],
        after_photo=photo,
        note=data["note"],
    )
    return Done(_("%(account)s：复查已登记") % {"account": _account(hazard)})


def _op_arranged(request) -> Done:
    hazard, data = _hazard(request), _valid(forms.NoteForm, request)
    hazard_mark_arranged(acting_user=request.user, hazard=hazard, note=data["note"])
    return Done(_("%(account)s：客户已办理整改，待复查") % {"account": _account(hazard)})


def _op_issue(request) -> Done:
    hazard = _hazard(request)
    kind = NOTICE_FOR_STATE.get(hazard.state)
    if kind is None:
        raise IllegalTransition(
            _("隐患当前状态为「%(state)s」，不需要开具文书") % {"state": State(hazard.state).label},
            code="hazard_illegal_transition",
        )
    batch = notice_batch(acting_user=request.user, hazard=hazard)
    notice = hazard_notice_issue(acting_user=request.user, kind=kind, hazards=batch)
    return Done(
        _("已开具%(kind)s %(number)s：请打印、送达后登记送达")
        % {"kind": notice.get_kind_display(), "number": notice.number},
        f"letter-{hazard.pk}"
        if kind == HazardNotice.Kind.PROPERTY_LETTER
        else f"hazard-{hazard.pk}",
    )


def _op_deliver(request) -> Done:
    notice, data = _notice(request), _valid(forms.DeliverForm, request)
    photo = _store(request, data["photo"], Attachment.Kind.PHOTO, notice.branch_id)
    hazard_notice_deliver(
        acting_user=request.user,
        notice=notice,
        method=data["method"],
        on=data["delivered_on"],
        photo=photo,
        tracking_number=data["tracking_number"],
        recipient=data["recipient"],
    )
    return Done(
        _("%(kind)s %(number)s 已登记送达")
        % {"kind": notice.get_kind_display(), "number": notice.number}
    )


def _op_copy(request) -> Done:
    notice = _notice(request)
    hazard_notice_copy_receive(acting_user=request.user, notice=notice)
    return Done(_("%(number)s 的公司联已登记交回") % {"number": notice.number})


def _op_call(request) -> Done:
    hazard, data = _hazard(request), _valid(forms.CallForm, request)
    recording = _store(request, data["recording"], Attachment.Kind.RECORDING, hazard.branch_id)
    followup_call_record(
        acting_user=request.user,
        hazard=hazard,
        called_at=data["called_at"],
        result=data["result"],
        notes=data["notes"],
        recording=recording,
    )
    return Done(_("%(account)s：回访电话已登记") % {"account": _account(hazard)})


OPS = {
    "limit": _op_limit,
    "restore": _op_restore,
    "take": _op_take,
    "assign": _op_assign,
    "repair": _op_repair,
    "repair_fail": _op_repair_fail,
    "seal": _op_seal,
    "outcome": _op_outcome,
    "recheck": _op_recheck,
    "arranged": _op_arranged,
    "issue": _op_issue,
    "deliver": _op_deliver,
    "copy": _op_copy,
    "call": _op_call,
}


def _perform(request) -> Done | Refused:
    """Run the posted step. A wrong id is a 404, a missing right a 403 (both raised for
    the middleware); anything else the user can fix comes back as `Refused`."""
    post = request.POST
    key = f"notice-{post['notice']}" if post.get("notice") else f"hazard-{post.get('hazard', '')}"
    op = OPS.get(post.get("op", ""))
    if op is None:
        return Refused(key, _("未知的操作"), 400)
    try:
        with transaction.atomic():  # an upload refused with its step is not kept
            return op(request)
    except FormRefused as exc:
        return Refused(key, exc.message, 422)
    except DomainError as exc:
        pass_through(exc)
        return Refused(key, exc.message, exc.status)


def _after(request, done: Done) -> HttpResponseRedirect:
    messages.success(request, done.message)
    anchor = f"#{done.anchor}" if done.anchor else ""
    return HttpResponseRedirect(request.get_full_path() + anchor)


# ── what a card offers ────────────────────────────────────────────────────────────


def hazard_ops(user, hazard) -> list[str]:
    """The steps `user` may take on `hazard` in its state (the services still decide)."""
    state, ops = hazard.state, []
    if user.can(Capability.LIMIT_SUPPLY):
        if state == State.LIMIT_DUE:
            ops.append("limit")
        if state == State.RECTIFIED and hazard.supply_hold:
            ops.append("restore")
    if state == State.DISPATCHED:
        if user.can(Capability.REPAIR_HAZARDS) and user.role == Role.REPAIRER:
            if hazard.assignee_id is None:
                ops.append("take")
            elif hazard.assignee_id == user.pk:
                ops += ["repair", "repair_fail"]
        if user.can(Capability.MANAGE_HAZARDS):
            ops.append("assign")
    if state == State.SEAL_DUE and (
        user.can(Capability.REPAIR_HAZARDS) or user.can(Capability.RECORD_VISITS)
    ):
        ops.append("seal")
    if state == State.HANDED_OVER and user.can(Capability.SUPERVISE_HAZARDS):
        ops.append("outcome")
    kind = NOTICE_FOR_STATE.get(state)
    if kind is not None and user.can(ISSUERS[kind]):
        ops.append("issue")
    if user.can(Capability.RECORD_VISITS) and state in RECHECKABLE:
        ops.append("recheck")
    if user.can(Capability.MANAGE_HAZARDS):
        if state in ARRANGEABLE:
            ops.append("arranged")
        if state != State.CLOSED:
            ops.append("call")
    return ops


def _decorate_notice(notice) -> None:
    labels = dict(DeliveryMethod.choices)
    notice.methods = [(m.value, labels[m]) for m in METHODS[notice.kind]]
    notice.tracked = any(m in TRACKED_METHODS for m in METHODS[notice.kind])
    notice.photo_method = DeliveryMethod.POSTED in METHODS[notice.kind]
    notice.letter = notice.kind == HazardNotice.Kind.PROPERTY_LETTER


def _decorate(hazards, user, *, ops=None, pending=None, today, error: Refused | None) -> None:
    """Give each hazard of a page what its card shows: its steps, its notice waiting to be
    delivered, whether it is overdue, and the error a refused step left on it."""
    labels = issue_labels()
    for hazard in hazards:
        hazard.ops = hazard_ops(user, hazard) if ops is None else list(ops)
        kind = NOTICE_FOR_STATE.get(hazard.state)
        hazard.issue_label = labels.get(kind, "")
        hazard.pending_notice = (pending or {}).get(hazard.pk)
        if hazard.pending_notice is not None:
            _decorate_notice(hazard.pending_notice)
        hazard.overdue = hazard.due_on is not None and hazard.due_on < today
        keys = {f"hazard-{hazard.pk}"}
        if hazard.pending_notice is not None:
            keys.add(f"notice-{hazard.pending_notice.pk}")
        hazard.error = error.message if error and error.key in keys else ""


# ── the work queue ────────────────────────────────────────────────────────────────


@dataclass
class Section:
    key: str
    title: str
    action: str
    page: object
    pager: dict
    groups: list | None = None


def _pager(request, key: str, page) -> dict:
    def url(number: int) -> str:
        query = request.GET.copy()
        query[f"{key}_page"] = str(number)
        return f"?{query.urlencode()}#sec-{key}"

    return {
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }


def _page(request, key: str, items):
    page = Paginator(items, SECTION_SIZE).get_page(request.GET.get(f"{key}_page"))
    return page, _pager(request, key, page)


def _letter_groups(hazards, pending, error) -> list[dict]:
    """The STOP_NOTICED cases of a page by community: one letter per community."""
    groups: dict[tuple, dict] = {}
    for hazard in hazards:
        key = (hazard.branch_id, hazard.household.community)
        group = groups.setdefault(
            key,
            {"community": hazard.household.community, "hazards": [], "notice": None},
        )
        group["hazards"].append(hazard)
        if group["notice"] is None and hazard.pending_notice is not None:
            group["notice"] = hazard.pending_notice
    for group in groups.values():
        first = group["hazards"][0]
        group["first"] = first
        keys = {f"hazard-{h.pk}" for h in group["hazards"]}
        if group["notice"] is not None:
            keys.add(f"notice-{group['notice'].pk}")
        group["error"] = error.message if error and error.key in keys else ""
    return list(groups.values())


def _queue_sections(request, role: str, error: Refused | None) -> list[Section]:
    user, today = request.user, timezone.localdate()
    sections = []
    for found in hazard_queue(acting_user=user, role=role):
        page, pager = _page(request, found.key, found.items)
        hazards = list(page.object_list)
        kind = {
            "notice": HazardNotice.Kind.RECTIFY,
            "renotice": HazardNotice.Kind.RECTIFY_SECOND,
            "stop_notice": HazardNotice.Kind.STOP_SUPPLY,
            "letter": HazardNotice.Kind.PROPERTY_LETTER,
        }.get(found.action)
        pending = pending_notices(hazard_ids=[h.pk for h in hazards], kinds=[kind]) if kind else {}
        _decorate(
            hazards, user, ops=SECTION_OPS[found.action], pending=pending, today=today, error=error
        )
        page.object_list = hazards
        section = Section(found.key, str(found.title), found.action, page, pager)
        if found.action == "letter":
            section.groups = _letter_groups(hazards, pending, error)
        sections.append(section)
        if role == "lead" and found.key == "letter":
            sections.append(_copies_section(request, error))
    return sections


def _copies_section(request, error: Refused | None) -> Section:
    page, pager = _page(request, "copies", copies_overdue(acting_user=request.user))
    notices = list(page.object_list)
    for notice in notices:
        notice.error = error.message if error and error.key == f"notice-{notice.pk}" else ""
    page.object_list = notices
    return Section("copies", _("逾期未交回的公司联"), "copy", page, pager)


@require_http_methods(["GET", "POST"])
@requires(Capability.VIEW_HAZARDS)
def queue(request):
    """我的待办: what waits on the user's role, section by section, with the steps inline."""
    require(request.user, Capability.VIEW_HAZARDS)
    roles = queue_roles(request.user)
    wanted = request.GET.get("role", "")
    if wanted and wanted not in roles:
        raise PermissionRefused(_("您不能打开这个工作队列"), code="capability_missing")
    role = wanted or (roles[0] if roles else "")
    error = None
    if request.method == "POST":
        outcome = _perform(request)
        if isinstance(outcome, Done):
            return _after(request, outcome)
        error = outcome
    labels = queue_labels()
    context = {
        "role": role,
        "role_label": labels.get(role, ""),
        "switch": [
            {"role": r, "label": labels[r], "url": "?" + urlencode({"role": r})} for r in roles
        ]
        if len(roles) > 1
        else [],
        "sections": _queue_sections(request, role, error) if role else [],
        "error": error,
        "today": timezone.localdate(),
        "call_now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "call_results": FollowUpCall.Result.choices,
        "outcomes": forms.OUTCOME_LABELS.items(),
    }
    return render(request, "hazards/queue.html", context, status=error.status if error else 200)


# ── one hazard ────────────────────────────────────────────────────────────────────


@require_http_methods(["GET", "POST"])
@requires(Capability.VIEW_HAZARDS)
def detail(request, pk: int):
    hazard = hazard_get(acting_user=request.user, pk=pk)
    error = None
    if request.method == "POST":
        outcome = _perform(request)
        if isinstance(outcome, Done):
            return _after(request, outcome)
        error = outcome
        hazard = hazard_get(acting_user=request.user, pk=pk)  # as it is now: unchanged
    user, today = request.user, timezone.localdate()
    kind = NOTICE_FOR_STATE.get(hazard.state)
    pending = pending_notices(hazard_ids=[hazard.pk], kinds=[kind]) if kind else {}
    _decorate([hazard], user, pending=pending, today=today, error=error)
    steps = list(hazard_steps(hazard=hazard))
    notices = list(hazard_notices(hazard=hazard))
    hear = may_hear_recordings(user)
    for notice in notices:
        notice.may_receive = (
            user.can(Capability.MANAGE_HAZARDS)
            and notice.kind in (HazardNotice.Kind.RECTIFY, HazardNotice.Kind.RECTIFY_SECOND)
            and notice.delivered
            and notice.copy_received_at is None
        )
        notice.error = error.message if error and error.key == f"notice-{notice.pk}" else ""
    context = {
        "hazard": hazard,
        "steps": steps,
        "photos": [s for s in steps if s.photo_id],
        "notices": notices,
        "calls": list(hazard_calls(hazard=hazard)[:100]),
        "hear": hear,
        "repairers": list(repairers_for(hazard=hazard)) if "assign" in hazard.ops else [],
        "visit_openable": hazard.found_visit_id is not None
        and (not user.is_field_staff or hazard.found_by_id == user.pk),
        "error": error,
        "today": today,
        "now": timezone.now(),
        "call_now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "call_results": FollowUpCall.Result.choices,
        "outcomes": forms.OUTCOME_LABELS.items(),
    }
    return render(request, "hazards/detail.html", context, status=error.status if error else 200)


@require_GET
@requires(Capability.VIEW_HAZARDS)
def hazard_file(request, pk: int, attachment_id):
    """A photo (or document, or recording) the hazard's record cites."""
    hazard = hazard_get(acting_user=request.user, pk=pk)
    attachment = hazard_attachment(
        hazard=hazard,
        attachment_id=attachment_id,
        with_recordings=may_hear_recordings(request.user),
    )
    return FileResponse(attachment_open(attachment), content_type=attachment.content_type)


# ── the household's section ───────────────────────────────────────────────────────


@require_GET
@requires(Capability.VIEW_HAZARDS, section=True)
def household_section(request, pk: int):
    """The household page's 隐患与整改文书 section (loaded into it by HTMX): its supply
    status and why, every hazard, every notice with its proof."""
    if not request.user.can(Capability.VIEW_HAZARDS) and request.headers.get("HX-Request"):
        return HttpResponse("")  # the section is not for this role: it leaves the page
    require(request.user, Capability.VIEW_HAZARDS)
    household = household_get(acting_user=request.user, pk=pk)
    hazards = household_hazards(acting_user=request.user, household=household)
    notices = household_notices(acting_user=request.user, household=household)
    today = timezone.localdate()
    for hazard in hazards:
        hazard.overdue = hazard.due_on is not None and hazard.due_on < today
    by_hazard: dict[int, list] = {}
    for link in HazardNotice.hazards.through.objects.filter(
        hazardnotice_id__in=[n.pk for n in notices]
    ).values_list("hazardnotice_id", "hazard_id"):
        by_hazard.setdefault(link[0], []).append(link[1])
    for notice in notices:
        notice.hazard_ids = sorted(by_hazard.get(notice.pk, []))
    return render(
        request,
        "hazards/partials/household_section.html",
        {
            "household": household,
            "hazards": hazards,
            "notices": notices,
            "reasons": household_supply_reasons(hazards=hazards, notices=notices),
            "open_count": sum(h.state != State.CLOSED for h in hazards),
            "now": timezone.now(),
        },
    )


# ── files ─────────────────────────────────────────────────────────────────────────


@require_GET
@requires(Capability.VIEW_HAZARDS)
def notice_pdf(request, pk: int):
    notice = notice_get(acting_user=request.user, pk=pk)
    if notice.document_id is None:
        raise Http404
    return FileResponse(
        attachment_open(notice.document),
        content_type="application/pdf",
        filename=f"{notice.number}.pdf",
    )


@require_GET
@requires(Capability.VIEW_HAZARDS)
def notice_photo(request, pk: int):
    """The delivery proof of a notice: the photo of it handed over or on the door."""
    notice = notice_get(acting_user=request.user, pk=pk)
    if notice.delivery_photo_id is None:
        raise Http404
    photo = notice.delivery_photo
    return FileResponse(attachment_open(photo), content_type=photo.content_type)


@require_GET
@requires(*HEARERS)
def call_recording(request, pk):
    call = call_get(acting_user=request.user, pk=pk)
    if call.recording_id is None:
        raise Http404
    recording = call.recording
    return FileResponse(
        attachment_open(recording),
        content_type=recording.content_type,
        filename=f"回访录音-{timezone.localtime(call.called_at):%Y%m%d-%H%M}{recording.extension}",
    )


@require_GET
@requires(*HEARERS)
def recordings(request):
    """The month's follow-up calls and their recordings, kept together (§5 ⑤⑥)."""
    this_month = timezone.localdate().replace(day=1)
    form = forms.MonthForm(request.GET or None, initial={"month": this_month})
    month = form.cleaned_data["month"] if form.is_bound and form.is_valid() else this_month
    calls = calls_in_month(acting_user=request.user, month=month)
    page = Paginator(calls, SECTION_SIZE).get_page(request.GET.get("page"))
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "hazards/recordings.html",
        {
            "form": form,
            "month": month,
            "page": page,
            "previous": previous,
            "following": following if following <= this_month else None,
        },
    )


# ── rectification rates ───────────────────────────────────────────────────────────


@require_GET
@requires(Capability.VIEW_HAZARDS)
def rates(request):
    """Rectification rates per level and branch for a period, against their targets."""
    require(request.user, Capability.VIEW_HAZARDS)
    start, end = forms.PeriodForm.default_period()
    form = forms.PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    levels = []
    try:
        branches = rectification_rates(acting_user=request.user, start=start, end=end)
        totals = rectification_rates(
            acting_user=request.user, start=start, end=end, by_branch=False
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        branches, totals = [], []
    for row in [*branches, *totals]:
        row.rate_pct = None if row.rate is None else round(row.rate * 100, 1)
        row.target_pct = round(row.target * 100, 1)
    for level in Level:
        rows = [r for r in branches if r.level == level]
        total = next((r for r in totals if r.level == level), None)
        levels.append({"level": level, "label": level.label, "rows": rows, "total": total})
    return render(
        request,
        "hazards/rates.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "levels": levels,
            "any": bool(totals),
            "head_office": request.user.is_head_office,
        },
        status=422 if form.errors else 200,
    )


# ── month-end packages ────────────────────────────────────────────────────────────


@require_GET
@requires(*HEARERS)
def packages(request):
    """The month-end packages for safety supervision and the authority (PDF and XLSX)."""
    page = Paginator(packages_visible(acting_user=request.user), 24).get_page(
        request.GET.get("page")
    )
    return render(request, "hazards/packages.html", {"page": page})


@require_GET
@requires(*HEARERS)
def package_download(request, pk: int, fmt: str):
    package, attachment = package_file(acting_user=request.user, pk=pk, fmt=fmt)
    name = f"{package.branch.code}-{package.month:%Y%m}-{package.audience}.{fmt}"
    return FileResponse(
        attachment_open(attachment), content_type=attachment.content_type, filename=name
    )
