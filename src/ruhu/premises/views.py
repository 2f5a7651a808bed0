"""Household pages: a scoped, searchable list and a detail page with masked personal data."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruhu.accounts.roles import Capability
from ruhu.accounts.selectors import branch_list
from ruhu.accounts.views import unmask_response
from ruhu.common.access import requires
from ruhu.common.errors import DomainError
from ruhu.common.importing.web import import_job_page, import_report_response
from ruhu.common.pagination import COUNT_CAP
from ruhu.common.search import search_page
from ruhu.common.selectors import audit_for_object
from ruhu.common.web import add_domain_error, paginate
from ruhu.premises.forms import HouseholdFilterForm, ImportForm
from ruhu.premises.selectors import (
    appliance_list,
    household_get,
    household_list,
    import_job_get,
    import_job_list,
)
from ruhu.premises.services import import_job_create

HOUSEHOLDS_PER_PAGE = 50


@search_page
@requires(Capability.VIEW_HOUSEHOLDS)
def households(request):
    form = HouseholdFilterForm(
        request.search or None, branches=branch_list(acting_user=request.user)
    )
    qs = household_list(acting_user=request.user, filters=form.to_filter())
    template = (
        "premises/partials/household_rows.html"
        if request.headers.get("HX-Request")
        else "premises/household_list.html"
    )
    return render(
        request,
        template,
        {
            "page": paginate(request, qs, per_page=HOUSEHOLDS_PER_PAGE, cap=COUNT_CAP),
            "form": form,
            "can_import": request.user.can(Capability.IMPORT_HOUSEHOLDS),
        },
    )


@require_GET
@requires(Capability.VIEW_HOUSEHOLDS)
def household_detail(request, pk: int):
    household = household_get(acting_user=request.user, pk=pk)
    return render(
        request,
        "premises/household_detail.html",
        {
            "household": household,
            "appliances": appliance_list(household=household),
            "audit": audit_for_object(target=household)[:50],
            "can_unmask": request.user.can(Capability.UNMASK_PII),
        },
    )


@require_POST
@requires(Capability.VIEW_HOUSEHOLDS)
def household_unmask(request, pk: int):
    household = household_get(acting_user=request.user, pk=pk)
    return unmask_response(request, household)


@require_http_methods(["GET", "POST"])
@requires(Capability.IMPORT_HOUSEHOLDS)
def household_import_page(request):
    jobs = import_job_list(acting_user=request.user)[:10]
    form = ImportForm(
        request.POST or None, request.FILES or None, branches=branch_list(acting_user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                acting_user=request.user,
                branch=form.cleaned_data["branch"],
                mode=form.cleaned_data["mode"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("household-import-job", pk=job.pk)
    return render(
        request,
        "premises/import.html",
        {"form": form, "jobs": jobs},
        status=422 if form.errors else 200,
    )


@require_GET
@requires(Capability.IMPORT_HOUSEHOLDS)
def household_import_job(request, pk):
    job = import_job_get(acting_user=request.user, pk=pk)
    return import_job_page(
        request,
        job,
        template="premises/import_job.html",
        status_url=reverse("household-import-job", args=[job.pk]),
        report_url=reverse("household-import-report", args=[job.pk]),
    )


@require_GET
@requires(Capability.IMPORT_HOUSEHOLDS)
def household_import_report(request, pk):
    job = import_job_get(acting_user=request.user, pk=pk)
    return import_report_response(job, name="import-report")
