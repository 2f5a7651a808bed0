"""Deny by default, hold a user to the password page until they set their own password,
and end web sessions after the policy's idle time."""

from __future__ import annotations

import time

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ruhu.accounts.services import session_end
from ruhu.common.policy import policy_get

API_PREFIX = "/api/v1/"
SEEN_GRANULARITY = 30  # seconds between writes of last_seen, to spare the session store


def password_change_allowed(view_func):
    """Mark a view a user may open while they must still replace a one-time password."""
    view_func.password_change_allowed = True
    return view_func


def _password_change_pending(request, view_func):
    """A user with a one-time password reaches only the password page, logout and public
    pages: the web redirects there, the API answers 403 with a code a device can act on."""
    user = request.user
    if not (user.is_authenticated and user.must_change_password):
        return None
    if getattr(view_func, "password_change_allowed", False):
        return None
    if not getattr(view_func, "login_required", True):  # public pages stay public
        return None
    if request.path.startswith(API_PREFIX):
        body = {"message": _("请先修改初始密码"), "code": "password_change_required", "extra": {}}
        return JsonResponse(body, status=403, json_dumps_params={"ensure_ascii": False})
    return redirect("password-change")


class DenyByDefaultMiddleware(LoginRequiredMiddleware):
    """Every page needs a login unless its view is marked `login_not_required`.

    The JSON API answers 401 itself (its routers carry auth on every operation), so it is
    let through here rather than redirected to an HTML login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        pending = _password_change_pending(request, view_func)
        if pending is not None:
            return pending
        operation = request.path.removeprefix(API_PREFIX)
        if (
            request.path.startswith(API_PREFIX)
            and operation  # the API root is not an operation: it needs a login like a page
            and not operation.startswith(("docs", "openapi.json"))
        ):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request, view_func):
        response = super().handle_no_permission(request, view_func)
        if getattr(request, "session_expired", False):  # the login page says why
            location = response["Location"]
            response["Location"] = location + ("&" if "?" in location else "?") + "expired=1"
        return response


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "last_seen" in request.session:
            now = int(time.time())
            last_seen = int(request.session["last_seen"])
            idle = int(policy_get("auth.session_idle_minutes", branch=user.branch_id)) * 60
            if now - last_seen > idle:
                session_end(request)
                request.session_expired = True
            elif now - last_seen >= SEEN_GRANULARITY:
                request.session["last_seen"] = now
        return self.get_response(request)
