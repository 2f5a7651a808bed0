"""Web pages for signing in and out, the home page per role, devices and the staff directory."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruhu.accounts import selectors, services
from ruhu.accounts.forms import (
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    ReasonForm,
    RoleForm,
    StaffCreateForm,
    TokenForm,
    UnmaskForm,
)
from ruhu.accounts.middleware import password_change_allowed
from ruhu.accounts.roles import Capability, Role
from ruhu.common.access import requires, signed_in
from ruhu.common.errors import DomainError
from ruhu.common.pii import pii_unmask
from ruhu.common.scoping import require
from ruhu.common.search import search_page
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
            previous_login = user.last_login
            services.session_start(request, user)
            _tell_role_changes(request, user, since=previous_login)
            return redirect(_safe_next(request))
    expired = request.GET.get("expired") == "1"
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", ""), "expired": expired},
        status=401 if form.errors else 200,
    )


def _tell_role_changes(request, user, *, since) -> None:
    for event in selectors.role_changes_since(user=user, since=since):
        messages.info(request, services.role_change_text(event))


@password_change_allowed
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
    idle_days, max_days = selectors.token_lifetime_days(user=request.user)
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": selectors.token_list(acting_user=request.user),
            "idle_days": idle_days,
            "max_days": max_days,
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


@search_page
@requires(Capability.VIEW_STAFF)
def staff_list(request):
    q, role = request.search.get("q", ""), request.search.get("role", "")
    qs = selectors.user_list(acting_user=request.user, q=q, role=role)
    return render(
        request,
        "accounts/staff_list.html",
        {
            "page": paginate(request, qs),
            "can_manage": request.user.can(Capability.MANAGE_STAFF),
            "roles": Role.choices,
            "q": q,
            "role": role,
        },
    )


def _staff_context(request, user, **extra):
    roles = selectors.grantable_roles(acting_user=request.user)
    return {
        "person": user,
        "audit": audit_for_object(target=user)[:50],
        "can_manage": request.user.can(Capability.MANAGE_STAFF),
        "can_grant": selectors.staff_may_grant(acting_user=request.user, user=user),
        "can_unmask": request.user.can(Capability.UNMASK_PII),
        "deactivate_form": ReasonForm(),
        "role_form": RoleForm(roles=roles, initial={"role": user.role}),
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


def _credentials_page(request, person, one_time_password: str, *, created: bool):
    """The one-time password, shown this once and never cached: nowhere else holds it."""
    context = {
        "person": person,
        "one_time_password": one_time_password,
        "created": created,
        "valid_hours": services.first_login_hours(person),
    }
    return render(request, "accounts/staff_credentials.html", context)


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


@never_cache
@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_STAFF)
def staff_create(request):
    require(request.user, Capability.MANAGE_STAFF)
    form = StaffCreateForm(
        request.POST or None,
        roles=selectors.grantable_roles(acting_user=request.user),
        org_units=selectors.org_unit_choices(acting_user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            person, one_time_password = services.user_enrol(
                acting_user=request.user, site_url=_site_url(request), **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if one_time_password:
                return _credentials_page(request, person, one_time_password, created=True)
            messages.success(request, _("员工账号已创建，邀请链接已发送到员工邮箱"))
            return redirect("staff-detail", pk=person.pk)
    return render(
        request, "accounts/staff_form.html", {"form": form}, status=422 if form.errors else 200
    )


@require_POST
@requires(Capability.MANAGE_STAFF)
def staff_role(request, pk: int):
    person = selectors.user_get(acting_user=request.user, pk=pk)
    form = RoleForm(request.POST, roles=selectors.grantable_roles(acting_user=request.user))
    if not form.is_valid():
        messages.error(request, _("请选择您可以授予的角色"))
        return redirect("staff-detail", pk=pk)
    if form.cleaned_data["role"] == person.role:
        return redirect("staff-detail", pk=pk)
    try:
        services.user_update(acting_user=request.user, user=person, role=form.cleaned_data["role"])
        messages.success(request, _("角色已调整，该员工的设备令牌已失效，并会收到通知"))
    except DomainError as exc:
        message_domain_error(request, exc)
    return redirect("staff-detail", pk=pk)


@never_cache
@require_POST
@requires(Capability.MANAGE_STAFF)
def staff_password_reset(request, pk: int):
    person = selectors.user_get(acting_user=request.user, pk=pk)
    try:
        one_time_password = services.user_password_reset(acting_user=request.user, user=person)
    except DomainError as exc:
        message_domain_error(request, exc)
        return redirect("staff-detail", pk=pk)
    return _credentials_page(request, person, one_time_password, created=False)


@require_POST
@requires(Capability.MANAGE_STAFF)
def staff_invite(request, pk: int):
    person = selectors.user_get(acting_user=request.user, pk=pk)
    try:
        services.user_invite(acting_user=request.user, user=person, site_url=_site_url(request))
        messages.success(request, _("邀请链接已发送到员工邮箱，原密码已失效"))
    except DomainError as exc:
        message_domain_error(request, exc)
    return redirect("staff-detail", pk=pk)


INVITATION_SESSION_KEY = "invitation_token"
INVITATION_SET_PASSWORD = "set-password"


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    """Set a first password from an e-mailed link.

    As in Django's password reset, the token moves from the URL into the session at once, so
    the page the user works on (and its Referer) never carries it.
    """
    if token != INVITATION_SET_PASSWORD:
        request.session[INVITATION_SESSION_KEY] = token
        return redirect("invitation", token=INVITATION_SET_PASSWORD)
    token = request.session.get(INVITATION_SESSION_KEY, "")
    try:
        person = services.invitation_user(token)
    except DomainError as exc:
        return render(request, "accounts/invitation.html", {"error": exc.message}, status=410)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_invitation_accept(token=token, password=form.cleaned_data["new_password"])
        except DomainError as exc:
            form.add_error("new_password", exc.message)
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            messages.success(request, _("密码已设置，请登录"))
            return redirect("login")
    return render(
        request,
        "accounts/invitation.html",
        {"form": form, "person": person},
        status=422 if form.errors else 200,
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


@password_change_allowed
@require_http_methods(["GET", "POST"])
@signed_in
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refused = _current_password_refusal(request, form.cleaned_data["old_password"])
        if refused:
            form.add_error("old_password", refused)
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
    context = {
        "form": form,
        "rules": password_validators_help_texts(),
        "must_change": request.user.must_change_password,
    }
    status = 422 if form.errors else 200
    return render(request, "accounts/password_change.html", context, status=status)


def _current_password_refusal(request, password: str) -> str | None:
    """The current password goes through the login throttle: a wrong one counts against the
    account (and the address), and a locked account's attempts are refused."""
    try:
        username = request.user.get_username()
        user = services.login_check(request, username=username, password=password)
    except services.LoginFailed:
        return _("当前密码不正确")
    except DomainError as exc:  # locked, or the throttle's store is down
        return exc.message
    return None if user.pk == request.user.pk else _("当前密码不正确")
