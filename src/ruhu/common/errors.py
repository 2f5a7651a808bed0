"""Domain errors: raised by services; HTTP 409/422 in the API, form errors on the web."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the request. Subclasses set the code and HTTP status."""

    code = "domain_error"
    status = 422

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "code": self.code, "extra": self.extra}


class ValidationFailed(DomainError):
    """The input is well-formed but breaks a rule (422)."""

    code = "validation_failed"
    status = 422


class Conflict(DomainError):
    """The request conflicts with the current state: an illegal transition, a duplicate (409)."""

    code = "conflict"
    status = 409


class IllegalTransition(Conflict):
    code = "illegal_transition"


class PermissionRefused(DomainError):
    """The acting user may not do this (403)."""

    code = "permission_refused"
    status = 403


class PolicyMissing(DomainError):
    code = "policy_missing"
    status = 422


class NotFound(DomainError):
    """Absent, or outside the acting user's scope: both answer 404 so ids leak nothing."""

    code = "not_found"
    status = 404


class RateLimited(DomainError):
    """Too many requests in a window: try again after `extra["retry_after"]` seconds (429)."""

    code = "rate_limited"
    status = 429


class Unavailable(DomainError):
    """A service the request needs cannot be reached; refused rather than unchecked (503)."""

    code = "unavailable"
    status = 503
