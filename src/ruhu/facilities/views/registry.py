"""The registry of station facilities (场站设施台账): the filtered list, registering and
editing a facility, retiring it and bringing it back.

A refused write changes nothing: a form re-renders with the service's message (422), the
retire step redirects back to the record card with it as a message."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruhu.accounts.roles import Capability
from ruhu.accounts.selectors import branch_list
from ruhu.common.access import requires
from ruhu.common.errors import DomainError
from ruhu.common.scoping import require
from ruhu.common.web import FormRefused, add_domain_error, form_data, message_domain_error, paginate
from ruhu.facilities import forms
from ruhu.facilities.selectors import checkers, facility_get, facility_list
from ruhu.facilities.services import facility_create, facility_set_active, facility_update
from ruhu.facilities.views.rows import registry_rows


@require_GET
@requires(Capability.VIEW_FACILITIES)
def registry(request):
    """场站设施台账: every facility in scope, filtered, with when each is next due."""
    user = request.user
    form = forms.FacilityFilterForm(request.GET or None, branches=branch_list(acting_user=user))
    page = paginate(request, facility_list(acting_user=user, filters=form.to_filter()))
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
            "rows": registry_rows(page, on=timezone.localdate()),
            "many_branches": user.is_head_office,
            "may_manage": manage,
            "may_import": manage,
        },
    )


def _facility_form(request, *, facility=None):
    user = request.user
    initial = {}
    if facility is not None:
        initial = {name: getattr(facility, name) for name in forms.FacilityForm.base_fields}
    return forms.FacilityForm(
        request.POST or None,
        initial=initial,
        branches=branch_list(acting_user=user) if user.is_head_office else None,
        people=checkers(acting_user=user).select_related("branch"),
        creating=facility is None,
        branch_id=facility.branch_id if facility is not None else user.branch_id,
    )


def _form_page(request, form, facility):
    status = 422 if form.errors else 200
    context = {"form": form, "facility": facility}
    return render(request, "facilities/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_FACILITIES)
def facility_new(request):
    """新增设施: branch staff register into their branch, head office chooses one."""
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
    return _form_page(request, form, None)


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
    return _form_page(request, form, facility)


@require_POST
@requires(Capability.MANAGE_FACILITIES)
def facility_active(request, pk: int):
    """Retire a facility (removed, replaced) or bring it back, with the reason."""
    facility = facility_get(acting_user=request.user, pk=pk)
    require(request.user, Capability.MANAGE_FACILITIES)
    try:
        data = form_data(forms.ActiveForm(request.POST))
        facility_set_active(
            acting_user=request.user,
            facility=facility,
            active=data["active"],
            reason=data["reason"],
        )
    except FormRefused as exc:
        messages.error(request, exc.message)
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        done = _("%(code)s 已恢复使用") if data["active"] else _("%(code)s 已停用")
        messages.success(request, done % {"code": facility.code})
    return redirect("facility-detail", pk=pk)
