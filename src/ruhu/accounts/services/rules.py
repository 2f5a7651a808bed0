"""Who may act on whom: branch scope, roles one may grant, passwords good enough."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Capability, Role, role_grant_gap
from ruhu.common.errors import NotFound, PermissionRefused, ValidationFailed
from ruhu.common.policy import policy_get
from ruhu.common.scoping import require, scope_queryset


def branch_of(unit: OrgUnit | None) -> OrgUnit | None:
    while unit is not None and unit.kind != OrgUnit.Kind.BRANCH:
        unit = unit.parent
    return unit


class PasswordChangeRequired(PermissionRefused):
    code = "password_change_required"


def capability_labels(capabilities) -> str:
    return _("、").join(str(Capability(c).label) for c in sorted(capabilities))


def require_may_grant(acting_user: User, role: str) -> None:
    gap = role_grant_gap(acting_user, role)
    if gap:
        raise PermissionRefused(
            _("不能授予您自己没有的权限：%(capabilities)s")
            % {"capabilities": capability_labels(gap)},
            code="role_grant_refused",
            role=role,
            missing=sorted(gap),
        )


def require_manages(acting_user: User, user: User, *, protective: bool = False) -> None:
    """A staff manager acts only on people in their scope: their branch, or all for head office.

    Only a protective act (deactivating, revoking a token) reaches an account whose role holds
    more than the manager's; anything that hands out access (a password, a token, a role, a
    reactivation) would let the manager reach what they were never granted.
    """
    require(acting_user, Capability.MANAGE_STAFF)
    if not scope_queryset(User.objects.filter(pk=user.pk), acting_user=acting_user).exists():
        raise NotFound(_("未找到该员工"), code="not_found")
    if protective:
        return
    if user.is_superuser and not acting_user.is_superuser:
        raise PermissionRefused(_("只有系统管理员可以管理管理员账号"), code="admin_manage_refused")
    gap = role_grant_gap(acting_user, user.role)
    if gap:
        raise PermissionRefused(
            _("该员工拥有您没有的权限（%(capabilities)s），只能由上级管理员管理")
            % {"capabilities": capability_labels(gap)},
            code="role_above_refused",
            missing=sorted(gap),
        )


def require_may_place(
    acting_user: User, org_unit: OrgUnit | None, role: str, is_superuser: bool
) -> None:
    """Admin rights come only from an administrator; a branch places staff in its branch."""
    if (is_superuser or role == Role.ADMIN) and not acting_user.is_superuser:
        raise PermissionRefused(_("只有系统管理员可以授予管理员权限"), code="admin_grant_refused")
    branch = branch_of(org_unit)
    if not acting_user.is_head_office and (branch is None or branch.pk != acting_user.branch_id):
        raise PermissionRefused(_("只能在本分公司内安排员工"), code="org_unit_out_of_scope")


def check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), code="password_weak") from None


def first_login_hours(user: User) -> int:
    return int(policy_get("auth.first_login_valid_hours", branch=user.branch_id))
