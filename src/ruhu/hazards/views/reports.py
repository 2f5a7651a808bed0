"""The month's call recordings, the rectification rates and the month-end packages."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.errors import DomainError
from ruhu.common.web import add_domain_error
from ruhu.hazards import forms
from ruhu.hazards.models import Level
from ruhu.hazards.selectors import (
    HEARERS,
    calls_in_month,
    packages_visible,
    rectification_rates,
)

CALLS_PER_PAGE = 50
PACKAGES_PER_PAGE = 24


@require_GET
@requires(*HEARERS)
def recordings(request):
    """The month's follow-up calls and their recordings, kept together (§5 ⑤⑥)."""
    this_month = timezone.localdate().replace(day=1)
    form = forms.MonthForm(request.GET or None, initial={"month": this_month})
    month = form.cleaned_data["month"] if form.is_bound and form.is_valid() else this_month
    calls = calls_in_month(acting_user=request.user, month=month)
    page = Paginator(calls, CALLS_PER_PAGE).get_page(request.GET.get("page"))
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


@require_GET
@requires(Capability.VIEW_HAZARDS)
def rates(request):
    """Rectification rates per level and branch for a period, against their targets."""
    start, end = forms.PeriodForm.default_period()
    form = forms.PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        branches = rectification_rates(acting_user=request.user, start=start, end=end)
        totals = rectification_rates(
            acting_user=request.user, start=start, end=end, by_branch=False
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        branches, totals = [], []
    levels = [
        {
            "level": level,
            "label": level.label,
            "rows": [r for r in branches if r.level == level],
            "total": next((r for r in totals if r.level == level), None),
        }
        for level in Level
    ]
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


@require_GET
@requires(*HEARERS)
def packages(request):
    """The month-end packages for safety supervision and the authority (PDF and XLSX)."""
    page = Paginator(packages_visible(acting_user=request.user), PACKAGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "hazards/packages.html", {"page": page})
