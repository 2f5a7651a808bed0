"""Small helpers shared by the HTML views.

Views call selectors and services directly: a NotFound or PermissionRefused they raise
becomes the 404 or 403 page in `common.middleware.DomainErrorPagesMiddleware`. Other domain
errors are the user's to fix and are shown in the form or as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator

from ruhu.common.errors import DomainError, NotFound, PermissionRefused

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


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
