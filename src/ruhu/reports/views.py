"""The home page per role: a small dashboard built from every app's selectors."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ruhu.accounts.roles import FIELD_ROLES, Capability, Role
from ruhu.accounts.selectors import token_list, user_list
from ruhu.common.access import signed_in
from ruhu.common.pagination import list_total
from ruhu.common.selectors import audit_by_actor, audit_list
from ruhu.facilities.selectors import facility_schedule
from ruhu.premises.selectors import household_list

HOME_TEMPLATES = {
    **{role: "reports/home_field.html" for role in FIELD_ROLES},
    Role.RECEPTION: "reports/home_front_desk.html",
    Role.SECURITY: "reports/home_front_desk.html",
    Role.HOST: "reports/home_front_desk.html",
}


@require_GET
@signed_in
def home(request):
    user = request.user
    context = {"tokens_live": [t for t in token_list(acting_user=user) if t.is_live]}
    if user.can(Capability.VIEW_AUDIT):
        context["recent"] = audit_list(acting_user=user)[:10]
    else:
        context["recent"] = audit_by_actor(acting_user=user)[:5]
    if user.can(Capability.VIEW_HOUSEHOLDS):
        # "10,000+", or about all of them for head office: never a count of millions per visit
        context["household_count"] = list_total(household_list(acting_user=user))
    if user.can(Capability.VIEW_STAFF):
        context["staff_count"] = user_list(acting_user=user, active=True).count()
    if user.can(Capability.MANAGE_FACILITIES):
        context["facilities_overdue"] = facility_schedule(acting_user=user, which="overdue").count()
    template = HOME_TEMPLATES.get(user.role, "reports/home_office.html")
    return render(request, template, context)
