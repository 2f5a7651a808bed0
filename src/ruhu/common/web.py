"""Small helpers shared by the HTML views."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import render

from ruhu.common.errors import DomainError, NotFound, PermissionRefused

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def fetch_or_404(fn, **kwargs):
    """Call a selector; out-of-scope and absent both become 404, a missing right 403."""
    try:
        return fn(**kwargs)
    except NotFound:
        raise Http404 from None


def forbidden(request, exc: PermissionRefused):
    response = render(request, "403.html", {"message": exc.message}, status=403)
    return response if response else HttpResponseForbidden()


def add_domain_error(form, exc: DomainError) -> None:
    form.add_error(None, exc.message)
