"""Domain errors: raised by services; HTTP 409/422 in the API, form errors on the web.

The message is for the person who made the request, in their language: write it in Chinese
inside `gettext` (`_("…")`, named placeholders `%(name)s` filled with `%`, never an
f-string), with its English in the locale's django.po. It is rendered when the error is
made, in the language the request activated (LocaleMiddleware), so `message` is always a
plain `str`; a job or command outside a request speaks LANGUAGE_CODE (zh-hans).
tests/common/test_error_words.py fails on an untranslated message.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule refused the request. Subclasses set the code and HTTP status."""

    code = "domain_error"
    status = 422

    def __init__(self, message: str | Promise, *, code: str | None = None, **extra: Any) -> None:
        self.message = str(message)
        super().__init__(self.message)
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
