"""Scoping: what part of the company's data an acting user may see.

Head office (a user attached to the company itself, or a superuser) sees everything; branch
staff see their branch; field staff see only their own work where the data has an owner.
Anyone else, and any inactive user, sees nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ruhu.common.actors import Actor
from ruhu.common.errors import NotFound, PermissionRefused


def scope_queryset(
    qs: QuerySet,
    *,
    acting_user: Actor | None,
    branch_field: str = "branch",
    owner_field: str | None = None,
) -> QuerySet:
    if acting_user is None or not acting_user.is_authenticated or not acting_user.is_active:
        return qs.none()
    if acting_user.is_head_office:
        return qs
    if owner_field and acting_user.is_field_staff:
        return qs.filter(**{owner_field: acting_user})
    if acting_user.branch_id is None:
        return qs.none()
    return qs.filter(**{branch_field: acting_user.branch_id})


def in_scope(obj: object, *, acting_user: Actor | None, branch_field: str = "branch") -> bool:
    """Whether `obj`, read without `scope_queryset`, is one it would have let through (the
    branch rule: no owner field)."""
    if acting_user is None or not acting_user.is_authenticated or not acting_user.is_active:
        return False
    if acting_user.is_head_office:
        return True
    if acting_user.branch_id is None:
        return False
    return getattr(obj, f"{branch_field}_id") == acting_user.branch_id


def require(acting_user: Actor, capability: str) -> None:
    if not acting_user.can(capability):
        raise PermissionRefused(
            _("您没有权限执行此操作"), code="capability_missing", capability=capability
        )


def get_scoped(qs: QuerySet, pk, **scope) -> object:
    obj = scope_queryset(qs, **scope).filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return obj
