"""Web pages for signing in and out, the home page per role, devices and the staff directory."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruhu.accounts import selectors, services
from ruhu.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    ReasonForm,
    StaffCreateForm,
    TokenForm,
    UnmaskForm,
)
from ruhu.accounts.roles import Capability, Role
from ruhu.common.access import requires, signed_in
from ruhu.common.errors import DomainError
from ruhu.common.pii import pii_unmask
from ruhu.common.scoping import require
from ruhu.common.selectors import audit_for_object
from ruhu.common.web import add_domain_error, message_domain_error, paginate, pass_through


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_check(
                request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            services.session_start(request, user)
            return redirect(_safe_next(request))
    expired = request.GET.get("expired") == "1"
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", ""), "expired": expired},
        status=401 if form.errors else 200,
    )


@require_POST
@signed_in
def logout_view(request):
    services.session_end(request)
    return redirect("login")


@require_http_methods(["GET", "POST"])
@signed_in
def tokens(request):
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        _token, created = services.token_issue(
            acting_user=request.user, user=request.user, name=form.cleaned_data["name"]
        )
        form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": selectors.token_list(acting_user=request.user),
        },
    )


@require_POST
@signed_in
def token_revoke(request, pk: int):
    token = selectors.token_get(acting_user=request.user, pk=pk)
    try:
        services.token_revoke(acting_user=request.user, token=token)
        messages.success(request, _("令牌已吊销"))
    except DomainError as exc:
        message_domain_error(request, exc)
    return redirect("tokens")


@require_GET
@requires(Capability.VIEW_STAFF)
def staff_list(request):
    qs = selectors.user_list(
        acting_user=request.user, q=request.GET.get("q", ""), role=request.GET.get("role", "")
    )
    return render(
        request,
        "accounts/staff_list.html",
        {
            "page": paginate(request, qs),
            "can_manage": request.user.can(Capability.MANAGE_STAFF),
            "roles": Role.choices,
            "q": request.GET.get("q", ""),
            "role": request.GET.get("role", ""),
        },
    )


def _staff_context(request, user, **extra):
    return {
        "person": user,
        "audit": audit_for_object(target=user)[:50],
        "can_manage": request.user.can(Capability.MANAGE_STAFF),
        "can_unmask": request.user.can(Capability.UNMASK_PII),
        "deactivate_form": ReasonForm(),
        **extra,
    }


@require_GET
@requires(Capability.VIEW_STAFF)
def staff_detail(request, pk: int):
    person = selectors.user_get(acting_user=request.user, pk=pk)
    return render(request, "accounts/staff_detail.html", _staff_context(request, person))


@require_POST
@requires(Capability.MANAGE_STAFF)
def staff_deactivate(request, pk: int):
    person = selectors.user_get(acting_user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.user_deactivate(
                acting_user=request.user, user=person, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("账号已停用，会话和设备令牌已失效"))
            return redirect("staff-detail", pk=pk)
        except DomainError as exc:
            add_domain_error(form, exc)
    context = _staff_context(request, person, deactivate_form=form)
    return render(request, "accounts/staff_detail.html", context, status=422)


@require_POST
@requires(Capability.VIEW_STAFF)
def staff_unmask(request, pk: int):
    person = selectors.user_get(acting_user=request.user, pk=pk)
    return unmask_response(request, person)


def unmask_response(request, target):
    """Shared by every page with masked fields: the value, or the form with its error."""
    form = UnmaskForm(request.POST)
    value, error = None, None
    if form.is_valid():
        try:
            value = pii_unmask(
                acting_user=request.user,
                target=target,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            pass_through(exc)
            error = exc.message
    else:
        error = _("请填写查看原因")
    context = {
        "value": value,
        "error": error,
        "field": request.POST.get("field", ""),
        "target": target,
        "action": request.path,
        "back_url": request.path.removesuffix("unmask/"),
    }
    # HTMX swaps the fragment in place; a plain form post (no JavaScript) gets a whole page.
    template = (
        "partials/unmask_result.html" if request.headers.get("HX-Request") else "unmask_page.html"
    )
    return render(request, template, context, status=200 if value is not None else 422)


def _grantable_roles(acting_user) -> list[tuple[str, str]]:
    return [(v, label) for v, label in Role.choices if v != Role.ADMIN or acting_user.is_superuser]


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_STAFF)
def staff_create(request):
    require(request.user, Capability.MANAGE_STAFF)
    form = StaffCreateForm(
        request.POST or None,
        roles=_grantable_roles(request.user),
        org_units=selectors.org_unit_choices(acting_user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = services.user_create(acting_user=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("员工账号已创建"))
            return redirect("staff-detail", pk=person.pk)
    return render(
        request, "accounts/staff_form.html", {"form": form}, status=422 if form.errors else 200
    )


@require_POST
@requires(Capability.MANAGE_STAFF)
def staff_reactivate(request, pk: int):
    person = selectors.user_get(acting_user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写恢复原因"))
        return redirect("staff-detail", pk=pk)
    try:
        services.user_reactivate(
            acting_user=request.user, user=person, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("账号已恢复"))
    except DomainError as exc:
        message_domain_error(request, exc)
    return redirect("staff-detail", pk=pk)


@require_http_methods(["GET", "POST"])
@signed_in
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not request.user.check_password(form.cleaned_data["old_password"]):
            form.add_error("old_password", _("当前密码不正确"))
        else:
            try:
                services.user_set_password(
                    acting_user=request.user,
                    user=request.user,
                    password=form.cleaned_data["new_password"],
                )
            except DomainError as exc:
                form.add_error("new_password", exc.message)
            else:
                update_session_auth_hash(request, request.user)
                messages.success(request, _("密码已修改"))
                return redirect("home")
    return render(
        request, "accounts/password_change.html", {"form": form}, status=422 if form.errors else 200
    )
