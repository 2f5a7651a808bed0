"""A facility's record card (卡片记录): on screen with its registry data, due status and
every check and repair job, as a PDF to print, and the after-photos of its repairs."""

from __future__ import annotations

import io

from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.selectors import audit_for_object
from ruhu.common.web import attachment_response, paginate
from ruhu.facilities.checklist import has_safety_valve, takes_pressures
from ruhu.facilities.documents import facility_card_pdf
from ruhu.facilities.selectors import (
    facility_card,
    facility_due_of,
    facility_get,
    facility_history,
    facility_open_task,
    facility_repair_photo,
    facility_repairs,
)
from ruhu.facilities.views.rows import check_rows, repair_rows

CHECKS_PER_PAGE = 50
REPAIRS_PER_PAGE = 30


@require_GET
@requires(Capability.VIEW_FACILITIES)
def detail(request, pk: int):
    """卡片记录: the facility's registry data, due status and every check and repair."""
    user, today = request.user, timezone.localdate()
    facility = facility_get(acting_user=user, pk=pk)
    checks = paginate(request, facility_history(facility=facility), per_page=CHECKS_PER_PAGE)
    repairs = Paginator(facility_repairs(facility=facility), REPAIRS_PER_PAGE).get_page(
        request.GET.get("repairs_page")
    )
    due = facility_due_of(facility, on=today)
    valve_until = facility.safety_valve_valid_until
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
            "valve_lapsed": valve_until is not None and valve_until < today,
            "task": facility_open_task(facility=facility),
            "checks": checks,
            "check_rows": check_rows(checks),
            "repairs": repairs,
            "repair_rows": repair_rows(repairs, on=today),
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
    with translation.override("zh-hans"):  # the card on file is in Chinese
        data = facility_card_pdf(facility_card(facility=facility, on=today))
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
    return attachment_response(facility_repair_photo(facility=facility, pk=repair_pk))
