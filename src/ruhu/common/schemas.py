from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field

from ruhu.common.converters import MAX_ID, parse_day


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
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _iso_day(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    day = parse_day(value) if isinstance(value, str) else None
    if day is None:
        raise ValueError("a day is written YYYY-MM-DD, between 1900-01-01 and 2999-12-31")
    return day


# A day as the API accepts it: YYYY-MM-DD only. Pydantic would also take a number as a Unix
# time (`day=5.5e-304` was 1970-01-01) and other ISO spellings; those are a 422.
Day = Annotated[dt.date, BeforeValidator(_iso_day)]


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
