"""Deny by default, and end web sessions after the policy's idle time."""

from __future__ import annotations

import time

from django.contrib.auth.middleware import LoginRequiredMiddleware

from ruhu.accounts.services import session_end
from ruhu.common.policy import policy_get

API_PREFIX = "/api/v1/"
SEEN_GRANULARITY = 30  # seconds between writes of last_seen, to spare the session store


class DenyByDefaultMiddleware(LoginRequiredMiddleware):
    """Every page needs a login unless its view is marked `login_not_required`.

    The JSON API answers 401 itself (its routers carry auth on every operation), so it is
    let through here rather than redirected to an HTML login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
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
