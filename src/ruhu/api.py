"""The JSON API at /api/v1: token auth for devices, session auth (with CSRF) for the web.

Every operation requires authentication unless it says `auth=None`.

Every refusal is an ErrorOut ({"message", "code", "extra"}) and the schema declares each status
an operation can answer. Operations declare what their own code raises
(`response={200: X, (403, 404): ErrorOut}`: 403 a capability, 404 an object, 409 a conflict,
422 a rule, 429 a rate limit); `declare_framework_errors` adds what is answered around them:
400 a malformed request (NUL in the address, a body that does not parse), 401 no valid
credentials, 403 a session without its CSRF token (unsafe methods), 413 a body over the upload
limit, 422 input that does not validate, 503 a database that cannot be reached (with
Retry-After). An unexpected failure answers 500 in the same shape, undeclared.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Swagger
from ninja.constants import NOT_SET
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from ruhu.accounts.api import router as accounts_router
from ruhu.accounts.services import token_authenticate
from ruhu.common.access import access_of, declare_in_openapi, enforce_access
from ruhu.common.api import router as common_router
from ruhu.common.error_pages import (
    DATABASE_DOWN,
    DATABASE_RETRY_AFTER_SECONDS,
    database_unavailable_body,
    server_error_body,
)
from ruhu.common.errors import DomainError
from ruhu.common.schemas import ErrorOut
from ruhu.facilities.api import router as facilities_router
from ruhu.hazards.api import router as hazards_router
from ruhu.inspection.api import router as inspection_router
from ruhu.premises.api import router as premises_router

logger = logging.getLogger(__name__)


class DeviceTokenAuth(HttpBearer):
    openapi_description = "Device token from POST /api/v1/auth/token"

    def __call__(self, request):
        """ninja's HttpBearer without building `request.headers` (every header of the
        request, as a case-insensitive dict) to read one of them."""
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class StaffSessionAuth(SessionAuth):
    def _get_key(self, request):
        # Without a session cookie there is no session to ride on: no CSRF check, and the
        # caller hears 401 (no credentials) rather than a CSRF 403.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class NulInBody(ValueError):
    def __init__(self, loc: tuple) -> None:
        super().__init__("text must not contain NUL characters")
        self.loc = loc


def _nul_at(value, loc: tuple = ()) -> tuple | None:
    """Where decoded JSON first holds a NUL character, or None."""
    if isinstance(value, str):
        return loc if "\x00" in value else None
    if isinstance(value, dict):
        children = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    else:
        return None
    for key, item in children:
        if isinstance(key, str) and "\x00" in key:
            return (*loc, key)
        found = _nul_at(item, (*loc, key))
        if found is not None:
            return found
    return None


class JsonWithoutNul(Parser):
    """ninja's JSON bodies, refused when they hold a NUL: no database column can store one
    (RejectNulMiddleware refuses it in the address)."""

    def parse_body(self, request):
        data = super().parse_body(request)
        # JSON can carry a NUL only as the escape \u0000 (json.loads refuses a raw control
        # character in a string): a UTF-8 body without that text needs no walk (UTF-16 and
        # UTF-32, which json.loads reads too, have zero bytes in every character; 0033)
        if b"\\u0000" not in request.body and b"\x00" not in request.body:
            return data
        loc = _nul_at(data)
        if loc is not None:
            raise NulInBody(loc)
        return data


api = NinjaAPI(
    title="Ruhu API",
    version="1",
    urls_namespace="api",
    auth=[DeviceTokenAuth(), StaffSessionAuth()],
    docs_url="/docs",
    # Swagger UI from ninja's static files ("ninja" in INSTALLED_APPS), not a CDN; no badge
    # asking the public validator about our schema either.
    docs=Swagger(settings={"validatorUrl": None}),
    parser=JsonWithoutNul(),
)


def _error(request, status: int, message: str, code: str, extra: dict | None = None):
    return api.create_response(
        request, {"message": message, "code": code, "extra": extra or {}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    response = _error(request, exc.status, exc.message, exc.code, exc.extra)
    if "retry_after" in exc.extra:  # 429 and 503 say when to come back
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, _("未找到该记录"), "not_found")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, _("需要登录或有效的设备令牌"), "unauthenticated")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    """Ninja's own refusals (a body that is not JSON, …) in the same shape as ours."""
    if isinstance(exc.__cause__, NulInBody):  # ninja answers every parser error with a 400
        error = {"loc": ["body", *exc.__cause__.loc], "msg": str(exc.__cause__)}
        return _error(request, 422, _("请求数据不合法"), "invalid_input", {"errors": [error]})
    code = "bad_request" if exc.status_code == 400 else "http_error"
    return _error(request, exc.status_code, str(exc), code)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request, exc):
    return _error(request, 413, _("请求数据过大"), "request_too_large")


@api.exception_handler(NinjaValidationError)
def on_invalid(request, exc: NinjaValidationError):
    return _error(request, 422, _("请求数据不合法"), "invalid_input", {"errors": exc.errors})


def on_database_down(request, exc: Exception):
    logger.error("database unavailable at %s", request.path, exc_info=exc)
    response = api.create_response(request, database_unavailable_body(), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


for database_error in DATABASE_DOWN:
    api.add_exception_handler(database_error, on_database_down)


@api.exception_handler(Exception)
def on_unexpected(request, exc: Exception):
    """Whatever no handler above expected: logged with its traceback, answered in our shape."""
    logger.error("unexpected error at %s", request.path, exc_info=exc)
    return api.create_response(request, server_error_body(), status=500)


UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BODY_SOURCES = {"body", "form", "file"}


def framework_statuses(operation) -> set[int]:
    """What ninja and the middleware may answer for `operation` before or around its view."""
    # 400: a NUL anywhere in the address, a body that does not parse; 503: the database is
    # down, which any operation can meet. 500 is left undeclared: it is never a promised answer
    # (the schema test counts every 5xx a failure) though it comes in the same shape.
    statuses = {400, 503}
    sources = {model.__ninja_param_source__ for model in operation.models}
    if sources:
        statuses.add(422)
    if sources & BODY_SOURCES:
        statuses.add(413)
    access = access_of(operation.view_func)
    if access is not None and access.capabilities:  # enforce_access refuses the others
        statuses.add(403)
    if operation.auth_param is not None:  # NOT_SET inherits the API's authentication
        statuses.add(401)
        auth = api.auth if operation.auth_param is NOT_SET else operation.auth_param
        if set(operation.methods) & UNSAFE_METHODS and any(
            isinstance(callback, StaffSessionAuth) for callback in auth
        ):
            statuses.add(403)
    return statuses


def declare_framework_errors(router: Router) -> None:
    for path_view in router.path_operations.values():
        for operation in path_view.operations:
            for status in framework_statuses(operation) - set(operation.response_models):
                # the same wrapping ninja gives every model of a `response={...}` dict
                operation.response_models[status] = operation._create_response_model(ErrorOut)


ROUTERS = (
    accounts_router,
    common_router,
    premises_router,
    hazards_router,
    inspection_router,
    facilities_router,
)
for router in ROUTERS:
    declare_framework_errors(router)
    api.add_router("/", router)
# each operation declares what it needs (ruhu.common.access): enforced, and in the schema
declare_in_openapi(ROUTERS)
api.add_decorator(enforce_access, mode="operation")
