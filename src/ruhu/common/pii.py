"""Unmasking personal data: a capability, a typed reason, and an access event every time."""

from __future__ import annotations

from django.db import models, transaction

from ruhu.common.audit import audit_record
from ruhu.common.errors import PermissionRefused, ValidationFailed
from ruhu.common.fields import EncryptedTextField

MIN_REASON = 4


@transaction.atomic
def pii_unmask(
    *, acting_user, target: models.Model, field: str, reason: str, via: str = "web"
) -> str:
    if not acting_user.can("pii.unmask"):
        raise PermissionRefused("您没有查看完整个人信息的权限", code="pii_unmask_refused")
    try:
        model_field = target._meta.get_field(field)
    except Exception:
        raise ValidationFailed("未知字段", code="pii_unknown_field") from None
    if not isinstance(model_field, EncryptedTextField):
        raise ValidationFailed("该字段不是个人敏感信息", code="pii_unknown_field")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationFailed(
            f"请填写查看原因（至少{MIN_REASON}个字）", code="pii_reason_required"
        )
    audit_record(
        acting_user=acting_user,
        action="pii.unmask",
        target=target,
        changes={"field": [None, field]},
        reason=reason,
        via=via,
    )
    return getattr(target, field)
