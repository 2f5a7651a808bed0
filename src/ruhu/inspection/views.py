"""Pages of the inspection domain."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruhu.accounts.roles import Capability
from ruhu.accounts.selectors import branch_list
from ruhu.common.errors import DomainError
from ruhu.common.scoping import require
from ruhu.common.selectors import audit_for_object
from ruhu.common.web import add_domain_error, message_domain_error, paginate
from ruhu.inspection.forms import PlanGenerateForm, TrainingForm
from ruhu.inspection.models import TrainingTopic
from ruhu.inspection.selectors import (
    plan_get,
    plan_list,
    plan_loads,
    plan_tasks,
    plan_unplanned,
    qualifications,
    trainable_inspectors,
    training_record_list,
)
from ruhu.inspection.services import (
    plan_approve,
    plan_generate,
    plan_generate_year,
    training_record_create,
)


@require_http_methods(["GET", "POST"])
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
def plan_detail(request, pk: int):
    """A plan's summary, each inspector's load, their day-by-day tasks, the unplanned."""
    plan = plan_get(acting_user=request.user, pk=pk)
    loads = plan_loads(plan=plan)
    chosen = request.GET.get("inspector", "")
    inspector_id = int(chosen) if chosen.isdigit() else None
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
        },
    )


@require_POST
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
def plan_unplanned_list(request, pk: int):
    plan = plan_get(acting_user=request.user, pk=pk)
    page = paginate(request, plan_unplanned(plan=plan), per_page=100)
    return render(request, "inspection/plan_unplanned.html", {"plan": plan, "page": page})
