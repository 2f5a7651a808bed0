"""Every write to accounts: org units, staff, roles, sessions. Each one audited."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import login as django_login
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import OrgUnit, User, UserSession
from ruhu.accounts.roles import Capability, Role
from ruhu.accounts.services.rules import (
    branch_of,
    check_password,
    first_login_hours,
    require_manages,
    require_may_grant,
    require_may_place,
)
from ruhu.accounts.services.tokens import tokens_revoke_all
from ruhu.common.audit import audit_record, diff, snapshot
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import Conflict, ValidationFailed
from ruhu.common.inbox import inbox_post
from ruhu.common.models import OutboxMessage
from ruhu.common.notifications import outbox_enqueue
from ruhu.common.scoping import require
from ruhu.common.validation import normalize_id_number, normalize_phone

register_action_labels(
    {
        "org_unit.create": _("新建组织单位"),
        "user.create": _("新建员工账号"),
        "user.update": _("修改员工信息"),
        "user.set_password": _("修改密码"),
        "user.role_change": _("调整角色"),
        "user.one_time_password": _("发放一次性密码"),
        "user.invite": _("发送账号邀请"),
        "user.invitation_accept": _("通过邀请设置密码"),
        "user.deactivate": _("停用账号"),
        "user.reactivate": _("恢复账号"),
        "token.issue": _("绑定设备"),
        "token.revoke": _("吊销设备令牌"),
    }
)


@transaction.atomic
def org_unit_create(
    *, acting_user: User | None, kind: str, code: str, name: str, parent: OrgUnit | None = None
) -> OrgUnit:
    if kind not in OrgUnit.Kind.values:
        raise ValidationFailed(_("未知的组织类型"), code="org_unit_kind")
    expected_parent = {"company": None, "branch": "company", "team": "branch"}[kind]
    if (parent.kind if parent else None) != expected_parent:
        raise ValidationFailed(_("组织层级必须是 公司 → 分公司 → 班组"), code="org_unit_parent")
    if OrgUnit.objects.filter(code=code).exists():
        raise Conflict(_("代码 %(code)s 已存在") % {"code": code}, code="org_unit_code_taken")
    unit = OrgUnit.objects.create(kind=kind, code=code, name=name, parent=parent)
    unit.branch = unit if kind == OrgUnit.Kind.BRANCH else branch_of(parent)
    unit.save(update_fields=["branch"])
    audit_record(
        acting_user=acting_user,
        action="org_unit.create",
        target=unit,
        changes=diff({}, snapshot(unit)),
        branch_id=unit.branch_id,
    )
    return unit


@transaction.atomic
def user_create(
    *,
    acting_user: User | None,
    username: str,
    full_name: str,
    role: str,
    org_unit: OrgUnit | None,
    password: str | None = None,
    phone: str = "",
    id_number: str = "",
    badge_no: str = "",
    email: str = "",
    is_superuser: bool = False,
) -> User:
    """A new account. The system (acting_user=None: `ruhu createadmin`, the demo) sets its
    password. A person never chooses one for someone else: their new account has no usable
    password until user_enrol hands out a one-time password or an invitation."""
    if acting_user is not None:
        require(acting_user, Capability.MANAGE_STAFF)
        require_may_place(acting_user, org_unit, role, is_superuser)
        require_may_grant(acting_user, role)
        if password is not None:
            raise ValidationFailed(
                _("新账号的初始密码由系统生成"), code="initial_password_generated"
            )
    elif not password:
        raise ValidationFailed(_("请设置密码"), code="password_required")
    if role not in Role.values:
        raise ValidationFailed(_("未知角色"), code="role_unknown")
    username = username.strip().lower()
    if not username:
        raise ValidationFailed(_("请填写用户名"), code="username_required")
    if User.objects.filter(username=username).exists():
        raise Conflict(
            _("用户名 %(username)s 已存在") % {"username": username}, code="username_taken"
        )
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        org_unit=org_unit,
        branch=branch_of(org_unit),
        phone=normalize_phone(phone),
        id_number=normalize_id_number(id_number),
        badge_no=badge_no,
        email=email,
        is_superuser=is_superuser,
        is_staff=is_superuser or role == Role.ADMIN,
    )
    if password is None:
        user.set_unusable_password()
        user.must_change_password = True
    else:
        check_password(password, user)
        user.set_password(password)
    user.save()
    audit_record(
        acting_user=acting_user, action="user.create", target=user, changes=diff({}, snapshot(user))
    )
    return user


EDITABLE_USER_FIELDS = ("full_name", "role", "org_unit", "phone", "id_number", "badge_no", "email")


@transaction.atomic
def user_update(*, acting_user: User, user: User, **changes) -> User:
    require_manages(acting_user, user)
    unknown = set(changes) - set(EDITABLE_USER_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("不可修改的字段: %(fields)s") % {"fields": ", ".join(sorted(unknown))},
            code="field_readonly",
        )
    before = snapshot(user)
    old_role = user.role
    if "phone" in changes:
        changes["phone"] = normalize_phone(changes["phone"])
    if "id_number" in changes:
        changes["id_number"] = normalize_id_number(changes["id_number"])
    if "role" in changes and changes["role"] not in Role.values:
        raise ValidationFailed(_("未知角色"), code="role_unknown")
    if "role" in changes or "org_unit" in changes:
        require_may_place(
            acting_user,
            changes.get("org_unit", user.org_unit),
            changes.get("role", user.role),
            user.is_superuser,
        )
        require_may_grant(acting_user, changes.get("role", user.role))
    for name, value in changes.items():
        setattr(user, name, value)
    if "org_unit" in changes:
        user.branch = branch_of(user.org_unit)
    user.save()
    audit_record(
        acting_user=acting_user,
        action="user.update",
        target=user,
        changes=diff(before, snapshot(user)),
    )
    if user.role != old_role:
        _role_changed(acting_user, user, old_role)
    return user


def _role_changed(acting_user: User, user: User, old_role: str) -> None:
    """The user's devices sign in again under the new role, and the user is told."""
    revoked = tokens_revoke_all(user)
    event = audit_record(
        acting_user=acting_user,
        action="user.role_change",
        target=user,
        changes={"role": [old_role, user.role], "tokens_revoked": [None, revoked]},
    )
    inbox_post(
        users=[user],
        subject="您的角色已调整",
        body=role_change_text(event),
        link="/me/tokens/",
        dedupe_key=f"role-change:{event.pk}",
    )
    if user.email:
        outbox_enqueue(
            channel=OutboxMessage.Channel.EMAIL,
            recipient=user.email,
            subject="您的 Ruhu 角色已调整",
            body=role_change_text(event) + "您的设备令牌已失效，请在设备上重新登录。",
            branch_id=user.branch_id,
            cause=event,
        )


def role_change_text(event) -> str:
    """One role change as the user reads it, from its audit row."""
    old, new = (str(Role(value).label) for value in event.changes["role"])
    when = timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M")
    return f"您的角色已于 {when} 由“{old}”调整为“{new}”（操作人：{event.actor_label}）。"


def end_sessions(user: User) -> int:
    from django.conf import settings

    store_class = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    ended = 0
    for row in UserSession.objects.filter(user=user):
        store: SessionBase = store_class(session_key=row.session_key)
        store.delete()
        ended += 1
    UserSession.objects.filter(user=user).delete()
    return ended


@transaction.atomic
def user_deactivate(*, acting_user: User, user: User, reason: str) -> User:
    """Disable a user: no login, every web session ended, every device token revoked."""
    require_manages(acting_user, user, protective=True)
    if acting_user == user:
        raise Conflict(_("不能停用自己的账号"), code="user_self_deactivate")
    if not reason.strip():
        raise ValidationFailed(_("请填写停用原因"), code="reason_required")
    updated = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False)
    if not updated:
        raise Conflict(_("该账号已停用"), code="user_already_inactive")
    user.is_active = False
    revoked = tokens_revoke_all(user)
    sessions = end_sessions(user)
    audit_record(
        acting_user=acting_user,
        action="user.deactivate",
        target=user,
        changes={
            "is_active": [True, False],
            "tokens_revoked": [None, revoked],
            "sessions_ended": [None, sessions],
        },
        reason=reason,
    )
    return user


@transaction.atomic
def user_reactivate(*, acting_user: User, user: User, reason: str) -> User:
    require_manages(acting_user, user)
    if not User.objects.filter(pk=user.pk, is_active=False).update(is_active=True):
        raise Conflict(_("该账号未停用"), code="user_already_active")
    user.is_active = True
    audit_record(
        acting_user=acting_user,
        action="user.reactivate",
        target=user,
        changes={"is_active": [False, True]},
        reason=reason,
    )
    return user


def session_start(request, user: User) -> None:
    """Log in on the web: a new session key (rotated), tracked by user.

    The store keeps the session up to the hard ceiling (SESSION_COOKIE_AGE); the idle time is
    policy, enforced by IdleSessionMiddleware on every request, so a change applies at once.
    """
    django_login(request, user, backend="ruhu.accounts.backends.ThrottledModelBackend")
    request.session["last_seen"] = int(timezone.now().timestamp())
    request.session.save()
    with transaction.atomic():
        UserSession.objects.get_or_create(
            session_key=request.session.session_key,
            defaults={"user": user, "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]},
        )
        audit_record(acting_user=user, action="auth.login", target=user, via="web")


def session_end(request) -> None:
    from django.contrib.auth import logout

    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).delete()
    logout(request)


class LoginFailed(ValidationFailed):
    code = "login_failed"
    status = 401


class LoginLocked(ValidationFailed):
    code = "login_locked"
    status = 429


class LoginUnavailable(ValidationFailed):
    code = "login_unavailable"
    status = 503


def login_check(request, *, username: str, password: str) -> User:
    """Authenticate through the throttled backend and say plainly why a login was refused."""
    from django.contrib.auth import authenticate

    from ruhu.accounts import throttle

    username = (username or "").strip().lower()
    user = authenticate(request, username=username, password=password)
    if user is not None:
        _refuse_stale_one_time_password(user)
        return user
    try:
        lock = throttle.lock_for(username, throttle.client_address(request))
    except throttle.ThrottleUnavailable:
        raise LoginUnavailable(_("登录服务暂不可用，请稍后再试")) from None
    if lock is None:
        raise LoginFailed(_("用户名或密码错误"))
    minutes = max(1, round((lock.until - timezone.now().timestamp()) / 60))
    if lock.kind == throttle.ADDRESS:
        message = f"此网络地址登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试"
    else:
        message = f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试"
    raise LoginLocked(message, retry_after_minutes=minutes, locked=lock.kind)


def _refuse_stale_one_time_password(user: User) -> None:
    issued = user.password_issued_at
    if not user.must_change_password or issued is None:
        return
    if timezone.now() > issued + dt.timedelta(hours=first_login_hours(user)):
        raise LoginFailed(
            _("一次性密码已过期，请联系管理员重新发放"), code="one_time_password_expired"
        )
