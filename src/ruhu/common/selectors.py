"""Reads of audit events, scoped like the objects they describe."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from ruhu.accounts.roles import Capability
from ruhu.accounts.scoping import require, scope_queryset
from ruhu.common.errors import NotFound
from ruhu.common.models import AuditEvent


def audit_list(
    *, acting_user, action: str = "", actor_id: int | None = None, target: object | None = None
) -> QuerySet[AuditEvent]:
    require(acting_user, Capability.VIEW_AUDIT)
    qs = scope_queryset(AuditEvent.objects.select_related("target_type"), acting_user=acting_user)
    if action:
        qs = qs.filter(action__startswith=action)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if target is not None:
        qs = qs.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
        )
    return qs.order_by("-occurred_at", "-id")


def audit_for_object(*, target) -> QuerySet[AuditEvent]:
    """The trail of one object the caller has already fetched through its scoped selector."""
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).order_by("-occurred_at", "-id")


def content_type_for(label: str) -> ContentType:
    app_label, _, model = label.partition(".")
    ct = ContentType.objects.filter(app_label=app_label, model=model).first()
    if ct is None:
        raise NotFound("未知的对象类型")
    return ct
