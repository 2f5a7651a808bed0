"""Unmasking personal data: a capability, a meaningful reason, a per-user hourly limit
(policy pii.unmask.max_per_hour), and an access event every time, a refusal included.

A user who passes the limit is refused, and the security alert holders of their branch and
head office hear of it in their inbox, once per window however often the user retries.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import models, transaction
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ruhu.common.actors import Actor
from ruhu.common.audit import audit_record
from ruhu.common.errors import DomainError, PermissionRefused, ValidationFailed
from ruhu.common.fields import EncryptedTextField
from ruhu.common.inbox import inbox_post, users_holding
from ruhu.common.policy import policy_get
from ruhu.common.ratelimit import StoreUnavailable, call_store, window_take

UNMASK = "pii.unmask"  # accounts.roles.Capability.UNMASK_PII; common cannot import accounts
SECURITY_ALERTS = "security.alerts"  # accounts.roles.Capability.SECURITY_ALERTS
MIN_REASON = 4
MIN_REASON_DISTINCT = 3
WINDOW_SECONDS = 3600


class UnmaskLimited(ValidationFailed):
    code = "pii_unmask_limited"
    status = 429


class UnmaskUnavailable(ValidationFailed):
    code = "pii_unmask_unavailable"
    status = 503


def pii_unmask(
    *, acting_user: Actor, target: models.Model, field: str, reason: str, via: str = "web"
) -> str:
    """The clear value of `target.field`, or a DomainError. A refusal is audited and
    committed before it is raised (not atomic as a whole for that reason: a caller must not
    wrap this in a transaction it rolls back)."""
    reason = (reason or "").strip()
    try:
        _check(acting_user, target, field, reason)
    except DomainError as refusal:
        _refusal_record(acting_user, target, field, reason, refusal, via)
        raise
    with transaction.atomic():
        audit_record(
            acting_user=acting_user,
            action="pii.unmask",
            target=target,
            changes={"field": [None, field]},
            reason=reason,
            via=via,
        )
    return getattr(target, field)


def _check(acting_user: Actor, target: models.Model, field: str, reason: str) -> None:
    """Raise the refusal, in order: capability, field, reason, the hourly limit (which
    counts this unmask when it lets it through)."""
    if not acting_user.can(UNMASK):
        raise PermissionRefused(_("您没有查看完整个人信息的权限"), code="pii_unmask_refused")
    try:
        model_field = target._meta.get_field(field)
    except Exception:
        raise ValidationFailed(_("未知字段"), code="pii_unknown_field") from None
    if not isinstance(model_field, EncryptedTextField):
        raise ValidationFailed(_("该字段不是个人敏感信息"), code="pii_unknown_field")
    if not reason_is_meaningful(reason):
        raise ValidationFailed(
            _("请填写有意义的查看原因（至少%(count)s个字，不能是重复的字符）")
            % {"count": MIN_REASON},
            code="pii_reason_required",
        )
    limit = hourly_limit(acting_user)
    try:
        allowed = window_take(f"pii-unmask:{acting_user.pk}", WINDOW_SECONDS, limit)
    except StoreUnavailable:
        raise UnmaskUnavailable(_("查看服务暂不可用，请稍后再试")) from None
    if not allowed:
        raise UnmaskLimited(
            _("一小时内查看完整个人信息已达 %(limit)s 次上限，请稍后再试") % {"limit": limit},
            limit=limit,
        )


def reason_is_meaningful(reason: str) -> bool:
    """Long enough, not one character repeated (`aaaa`), at least one letter or 汉字."""
    letters = [c for c in reason if c.isalnum()]
    return (
        len(reason) >= MIN_REASON
        and len(set(letters)) >= MIN_REASON_DISTINCT
        and any(c.isalpha() for c in letters)
    )


def hourly_limit(acting_user: Actor) -> int:
    return int(policy_get("pii.unmask.max_per_hour", branch=acting_user.branch_id))


def _refusal_record(acting_user: Actor, target, field: str, reason: str, refusal, via: str) -> None:
    with transaction.atomic():
        audit_record(
            acting_user=acting_user,
            action="pii.unmask_refused",
            target=target,
            changes={
                "field": [None, str(field)[:64]],
                "refusal": [None, refusal.message],
                "refusal_code": [None, refusal.code],
            },
            reason=reason[:500],
            via=via,
        )
        if isinstance(refusal, UnmaskLimited):
            _alert_security_once(acting_user, refusal.extra["limit"])


def _alert_security_once(acting_user: Actor, limit: int) -> None:
    """Tell security once per window, not once per refused attempt."""
    now = time.time()
    key = f"pii-unmask-alerted:{acting_user.pk}"
    try:
        last = call_store(cache.get, key)
        if last and last > now - WINDOW_SECONDS:
            return
        call_store(cache.set, key, now, WINDOW_SECONDS + 60)
    except StoreUnavailable:
        pass  # the refusal is audited; better a repeated alert than none
    recipients = users_holding(capability=SECURITY_ALERTS, branch_id=acting_user.branch_id)
    username = acting_user.get_username()
    inbox_post(
        users=[u for u in recipients if u.pk != acting_user.pk],
        subject=f"安全提醒：{username} 查看个人信息超过每小时上限",
        body=(
            f"{username}（{acting_user}）在一小时内查看完整个人信息已达 {limit} 次上限，"
            "之后的查看已被拒绝。请核实是否为正常工作需要。"
        ),
        link="/audit/?" + urlencode({"actor": username, "action": UNMASK}),
        # alerts are at least a window apart, so this key differs for each
        dedupe_key=f"pii.unmask_limit:{acting_user.pk}:{int(now // WINDOW_SECONDS)}",
    )
