from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Schema
from ninja.renderers import JSONRenderer
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from ruhu.common.converters import MAX_ID, parse_day


class Payload(BaseModel):
    """A body the API reads from JSON, validated as plain pydantic: ninja's `Schema` wraps
    every model and nested model it validates in a getter that reads attributes off ORM
    objects, which an output needs and a parsed JSON body does not (on a visit's checklist
    it was a tenth of the request's CPU; decision 0029)."""

    model_config = ConfigDict(from_attributes=True)


_RENDERER = JSONRenderer()  # the API's (ruhu.api sets no other)


def answered(data: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """`data` answered as the API answers a schema's dump (its renderer, its content type),
    without the schema's validation pass over an object: for a hot operation that builds its
    answer from the attributes of rows in hand (decision 0033). The operation still declares
    its schema for the OpenAPI document, and a test holds both answers byte for byte equal."""
    content = _RENDERER.render(None, data, response_status=status)  # type: ignore[arg-type]
    content_type = f"{_RENDERER.media_type}; charset={_RENDERER.charset}"
    return HttpResponse(content, status=status, content_type=content_type)


def attributes(schema: type[Schema], obj: Any) -> dict[str, Any]:
    """The fields of `schema` (no aliases, no resolvers) read off `obj`, in the schema's order."""
    return {name: getattr(obj, name) for name in schema.model_fields}


class ErrorOut(Schema):
    """Every refusal the API answers: a message for people, a code for programs, details."""

    message: str
    code: str
    extra: dict[str, Any]


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


def _storable(value: dt.datetime) -> dt.datetime:
    offset = value.utcoffset() or dt.timedelta(0)
    if abs(offset) >= dt.timedelta(hours=16):  # RFC 3339 allows ±23:59, PostgreSQL ±15:59
        raise ValueError("UTC offset out of range")
    try:
        value.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 falls before the first representable UTC day
        raise ValueError("time out of range") from None
    return value


# A moment from a client: with its UTC offset (a naive time cannot be compared with ours) and
# one that the database can store and give back (422 otherwise).
Moment = Annotated[AwareDatetime, AfterValidator(_storable)]


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
