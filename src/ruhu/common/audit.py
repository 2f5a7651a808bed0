"""The audit trail: every service write records who, what, when and old → new.

Each row is written when it is recorded, except inside `audit_rows_gathered()`: there the
rows of one transaction wait and go in together, in one INSERT, when the block ends
(a visit's own row, its household's and its hazards' are one statement, not three).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.transaction import TransactionManagementError

from ruhu.common.actors import Actor
from ruhu.common.fields import BlindIndexField, EncryptedTextField
from ruhu.common.models import AuditEvent
from ruhu.common.rows import rows_insert


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
    """Append one audit row. Call inside the service's transaction (inside
    `audit_rows_gathered`, the row is written when that block ends)."""
    if branch_id is None and target is not None:
        branch_id = getattr(target, "branch_id", None)
    actor = acting_user if getattr(acting_user, "pk", None) else None
    event = AuditEvent(
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
    gathered = _gathered.get()
    if gathered is not None and gathered.can_wait():
        gathered.rows.append(event)
    else:
        event.save(force_insert=True)
    return event


@dataclass
class _Gathered:
    """The audit rows waiting for the end of an `audit_rows_gathered` block."""

    depth: int  # how many atomic blocks were open inside the outermost when it began
    rows: list[AuditEvent] = dataclass_field(default_factory=list)

    def can_wait(self) -> bool:
        """A row recorded inside a savepoint opened since the block began is written at
        once: that savepoint may roll back on its own, and its row with it."""
        inner = connection.savepoint_ids[self.depth :]
        return connection.in_atomic_block and all(sid is None for sid in inner)


_gathered: ContextVar[_Gathered | None] = ContextVar("audit_rows_gathered", default=None)


@contextmanager
def audit_rows_gathered() -> Iterator[None]:
    """Write the audit rows recorded in the block in one INSERT when it ends without an
    error, in the order they were recorded. Use inside the transaction of the writes they
    describe; until the block ends, the rows `audit_record` returns have no pk yet."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("audit rows are gathered inside a transaction")
    gathered = _Gathered(len(connection.savepoint_ids))
    token = _gathered.set(gathered)
    try:
        yield
    finally:
        _gathered.reset(token)
    if gathered.rows:
        rows_insert(gathered.rows)
