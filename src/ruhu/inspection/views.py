"""Pages of the inspection domain."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruhu.accounts.roles import Capability
from ruhu.accounts.selectors import branch_list
from ruhu.common.access import requires
from ruhu.common.converters import query_day, query_id
from ruhu.common.errors import DomainError
from ruhu.common.scoping import require
from ruhu.common.selectors import audit_for_object
from ruhu.common.web import add_domain_error, attachment_response, message_domain_error, paginate
from ruhu.hazards.documents import missed_visit_notice_pdf
from ruhu.inspection.forms import NoticePostingForm, PlanGenerateForm, TrainingForm
from ruhu.inspection.models import TrainingTopic
from ruhu.inspection.selectors import (
    community_notice_days,
    community_notice_get,
    community_notices_to_come,
    household_visits_seen,
    inspector_day,
    missed_visit_content,
    plan_community_notices,
    plan_get,
    plan_list,
    plan_loads,
    plan_tasks,
    plan_unplanned,
    qualifications,
    review_get,
    review_queue,
    task_get,
    trainable_inspectors,
    training_record_list,
    visit_evidence,
    visit_form_context,
    visit_get,
)
from ruhu.inspection.services import (
    community_notice_record_posting,
    community_notices_issue,
    plan_approve,
    plan_generate,
    plan_generate_year,
    training_record_create,
)
from ruhu.premises.selectors import household_get


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_TRAINING)
def training(request):
    """Each inspector's training status, recent trainings, and the form to record one."""
    recent = training_record_list(acting_user=request.user)[:20]
    inspectors = trainable_inspectors(acting_user=request.user)
    form = TrainingForm(request.POST or None, inspectors=inspectors)
    if request.method == "POST" and form.is_valid():
        try:
            records = training_record_create(
                acting_user=request.user,
                inspectors=list(form.cleaned_data["inspectors"]),
                trained_on=form.cleaned_data["trained_on"],
                topics=form.cleaned_data["topics"],
                trainer=form.cleaned_data["trainer"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("已登记 %(count)d 名安检员的培训") % {"count": len(records)}
            )
            return redirect("training")
    people = list(inspectors)
    status = qualifications(inspectors=people, on=timezone.localdate())
    labels = dict(TrainingTopic.choices)
    rows = [
        {
            "person": person,
            "status": status[person.pk],
            "missing": [labels[topic] for topic in status[person.pk].missing_topics],
        }
        for person in people
    ]
    return render(
        request,
        "inspection/training.html",
        {"form": form, "rows": rows, "recent": recent, "labels": labels},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_PLANS)
def plans(request):
    """The branch's monthly plans, and the form to draft one month or a whole year."""
    plan_page = paginate(request, plan_list(acting_user=request.user), per_page=24)
    form = PlanGenerateForm(request.POST or None, branches=branch_list(acting_user=request.user))
    if request.method == "POST" and form.is_valid():
        branch, month = form.cleaned_data["branch"], form.cleaned_data["month"]
        try:
            if form.cleaned_data["whole_year"]:
                made = plan_generate_year(acting_user=request.user, branch=branch, year=month.year)
            else:
                made = [plan_generate(acting_user=request.user, branch=branch, month=month)]
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已生成 %(count)d 个月度计划草稿") % {"count": len(made)})
            return redirect("plan-detail", pk=made[0].pk)
    return render(
        request,
        "inspection/plans.html",
        {"form": form, "page": plan_page},
        status=422 if form.errors else 200,
    )


@require_GET
@requires(Capability.MANAGE_PLANS)
def plan_detail(request, pk: int):
    """A plan's summary, each inspector's load, their day-by-day tasks, the unplanned."""
    plan = plan_get(acting_user=request.user, pk=pk)
    loads = plan_loads(plan=plan)
    inspector_id = query_id(request.GET, "inspector")
    tasks = paginate(request, plan_tasks(plan=plan, inspector_id=inspector_id), per_page=100)
    may_approve = request.user.can(Capability.APPROVE_PLANS) and plan.status == plan.Status.DRAFT
    return render(
        request,
        "inspection/plan_detail.html",
        {
            "plan": plan,
            "loads": loads,
            "tasks": tasks,
            "inspector_id": inspector_id,
            "may_approve": may_approve,
            "audit": audit_for_object(target=plan)[:20],
            **_plan_notices(request, plan),
        },
    )


PLAN_NOTICES_SHOWN = 30


def _plan_notices(request, plan) -> dict:
    """The plan page's 小区通知 section: its first notices, and whether to offer issuing."""
    notices = list(plan_community_notices(plan=plan)[: PLAN_NOTICES_SHOWN + 1])
    approved = plan.status == plan.Status.APPROVED
    return {
        "notices": notices[:PLAN_NOTICES_SHOWN],
        "more_notices": len(notices) > PLAN_NOTICES_SHOWN,
        "may_issue": approved and request.user.can(Capability.MANAGE_PLANS),
        "show_notices": approved or bool(notices),
        "notice_days": community_notice_days(branch_id=plan.branch_id, on=timezone.localdate()),
    }


@require_POST
@requires(Capability.APPROVE_PLANS)
def plan_approve_view(request, pk: int):
    plan = plan_get(acting_user=request.user, pk=pk)
    require(request.user, Capability.APPROVE_PLANS)
    try:
        plan_approve(acting_user=request.user, plan=plan)
    except DomainError as exc:
        message_domain_error(request, exc)
        return redirect("plan-detail", pk=pk)
    messages.success(request, _("计划已批准"))
    return redirect("plan-detail", pk=pk)


@require_GET
@requires(Capability.MANAGE_PLANS)
def plan_unplanned_list(request, pk: int):
    plan = plan_get(acting_user=request.user, pk=pk)
    page = paginate(request, plan_unplanned(plan=plan), per_page=100)
    return render(request, "inspection/plan_unplanned.html", {"plan": plan, "page": page})


@require_POST
@requires(Capability.MANAGE_PLANS)
def community_notices_issue_view(request, pk: int):
    """Issue (again) the plan's community notices: a job does it on approval; this is for
    a lead who wants it now or after a failure. Issuing twice sends nothing twice."""
    plan = plan_get(acting_user=request.user, pk=pk)
    try:
        issued = community_notices_issue(acting_user=request.user, plan=plan)
    except DomainError as exc:
        message_domain_error(request, exc)
        return redirect("plan-detail", pk=pk)
    messages.success(request, _("本计划共有 %(count)d 个小区通知") % {"count": len(issued)})
    for late in issued.late:
        messages.warning(request, late.error.message)
    return HttpResponseRedirect(reverse("plan-detail", args=[pk]) + "#notices")


@require_GET
@requires(Capability.MANAGE_PLANS, Capability.RECORD_VISITS)
def community_notices(request):
    """The notices still to come that the caller may post: an inspector's own communities."""
    notices = community_notices_to_come(
        acting_user=request.user, plan_id=query_id(request.GET, "plan")
    )
    page = paginate(request, notices, per_page=30)
    return render(request, "inspection/community_notices.html", {"page": page})


@require_GET
@requires(Capability.MANAGE_PLANS, Capability.RECORD_VISITS)
def community_notice_pdf(request, pk: int):
    notice = community_notice_get(acting_user=request.user, pk=pk)
    if notice.document_id is None:
        raise Http404
    return attachment_response(
        notice.document,
        content_type="application/pdf",
        filename=f"安检通知-{notice.community}-{notice.first_day:%Y%m%d}.pdf",
    )


@require_POST
@requires(Capability.MANAGE_PLANS, Capability.RECORD_VISITS)
def community_notice_posting(request, pk: int):
    """The inspector (or lead) records the notice as posted, with an optional photo."""
    notice = community_notice_get(acting_user=request.user, pk=pk)
    if request.POST.get("back") == "plan":
        back = reverse("plan-detail", args=[notice.plan_id]) + f"#notice-{notice.pk}"
    else:
        back = reverse("community-notices") + f"#notice-{notice.pk}"
    form = NoticePostingForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return HttpResponseRedirect(back)
    try:
        community_notice_record_posting(
            acting_user=request.user,
            notice=notice,
            photo=form.cleaned_data["photo"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        message_domain_error(request, exc)
        return HttpResponseRedirect(back)
    messages.success(request, _("已登记张贴：%(community)s") % {"community": notice.community})
    return HttpResponseRedirect(back)


@require_GET
@requires(Capability.RECORD_VISITS)
def field_day(request):
    """The inspector's day: their tasks building by building, with what is still to do."""
    day = query_day(request.GET, "day") or timezone.localdate()
    tasks = list(inspector_day(acting_user=request.user, day=day))
    buildings: dict[tuple[str, str], list] = {}
    for task in tasks:
        buildings.setdefault((task.household.community, task.household.building), []).append(task)
    left = sum(task.status != task.Status.DONE for task in tasks)
    return render(
        request,
        "inspection/field_day.html",
        {
            "day": day,
            "buildings": buildings,
            "total": len(tasks),
            "left": left,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
        },
    )


@require_GET
@requires(Capability.RECORD_VISITS)
def visit_page(request, task_id: int):
    """The visit on the phone: start, outcome, checklist, hazards, meter, signature."""
    task = task_get(acting_user=request.user, pk=task_id)
    return _visit_page(request, task.household, task=task)


@require_GET
@requires(Capability.REVIEW_ABSENT)
def review_visit_page(request, visit_id):
    """A reviewer's visit to a household reported absent."""
    review = review_get(acting_user=request.user, absent_visit_id=visit_id)
    return _visit_page(request, review.absent_visit.household, reviewed=review.absent_visit)


def _visit_page(request, household, *, task=None, reviewed=None):
    context = visit_form_context(household=household, on=timezone.localdate())
    context.update(
        {
            "household": household,
            "task": task,
            "reviewed": reviewed,
            "setup": {
                **context["setup"],
                "taskId": task.pk if task else None,
                "taskStatus": task.status if task else None,
                "reviewedVisitId": str(reviewed.pk) if reviewed else None,
                "dayUrl": reverse("field-day"),
            },
        }
    )
    return render(request, "inspection/visit.html", context)


@require_GET
@requires(Capability.REVIEW_ABSENT)
def review_list(request):
    """The reviewer's queue of absent reports."""
    page = paginate(request, review_queue(acting_user=request.user), per_page=50)
    return render(request, "inspection/review_queue.html", {"page": page})


@require_GET
@requires(Capability.VIEW_HOUSEHOLDS)
def visit_detail(request, visit_id):
    """A visit as recorded: frozen evidence, its photos, its place in the ledger."""
    visit = visit_get(acting_user=request.user, pk=visit_id)
    return render(request, "inspection/visit_detail.html", visit_evidence(visit=visit))


@require_GET
@requires(Capability.VIEW_HOUSEHOLDS)
def missed_visit_notice(request, visit_id):
    """The 《到访不遇通知单》 of an absent visit, to print and post (RULES B7)."""
    visit = visit_get(acting_user=request.user, pk=visit_id)
    content = missed_visit_content(visit=visit)
    with translation.override("zh-hans"):  # paper for residents is in Chinese
        data = missed_visit_notice_pdf(content)
    day = timezone.localdate(visit.finished_at)
    return FileResponse(
        io.BytesIO(data),
        content_type="application/pdf",
        filename=f"到访不遇通知单-{visit.household.account_no}-{day:%Y%m%d}.pdf",
    )


@require_GET
@requires(Capability.VIEW_HOUSEHOLDS)
def household_visits(request, pk: int):
    """The household page's visit history (loaded into it by HTMX)."""
    household = household_get(acting_user=request.user, pk=pk)
    visits = household_visits_seen(acting_user=request.user, household=household)[:30]
    return render(request, "inspection/partials/household_visits.html", {"visits": visits})
