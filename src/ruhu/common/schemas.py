from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class AuditEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_label: str
    action: str
    target_type: str
    target_id: str
    target_repr: str
    changes: dict[str, Any]
    reason: str

    @staticmethod
    def resolve_target_type(obj) -> str:
        return ".".join(obj.target_type.natural_key()) if obj.target_type else ""


class UnmaskIn(Schema):
    field: str = Field(description="name of an encrypted field, e.g. phone or id_number")
    reason: str = Field(min_length=1, max_length=500)


class UnmaskOut(Schema):
    field: str
    value: str
