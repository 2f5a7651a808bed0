"""First passwords and password changes: one-time passwords, invitations, the user's own.

A person never chooses a password for someone else. A manager hands over a generated
one-time password or has an invitation link e-mailed; until the user sets their own password
they may do nothing else, and a password set by anyone but the user is again one to change.
"""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac
from django.utils.translation import gettext as _

from ruhu.accounts.models import User
from ruhu.accounts.services.rules import check_password, first_login_hours, require_manages
from ruhu.accounts.services.staff import end_sessions, user_create
from ruhu.accounts.services.tokens import tokens_revoke_all
from ruhu.common.audit import audit_record
from ruhu.common.errors import Conflict, ValidationFailed
from ruhu.common.models import OutboxMessage
from ruhu.common.notifications import outbox_enqueue

# How a person's new account gets its first password: handed over, or set by the user.
ONE_TIME_PASSWORD = "password"
INVITATION = "invitation"
# No 0/O, 1/l/I: read aloud or copied from a screen without mistakes. 16 of 31 symbols ≈ 79 bits.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
INVITATION_SALT = "ruhu.accounts.invitation"


@transaction.atomic
def user_enrol(
    *, acting_user: User, delivery: str, site_url: str = "", **fields
) -> tuple[User, str]:
    """A member of staff added by a person, with first credentials: a one-time password returned
    for the creator to hand over, or an invitation e-mailed to the new user ("" returned)."""
    if delivery not in (ONE_TIME_PASSWORD, INVITATION):
        raise ValidationFailed(_("未知的密码发放方式"), code="delivery_unknown")
    user = user_create(acting_user=acting_user, **fields)
    if delivery == INVITATION:
        user_invite(acting_user=acting_user, user=user, site_url=site_url)
        return user, ""
    return user, user_password_reset(acting_user=acting_user, user=user)


def _stamp_must_change(user: User) -> dict[str, list]:
    """Until the user sets their own password they may do nothing else, and no device keeps
    working on the old one. Returns the audit changes."""
    before = user.must_change_password
    user.must_change_password = True
    user.password_issued_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_issued_at"])
    revoked = tokens_revoke_all(user)
    end_sessions(user)
    return {"must_change_password": [before, True], "tokens_revoked": [None, revoked]}


def _clear_must_change(user: User) -> dict[str, list]:
    """The user's own password: nothing more to change, and devices sign in with it again."""
    before = user.must_change_password
    user.must_change_password = False
    user.password_issued_at = None
    user.save(update_fields=["password", "must_change_password", "password_issued_at"])
    return {
        "must_change_password": [before, False],
        "tokens_revoked": [None, tokens_revoke_all(user)],
    }


@transaction.atomic
def user_set_password(*, acting_user: User, user: User, password: str) -> None:
    """By the user: their own password from now on. By a manager: the user must change it at
    the next sign-in. Either way every device token of the user dies."""
    by_self = acting_user == user
    if not by_self:
        require_manages(acting_user, user)
    check_password(password, user)
    if by_self and user.check_password(password):
        raise ValidationFailed(_("新密码不能与当前密码相同"), code="password_unchanged")
    user.set_password(password)
    changes = _clear_must_change(user) if by_self else _stamp_must_change(user)
    audit_record(acting_user=acting_user, action="user.set_password", target=user, changes=changes)


def _require_other_active(acting_user: User, user: User) -> None:
    if acting_user == user:
        raise Conflict(_("请在“修改密码”页面修改自己的密码"), code="password_reset_self")
    require_manages(acting_user, user)
    if not user.is_active:
        raise Conflict(_("账号已停用"), code="user_inactive")


def _one_time_password() -> str:
    raw = get_random_string(16, ONE_TIME_ALPHABET)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@transaction.atomic
def user_password_reset(*, acting_user: User, user: User) -> str:
    """A generated one-time password for the manager to hand over, returned once and stored
    only as its hash; the user must replace it at first sign-in, within the policy's hours."""
    _require_other_active(acting_user, user)
    password = _one_time_password()
    user.set_password(password)
    changes = _stamp_must_change(user)
    audit_record(
        acting_user=acting_user, action="user.one_time_password", target=user, changes=changes
    )
    return password


def _invitation_state(user: User) -> str:
    # Changes with the password hash: setting a password, or a newer invitation, ends the link.
    return salted_hmac(INVITATION_SALT, f"{user.pk}:{user.password}").hexdigest()[:32]


def invitation_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": _invitation_state(user)}, salt=INVITATION_SALT)


@transaction.atomic
def user_invite(*, acting_user: User, user: User, site_url: str) -> None:
    """E-mail the user a link to set their own password; nobody else learns it. The link dies
    when used, when a newer one is sent, and after the policy's hours."""
    _require_other_active(acting_user, user)
    if not user.email:
        raise ValidationFailed(
            _("该员工没有邮箱，无法发送邀请；请改用一次性密码"), code="email_required"
        )
    user.set_unusable_password()
    changes = _stamp_must_change(user)
    link = site_url.rstrip("/") + reverse("invitation", args=[invitation_token(user)])
    outbox_enqueue(
        channel=OutboxMessage.Channel.EMAIL,
        recipient=user.email,
        subject="Ruhu 账号邀请",
        body=(
            f"{user.full_name}，您好：请在 {first_login_hours(user)} 小时内打开以下链接，"
            f"为您的 Ruhu 账号 {user.username} 设置密码：{link}"
        ),
        branch_id=user.branch_id,
        cause=user,
    )
    audit_record(acting_user=acting_user, action="user.invite", target=user, changes=changes)


def invitation_user(token: str) -> User:
    """The user an invitation link is for, while it is still good; else a clear refusal."""
    invalid = ValidationFailed(
        _("邀请链接无效或已过期，请联系管理员重新发送"), code="invitation_invalid"
    )
    try:
        data = signing.loads(token, salt=INVITATION_SALT)
        user = User.objects.filter(pk=data["u"], is_active=True).first()
        if user is None or not constant_time_compare(data["s"], _invitation_state(user)):
            raise invalid
        signing.loads(token, salt=INVITATION_SALT, max_age=first_login_hours(user) * 3600)
    except (signing.BadSignature, KeyError, TypeError):
        raise invalid from None
    return user


@transaction.atomic
def user_invitation_accept(*, token: str, password: str) -> User:
    user = invitation_user(token)
    check_password(password, user)
    user.set_password(password)
    changes = _clear_must_change(user)
    audit_record(acting_user=user, action="user.invitation_accept", target=user, changes=changes)
    return user
