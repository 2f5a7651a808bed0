"""What each page and API operation needs, declared on the view itself (decision 0012).

Every view and API operation that is not public carries one declaration:

    @requires(Capability.VIEW_HAZARDS)            # the role must hold it
    @requires(Capability.MANAGE_HAZARDS, Capability.SUPERVISE_HAZARDS)   # any one of them
    @signed_in                                    # any signed-in user; the object decides

The declaration is enforced in one place for pages (`AccessMiddleware`, 403 before the
view runs) and in one place for the API (`enforce_access`, added to every operation in
`ruhu.api`, which also writes it into the OpenAPI schema as `x-capability`). The
generated access test (tests/test_access_matrix.py) walks every URL pattern and every
API operation and fails for any route without a declaration, so a new route is covered
the day it is added. Selectors still check the capability and the scope of each object:
the declaration is the first gate, not the only one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from ruhu.common.errors import PermissionRefused

REFUSED = gettext_lazy("您没有权限执行此操作")


ACCESS_ATTRIBUTE = "access"  # where the declaration sits on the view function


@dataclass(frozen=True)
class Access:
    """Any one of `capabilities` lets the user in; none listed means any signed-in user.
    A `section` is a part of another page loaded by HTMX: it leaves the page (an empty
    answer) for a role without the capability instead of showing a 403 inside it."""

    capabilities: tuple[str, ...]
    section: bool = False

    def allows(self, user) -> bool:
        if not self.capabilities:
            return True
        return any(user.can(capability) for capability in self.capabilities)


def requires(*capabilities: str, section: bool = False) -> Callable:
    """Declare the capabilities (any one of them) a view or API operation needs."""
    if not capabilities:
        raise TypeError("requires() needs a capability; use @signed_in for any signed-in user")
    access = Access(tuple(str(c) for c in capabilities), section=section)

    def mark(view: Callable) -> Callable:
        setattr(view, ACCESS_ATTRIBUTE, access)
        return view

    return mark


def signed_in(view: Callable) -> Callable:
    """Declare a view or operation open to any signed-in user (its objects are scoped)."""
    setattr(view, ACCESS_ATTRIBUTE, Access(()))
    return view


def access_of(view: Callable) -> Access | None:
    return getattr(view, ACCESS_ATTRIBUTE, None)


class AccessMiddleware:
    """Pages: refuse (403) a user whose role lacks what the view declares."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        access = access_of(view_func)
        if access is None or access.allows(request.user):
            return None
        if access.section and request.headers.get("HX-Request"):
            return HttpResponse("")
        return render(request, "403.html", status=403)


def enforce_access(view_func: Callable) -> Callable:
    """API operations: refuse (403) a caller whose role lacks what the operation declares.
    Applied by Ninja to each operation after authentication and input validation."""
    access = access_of(view_func)
    if access is None or not access.capabilities:
        return view_func

    @functools.wraps(view_func)
    def checked(request, *args, **kwargs):
        if not access.allows(request.user):
            raise PermissionRefused(
                REFUSED, code="capability_missing", capability="|".join(access.capabilities)
            )
        return view_func(request, *args, **kwargs)

    return checked


def declare_in_openapi(routers) -> None:
    """Write each operation's declaration into its OpenAPI entry as `x-capability`: the
    capabilities of which one is needed, an empty list for any signed-in user."""
    for router in routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                access = access_of(operation.view_func)
                if access is None:
                    continue
                extra = dict(operation.openapi_extra or {})
                extra["x-capability"] = list(access.capabilities)
                operation.openapi_extra = extra
