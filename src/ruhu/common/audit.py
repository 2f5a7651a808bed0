"""The audit trail: every service write records who, what, when and old → new."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from ruhu.common.actors import Actor
from ruhu.common.fields import BlindIndexField, EncryptedTextField
from ruhu.common.models import AuditEvent


def json_value(value: Any) -> Any:
    """A field value as JSON-safe data for an audit row."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The instance's field values as JSON-safe data, personal fields masked."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if isinstance(field, BlindIndexField) or field.name in {"password"}:
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, EncryptedTextField):
            value = field.mask(value)
        data[field.name] = json_value(value)
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def audit_record(
    *,
    acting_user: Actor | None,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    branch_id: int | None = None,
    via: str = "",
) -> AuditEvent:
    """Append one audit row. Call inside the service's transaction."""
    if branch_id is None and target is not None:
        branch_id = getattr(target, "branch_id", None)
    actor = acting_user if getattr(acting_user, "pk", None) else None
    return AuditEvent.objects.create(
        actor_id=actor.pk if actor else None,
        actor_label=(actor.get_username() if actor else "system"),
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        branch_id=branch_id,
        changes=changes or {},
        reason=reason,
        via=via,
    )
