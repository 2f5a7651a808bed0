"""Household pages: a scoped, searchable list and a detail page with masked personal data."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ruhu.accounts.roles import Capability
from ruhu.accounts.selectors import branch_list
from ruhu.accounts.views import unmask_response
from ruhu.common.selectors import audit_for_object
from ruhu.common.web import paginate
from ruhu.premises.forms import HouseholdFilterForm
from ruhu.premises.selectors import appliance_list, household_get, household_list, meter_of


@require_GET
def households(request):
    form = HouseholdFilterForm(request.GET or None, branches=branch_list(acting_user=request.user))
    qs = household_list(acting_user=request.user, filters=form.to_filter())
    template = (
        "premises/partials/household_rows.html"
        if request.headers.get("HX-Request")
        else "premises/household_list.html"
    )
    return render(request, template, {"page": paginate(request, qs), "form": form})


@require_GET
def household_detail(request, pk: int):
    household = household_get(acting_user=request.user, pk=pk)
    return render(
        request,
        "premises/household_detail.html",
        {
            "household": household,
            "meter": meter_of(household),
            "appliances": appliance_list(household=household),
            "audit": audit_for_object(target=household)[:50],
            "can_unmask": request.user.can(Capability.UNMASK_PII),
        },
    )


@require_POST
def household_unmask(request, pk: int):
    household = household_get(acting_user=request.user, pk=pk)
    return unmask_response(request, household)
