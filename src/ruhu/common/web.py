"""Small helpers shared by the HTML views.

Views call selectors and services directly: a NotFound or PermissionRefused they raise
becomes the 404 or 403 page in `common.middleware.DomainErrorPagesMiddleware`. Other domain
errors are the user's to fix and are shown in the form or as a message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from ruhu.common.attachments import attachment_open
from ruhu.common.errors import DomainError, NotFound, PermissionRefused
from ruhu.common.pagination import ListPaginator

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE, *, cap: int | None = None):
    """The requested page; with a `cap`, a list longer than it is not counted exactly and
    its template shows `page.paginator.total` ("10,000+", "约 …": ruhu.common.pagination)."""
    return ListPaginator(queryset, per_page, cap=cap).get_page(request.GET.get("page"))


def pass_through(exc: DomainError) -> None:
    """Let "not found" and "not allowed" reach the middleware as 404 and 403 pages."""
    if isinstance(exc, NotFound | PermissionRefused):
        raise exc


def add_domain_error(form, exc: DomainError) -> None:
    pass_through(exc)
    form.add_error(None, exc.message)


def message_domain_error(request, exc: DomainError) -> None:
    pass_through(exc)
    messages.error(request, exc.message)


# ── posted workflow steps ─────────────────────────────────────────────────────────


class FormRefused(Exception):
    """A posted form the user must correct: its field errors, as one sentence."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class StepDone:
    message: str
    anchor: str = ""


@dataclass
class StepRefused:
    key: str  # which card of the page the message belongs to
    message: str
    status: int


def form_data(form) -> dict:
    """The cleaned data of a bound form, or FormRefused naming each field's problem."""
    if form.is_valid():
        return form.cleaned_data
    problems = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        problems.append(f"{label}：{' '.join(errors)}" if label else " ".join(errors))
    raise FormRefused("；".join(problems))


def step_perform(request, *, key: str, ops: Mapping[str, Callable[..., Any]], args=()) -> Any:
    """Run the step named by the posted `op` in one transaction (so an upload refused with
    its step is not kept). A wrong id stays a 404 and a missing right a 403 (raised for the
    middleware); anything else the user can fix comes back as `StepRefused`."""
    op = ops.get(request.POST.get("op", ""))
    if op is None:
        return StepRefused(key, _("未知的操作"), 400)
    try:
        with transaction.atomic():
            return op(request, *args)
    except FormRefused as exc:
        return StepRefused(key, exc.message, 422)
    except DomainError as exc:
        pass_through(exc)
        return StepRefused(key, exc.message, exc.status)


def step_redirect(request, done: StepDone) -> HttpResponseRedirect:
    """After a step: its message, and back to the same page at the card it touched."""
    messages.success(request, done.message)
    anchor = f"#{done.anchor}" if done.anchor else ""
    return HttpResponseRedirect(request.get_full_path() + anchor)


# ── attachment downloads ──────────────────────────────────────────────────────────


def attachment_response(
    attachment, *, filename: str | None = None, content_type: str | None = None
) -> FileResponse:
    """A stored attachment as a download. The caller has already fetched it through a
    scoped selector; the name, when given, is one the page chose, never personal data."""
    response = FileResponse(
        attachment_open(attachment),
        content_type=content_type or attachment.content_type,
        **({"filename": filename} if filename else {}),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
