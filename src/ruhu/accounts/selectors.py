"""Reads of accounts data, always through the acting user's scope."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.accounts.models import ApiToken, OrgUnit, User
from ruhu.accounts.roles import Capability, Role, role_grant_gap
from ruhu.common.errors import NotFound
from ruhu.common.fields import phone_search_index
from ruhu.common.models import AuditEvent
from ruhu.common.policy import policy_get
from ruhu.common.scoping import get_scoped, require, scope_queryset


def user_list(
    *,
    acting_user,
    role: str = "",
    branch_id: int | None = None,
    q: str = "",
    active: bool | None = None,
) -> QuerySet[User]:
    require(acting_user, Capability.VIEW_STAFF)
    qs = scope_queryset(User.objects.select_related("org_unit", "branch"), acting_user=acting_user)
    if role:
        qs = qs.filter(role=role)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    q = q.strip()
    if q:
        condition = Q(username__icontains=q) | Q(full_name__icontains=q) | Q(badge_no=q)
        if any(ch.isdigit() for ch in q):
            phone_index = phone_search_index(q)
            if phone_index:
                condition |= Q(phone_bidx=phone_index)
        qs = qs.filter(condition)
    return qs.order_by("branch__code", "org_unit__code", "badge_no", "username")


def user_get(*, acting_user, pk: int) -> User:
    require(acting_user, Capability.VIEW_STAFF)
    return get_scoped(
        User.objects.select_related("org_unit", "branch"), pk, acting_user=acting_user
    )


def branch_list(*, acting_user) -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH, is_active=True)
    return scope_queryset(qs, acting_user=acting_user, branch_field="pk")


def token_list(*, acting_user, user: User | None = None) -> QuerySet[ApiToken]:
    user = user or acting_user
    if user != acting_user:
        require(acting_user, Capability.MANAGE_STAFF)
        user = user_get(acting_user=acting_user, pk=user.pk)
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def token_lifetime_days(*, user: User) -> tuple[int, int]:
    """(idle, maximum) days a device token of this user lives, as the policy says today."""
    on = timezone.localdate()
    return (
        int(policy_get("auth.token_idle_days", branch=user.branch_id, on=on)),
        int(policy_get("auth.token_max_days", branch=user.branch_id, on=on)),
    )


def token_get(*, acting_user, pk: int) -> ApiToken:
    """The caller's own token, or (for a staff manager) one of their staff's; else 404."""
    token = ApiToken.objects.select_related("user").filter(pk=pk).first()
    if token is None or (
        token.user_id != acting_user.pk and not acting_user.can(Capability.MANAGE_STAFF)
    ):
        raise NotFound(_("未找到该令牌"))
    if token.user_id != acting_user.pk:
        user_get(acting_user=acting_user, pk=token.user_id)
    return token


def org_unit_choices(*, acting_user) -> QuerySet[OrgUnit]:
    """Units the acting user may place staff in: everything for head office, else their branch."""
    qs = OrgUnit.objects.filter(is_active=True).order_by("kind", "code")
    if acting_user.is_head_office:
        return qs
    return qs.filter(branch_id=acting_user.branch_id)


def grantable_roles(*, acting_user) -> list[tuple[str, str]]:
    """The roles the acting user may give: none carrying a capability they lack (field work
    aside), and the administrator role only from an administrator."""
    return [
        (value, label)
        for value, label in Role.choices
        if not role_grant_gap(acting_user, value)
        and (value != Role.ADMIN or acting_user.is_superuser)
    ]


def staff_may_grant(*, acting_user, user: User) -> bool:
    """Whether the staff page offers handing `user` access (a role, a password, an
    invitation): to a staff manager holding all the account holds, for an active account
    not their own, an administrator's only from an administrator (as the services decide)."""
    return (
        acting_user.can(Capability.MANAGE_STAFF)
        and user != acting_user
        and user.is_active
        and not role_grant_gap(acting_user, user.role)
        and (acting_user.is_superuser or not user.is_superuser)
    )


def role_changes_since(*, user: User, since: dt.datetime | None) -> QuerySet[AuditEvent]:
    """The user's own role changes after `since` (their previous sign-in), oldest first."""
    qs = AuditEvent.objects.filter(
        action="user.role_change",
        target_type=ContentType.objects.get_for_model(User),
        target_id=str(user.pk),
    )
    if since is not None:
        qs = qs.filter(occurred_at__gt=since)
    return qs.order_by("occurred_at")
