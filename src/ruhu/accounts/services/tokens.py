"""Device tokens: issued once, stored as a digest, sliding to an expiry set by policy."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.accounts.models import ApiToken, User
from ruhu.accounts.selectors import token_lifetime_days
from ruhu.accounts.services.rules import PasswordChangeRequired, require_manages
from ruhu.common.audit import audit_record
from ruhu.common.errors import Conflict

TOKEN_PREFIX = "rh_"


def tokens_revoke_all(user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _token_windows(user: User) -> tuple[dt.timedelta, dt.timedelta]:
    """(idle, ceiling): a token dies after `idle` without use, and `ceiling` after its issue."""
    idle, ceiling = token_lifetime_days(user=user)
    return dt.timedelta(days=idle), dt.timedelta(days=ceiling)


def refuse_until_password_changed(user: User) -> None:
    if user.must_change_password:
        raise PasswordChangeRequired(
            _("请先在网页上登录并修改初始密码，再使用设备"), code="password_change_required"
        )


@transaction.atomic
def token_issue(*, acting_user: User, user: User, name: str) -> tuple[ApiToken, str]:
    """A new device token; the raw value is returned once and never stored. It lives for the
    policy's idle days, extended by each use up to the policy's maximum."""
    if acting_user != user:
        require_manages(acting_user, user)
    if not user.is_active:
        raise Conflict(_("账号已停用"), code="user_inactive")
    refuse_until_password_changed(user)
    name = (name or "").strip()[:100] or "device"
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    idle, ceiling = _token_windows(user)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:10],
        digest=token_digest(raw),
        created_at=now,
        expires_at=now + min(idle, ceiling),
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
def token_revoke(*, acting_user: User, token: ApiToken) -> ApiToken:
    if acting_user != token.user:
        require_manages(acting_user, token.user, protective=True)
    now = timezone.now()
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        raise Conflict(_("令牌已吊销"), code="token_already_revoked")
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
    """The live token's active user, or None.

    Each use slides the expiry to the policy's idle days from now, never past the maximum from
    issue; both at most once a minute, like last_used_at. The maximum is checked against the
    policy of today, so shortening it takes effect at once.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(raw)).first()
    if token is None or not token.is_live or not token.user.is_active:
        return None
    now = timezone.now()
    idle, ceiling = _token_windows(token.user)
    if token.created_at + ceiling <= now:
        return None
    refuse_until_password_changed(token.user)
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(
            last_used_at=now, expires_at=min(now + idle, token.created_at + ceiling)
        )
    return token.user
