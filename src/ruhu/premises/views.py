"""Household pages: a scoped, searchable list and a detail page with masked personal data."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ruhu.accounts.roles import Capability
from ruhu.accounts.views import unmask_response
from ruhu.common.selectors import audit_for_object
from ruhu.common.web import paginate
from ruhu.premises.models import Category
from ruhu.premises.selectors import appliance_list, household_get, household_list, meter_of


@require_GET
def households(request):
    q = request.GET.get("q", "")
    category = request.GET.get("category", "")
    qs = household_list(acting_user=request.user, q=q, category=category)
    template = (
        "premises/partials/household_rows.html"
        if request.headers.get("HX-Request")
        else "premises/household_list.html"
    )
    return render(
        request,
        template,
        {
            "page": paginate(request, qs),
            "q": q,
            "category": category,
            "categories": Category.choices,
        },
    )


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
