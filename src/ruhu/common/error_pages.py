"""What a request answers when it failed unexpectedly (Django's handler500): a database that
cannot be reached is 503 with Retry-After, anything else 500; both in the API's error shape
under /api/ and as a self-contained page elsewhere. The page needs no request context, no
session and no database, so it renders whatever broke."""

from __future__ import annotations

import sys

from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# Both engines raise these (through Django's wrappers) when the server is down or the
# connection was lost; an IntegrityError and the like stay ordinary 500s.
DATABASE_DOWN = (OperationalError, InterfaceError)
# Not a policy value: policies are read from the database this answer says is unreachable.
DATABASE_RETRY_AFTER_SECONDS = 30


def server_error_body() -> dict:
    return {"message": _("服务器内部错误"), "code": "server_error", "extra": {}}


def database_unavailable_body() -> dict:
    message = _("数据库暂时不可用，请稍后再试")
    return {"message": message, "code": "database_unavailable", "extra": {}}


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls handler500 inside the `except` that caught the failure.
    database_down = isinstance(sys.exc_info()[1], DATABASE_DOWN)
    status = 503 if database_down else 500
    if request.path.startswith("/api/"):
        body = database_unavailable_body() if database_down else server_error_body()
        response: HttpResponse = JsonResponse(body, status=status)
    else:
        html = render_to_string(f"{status}.html", {"back": _same_site_referer(request)})
        response = HttpResponse(html, status=status)
    if database_down:
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def _same_site_referer(request: HttpRequest) -> str | None:
    """The page the user came from, for "返回上一页", when it is one of ours."""
    referer = request.headers.get("Referer", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    allowed = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    )
    return referer if allowed else None
