"""Every write to accounts: org units, staff, device tokens, sessions. Each one audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import login as django_login
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import ApiToken, OrgUnit, User, UserSession
from ruhu.accounts.roles import Capability, Role
from ruhu.common.audit import audit_record, diff, snapshot
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from ruhu.common.scoping import require, scope_queryset
from ruhu.common.validation import normalize_id_number, normalize_phone

TOKEN_PREFIX = "rh_"

register_action_labels(
    {
        "org_unit.create": _("新建组织单位"),
        "user.create": _("新建员工账号"),
        "user.update": _("修改员工信息"),
        "user.set_password": _("修改密码"),
        "user.deactivate": _("停用账号"),
        "user.reactivate": _("恢复账号"),
        "token.issue": _("绑定设备"),
        "token.revoke": _("吊销设备令牌"),
    }
)


def _branch_of(unit: OrgUnit | None) -> OrgUnit | None:
    while unit is not None and unit.kind != OrgUnit.Kind.BRANCH:
        unit = unit.parent
    return unit


@transaction.atomic
def org_unit_create(
    *, acting_user, kind: str, code: str, name: str, parent: OrgUnit | None = None
) -> OrgUnit:
    if kind not in OrgUnit.Kind.values:
        raise ValidationFailed("未知的组织类型", code="org_unit_kind")
    expected_parent = {"company": None, "branch": "company", "team": "branch"}[kind]
    if (parent.kind if parent else None) != expected_parent:
        raise ValidationFailed("组织层级必须是 公司 → 分公司 → 班组", code="org_unit_parent")
    if OrgUnit.objects.filter(code=code).exists():
        raise Conflict(f"代码 {code} 已存在", code="org_unit_code_taken")
    unit = OrgUnit.objects.create(kind=kind, code=code, name=name, parent=parent)
    unit.branch = unit if kind == OrgUnit.Kind.BRANCH else _branch_of(parent)
    unit.save(update_fields=["branch"])
    audit_record(
        acting_user=acting_user,
        action="org_unit.create",
        target=unit,
        changes=diff({}, snapshot(unit)),
        branch_id=unit.branch_id,
    )
    return unit


def _require_manages(acting_user, user: User) -> None:
    """A staff manager acts only on people in their scope: their branch, or all for head office."""
    require(acting_user, Capability.MANAGE_STAFF)
    if not scope_queryset(User.objects.filter(pk=user.pk), acting_user=acting_user).exists():
        raise NotFound("未找到该员工", code="not_found")


def _require_may_place(
    acting_user, org_unit: OrgUnit | None, role: str, is_superuser: bool
) -> None:
    """Admin rights come only from an administrator; a branch places staff in its branch."""
    if (is_superuser or role == Role.ADMIN) and not acting_user.is_superuser:
        raise PermissionRefused("只有系统管理员可以授予管理员权限", code="admin_grant_refused")
    branch = _branch_of(org_unit)
    if not acting_user.is_head_office and (branch is None or branch.pk != acting_user.branch_id):
        raise PermissionRefused("只能在本分公司内安排员工", code="org_unit_out_of_scope")


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), code="password_weak") from None


@transaction.atomic
def user_create(
    *,
    acting_user,
    username: str,
    full_name: str,
    role: str,
    org_unit: OrgUnit | None,
    password: str,
    phone: str = "",
    id_number: str = "",
    badge_no: str = "",
    email: str = "",
    is_superuser: bool = False,
) -> User:
    if acting_user is not None:
        require(acting_user, Capability.MANAGE_STAFF)
        _require_may_place(acting_user, org_unit, role, is_superuser)
    if role not in Role.values:
        raise ValidationFailed("未知角色", code="role_unknown")
    username = username.strip().lower()
    if not username:
        raise ValidationFailed("请填写用户名", code="username_required")
    if User.objects.filter(username=username).exists():
        raise Conflict(f"用户名 {username} 已存在", code="username_taken")
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        org_unit=org_unit,
        branch=_branch_of(org_unit),
        phone=normalize_phone(phone),
        id_number=normalize_id_number(id_number),
        badge_no=badge_no,
        email=email,
        is_superuser=is_superuser,
        is_staff=is_superuser or role == Role.ADMIN,
    )
    _check_password(password, user)
    user.set_password(password)
    user.save()
    audit_record(
        acting_user=acting_user, action="user.create", target=user, changes=diff({}, snapshot(user))
    )
    return user


EDITABLE_USER_FIELDS = ("full_name", "role", "org_unit", "phone", "id_number", "badge_no", "email")


@transaction.atomic
def user_update(*, acting_user, user: User, **changes) -> User:
    _require_manages(acting_user, user)
    unknown = set(changes) - set(EDITABLE_USER_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"不可修改的字段: {', '.join(sorted(unknown))}", code="field_readonly"
        )
    before = snapshot(user)
    if "phone" in changes:
        changes["phone"] = normalize_phone(changes["phone"])
    if "id_number" in changes:
        changes["id_number"] = normalize_id_number(changes["id_number"])
    if "role" in changes and changes["role"] not in Role.values:
        raise ValidationFailed("未知角色", code="role_unknown")
    if "role" in changes or "org_unit" in changes:
        _require_may_place(
            acting_user,
            changes.get("org_unit", user.org_unit),
            changes.get("role", user.role),
            user.is_superuser,
        )
    for name, value in changes.items():
        setattr(user, name, value)
    if "org_unit" in changes:
        user.branch = _branch_of(user.org_unit)
    user.save()
    audit_record(
        acting_user=acting_user,
        action="user.update",
        target=user,
        changes=diff(before, snapshot(user)),
    )
    return user


@transaction.atomic
def user_set_password(*, acting_user, user: User, password: str) -> None:
    if acting_user != user:
        _require_manages(acting_user, user)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(acting_user=acting_user, action="user.set_password", target=user)


def _end_sessions(user: User) -> int:
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
def user_deactivate(*, acting_user, user: User, reason: str) -> User:
    """Disable a user: no login, every web session ended, every device token revoked."""
    _require_manages(acting_user, user)
    if acting_user == user:
        raise Conflict("不能停用自己的账号", code="user_self_deactivate")
    if not reason.strip():
        raise ValidationFailed("请填写停用原因", code="reason_required")
    updated = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False)
    if not updated:
        raise Conflict("该账号已停用", code="user_already_inactive")
    user.is_active = False
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    sessions = _end_sessions(user)
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
def user_reactivate(*, acting_user, user: User, reason: str) -> User:
    _require_manages(acting_user, user)
    if not User.objects.filter(pk=user.pk, is_active=False).update(is_active=True):
        raise Conflict("该账号未停用", code="user_already_active")
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


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(
    *, acting_user, user: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new device token; the raw value is returned once and never stored."""
    if acting_user != user:
        _require_manages(acting_user, user)
    if not user.is_active:
        raise Conflict("账号已停用", code="user_inactive")
    name = (name or "").strip()[:100] or "device"
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:10], digest=token_digest(raw), expires_at=expires_at
    )
    audit_record(
        acting_user=acting_user,
        action="token.issue",
        target=token,
        branch_id=user.branch_id,
        changes={"name": [None, name]},
        via="api",
    )
    return token, raw


@transaction.atomic
def token_revoke(*, acting_user, token: ApiToken) -> ApiToken:
    if acting_user != token.user:
        _require_manages(acting_user, token.user)
    now = timezone.now()
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        raise Conflict("令牌已吊销", code="token_already_revoked")
    token.revoked_at = now
    audit_record(
        acting_user=acting_user,
        action="token.revoke",
        target=token,
        branch_id=token.user.branch_id,
        changes={"revoked_at": [None, now.isoformat()]},
    )
    return token


def token_authenticate(raw: str) -> User | None:
    """The live token's active user, or None. Touches last_used_at at most once a minute."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(raw)).first()
    if token is None or not token.is_live or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


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
        return user
    try:
        lock = throttle.lock_for(username, throttle.client_address(request))
    except throttle.ThrottleUnavailable:
        raise LoginUnavailable("登录服务暂不可用，请稍后再试") from None
    if lock is None:
        raise LoginFailed("用户名或密码错误")
    minutes = max(1, round((lock.until - timezone.now().timestamp()) / 60))
    if lock.kind == throttle.ADDRESS:
        message = f"此网络地址登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试"
    else:
        message = f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试"
    raise LoginLocked(message, retry_after_minutes=minutes, locked=lock.kind)
