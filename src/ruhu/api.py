"""The JSON API at /api/v1: token auth for devices, session auth (with CSRF) for the web.

Every operation requires authentication unless it says `auth=None`.
"""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from ruhu.accounts.api import router as accounts_router
from ruhu.accounts.services import token_authenticate
from ruhu.common.access import declare_in_openapi, enforce_access
from ruhu.common.api import router as common_router
from ruhu.common.errors import DomainError
from ruhu.facilities.api import router as facilities_router
from ruhu.hazards.api import router as hazards_router
from ruhu.inspection.api import router as inspection_router
from ruhu.premises.api import router as premises_router


class DeviceTokenAuth(HttpBearer):
    openapi_description = "Device token from POST /api/v1/auth/token"

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class StaffSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api = NinjaAPI(
    title="Ruhu API",
    version="1",
    urls_namespace="api",
    auth=[DeviceTokenAuth(), StaffSessionAuth()],
    docs_url="/docs",
    # Swagger UI from ninja's static files ("ninja" in INSTALLED_APPS), not a CDN; no badge
    # asking the public validator about our schema either.
    docs=Swagger(settings={"validatorUrl": None}),
)


def _error(request, status: int, message: str, code: str, extra: dict | None = None):
    return api.create_response(
        request, {"message": message, "code": code, "extra": extra or {}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.message, exc.code, exc.extra)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "未找到该记录", "not_found")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, "需要登录或有效的设备令牌", "unauthenticated")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    """Ninja's own refusals (a body that is not JSON, …) in the same shape as ours."""
    code = "bad_request" if exc.status_code == 400 else "http_error"
    return _error(request, exc.status_code, str(exc), code)


@api.exception_handler(NinjaValidationError)
def on_invalid(request, exc: NinjaValidationError):
    return _error(request, 422, "请求数据不合法", "invalid_input", {"errors": exc.errors})


ROUTERS = (
    accounts_router,
    common_router,
    premises_router,
    hazards_router,
    inspection_router,
    facilities_router,
)
for router in ROUTERS:
    api.add_router("/", router)
# each operation declares what it needs (ruhu.common.access): enforced, and in the schema
declare_in_openapi(ROUTERS)
api.add_decorator(enforce_access, mode="operation")
