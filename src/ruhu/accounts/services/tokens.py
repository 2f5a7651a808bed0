"""Device tokens: issued once, stored as a digest, sliding to an expiry set by policy."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
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


# The user's columns an API call may need to decide who acts and what they may do: all but
# the password and the encrypted personal fields, which load (and decrypt) only if touched.
UNREAD_USER_FIELDS = {"password", "phone", "phone_bidx", "id_number", "id_number_bidx"}
TOKEN_COLUMNS = ("id", "created_at", "last_used_at", "expires_at", "revoked_at")


@functools.cache
def _lookup() -> tuple[str, tuple[str, ...]]:
    """(the token lookup's SQL, the user's attnames it reads, in the model's field order)."""
    fields = [f for f in User._meta.concrete_fields if f.attname not in UNREAD_USER_FIELDS]
    quote = connection.ops.quote_name
    columns = [f"t.{quote(c)}" for c in TOKEN_COLUMNS] + [f"u.{quote(f.column)}" for f in fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(ApiToken._meta.db_table)} t "  # noqa: S608
        f"INNER JOIN {quote(User._meta.db_table)} u ON u.{quote('id')} = t.{quote('user_id')} "
        f"WHERE t.{quote('digest')} = %s"
    )
    return sql, tuple(f.attname for f in fields)


def _aware(value: Any) -> dt.datetime | None:
    """A datetime column as the ORM gives it: aware, in UTC (SQLite stores it naive)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def token_authenticate(raw: str) -> User | None:
    """The live token's active user, or None.

    One statement reads the token and its user together, every time: no copy of the user is
    kept between requests, so a deactivation, a new role or branch holds from the next call.
    Each use slides the expiry to the policy's idle days from now, never past the maximum from
    issue; both at most once a minute, like last_used_at. The maximum is checked against the
    policy of today, so shortening it takes effect at once.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    sql, user_fields = _lookup()
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_digest(raw)])
        row = cursor.fetchone()
    if row is None:
        return None
    token_id = row[0]
    created_at, last_used_at, expires_at, revoked_at = (_aware(v) for v in row[1:5])
    user = User.from_db(connection.alias, user_fields, row[5:])
    now = timezone.now()
    if revoked_at is not None or (expires_at is not None and expires_at <= now):
        return None
    if not user.is_active:
        return None
    idle, ceiling = _token_windows(user)
    if created_at is None or created_at + ceiling <= now:
        return None
    refuse_until_password_changed(user)
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token_id).update(
            last_used_at=now, expires_at=min(now + idle, created_at + ceiling)
        )
    return user
