from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field


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
    field: Text = Field(description="name of an encrypted field, e.g. phone or id_number")
    reason: Text = Field(min_length=1, max_length=500)


class UnmaskOut(Schema):
    field: str
    value: str


# A database id as the API accepts it: out-of-range numbers are rejected with 422 before
# they reach PostgreSQL (whose bigint would overflow) or SQLite.
ObjectId = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


# Free text from a client: PostgreSQL cannot store NUL, so it is refused at the edge (422).
Text = Annotated[str, AfterValidator(_no_nul)]


class AttachmentOut(Schema):
    id: uuid.UUID
    kind: str
    sha256: str
    original_sha256: str
    size: int
    content_type: str
    width: int | None
    height: int | None
    taken_at: dt.datetime | None
    latitude: decimal.Decimal | None
    longitude: decimal.Decimal | None
    uploaded_at: dt.datetime
