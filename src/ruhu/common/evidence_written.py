"""A frozen record's ledger bytes built from the rows its kind just wrote (decision 0025).

`EvidenceShape.records` (common/evidence.py) is the loader: the database writes each row as
JSON, and `ruhu ledger verify` reads every record back through it. When a record is frozen,
its rows are still in hand: the same bytes are built here from them in Python, through
`reference_json`, the definition the loader's SQL is held to on both engines (the tests
compare them), instead of reading back, in one statement per table, what was just
inserted. A value whose stored form Python cannot be sure of (a naive time, a decimal with
more places than its column keeps) makes the caller read the record back as before.

The kind's write leaves its child rows on the record with `rows_written`, where Django's
related managers look for prefetched rows (so `visit.appliances.all()` does not query
either); a child table it left nothing for is read from the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from django.db import connection, models
from django.utils import timezone

from ruhu.common.evidence import EvidenceShape, RowTable, reference_json
from ruhu.common.ledger import LedgerRecord
from ruhu.common.models import Attachment


def rows_written(record: models.Model, **rows: Iterable[models.Model]) -> None:
    """Keep the child rows just written on `record`, by their related name, as a
    prefetch would: its related managers then answer from them without a query."""
    cache = record.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, children in rows.items():
        manager = getattr(record, name)
        cache.pop(manager.field.remote_field.cache_name, None)
        rows_of = manager.get_queryset()
        rows_of._result_cache = list(children)
        rows_of._prefetch_done = True
        cache[manager.field.remote_field.cache_name] = rows_of


class Unsure(Exception):
    """A value whose stored form may differ from Python's: read the record back."""


def record_as_written(shape: EvidenceShape, record: models.Model) -> LedgerRecord | None:
    """The ledger record `shape.records` would read for `record` now, built from the
    instances in hand; None when a value's stored form is uncertain."""
    try:
        parts = [reference_json(_as_stored(record, shape.parent), shape.parent)]
        cited = _cited(record, shape.attachment_columns)
        for child in shape.children:
            rows = sorted(_children(record, child.table, child.parent_column), key=_position)
            jsons = [reference_json(_as_stored(row, child.table), child.table) for row in rows]
            parts.append("[" + ",".join(jsons) + "]")
            for row in rows:
                cited += _cited(row, child.attachment_columns)
    except Unsure:
        return None
    document = "[" + ",".join(parts) + "]"
    return LedgerRecord(document.encode(), _shas(cited))


def _position(row: models.Model) -> Any:
    return row.position  # type: ignore[attr-defined]


def _children(record: models.Model, part: RowTable, parent_column: str) -> list[models.Model]:
    field = next(f for f in part.model._meta.concrete_fields if f.attname == parent_column)
    accessor = cast(models.ForeignKey, field).remote_field.get_accessor_name()
    return list(getattr(record, str(accessor)).all())


def _as_stored(row: models.Model, part: RowTable) -> models.Model:
    """The row's values as the loader will read them (as Django's save converts them)."""
    values = {}
    for field in part.fields:
        value = field.to_python(getattr(row, field.attname))
        if value is None and isinstance(field, models.DecimalField) and _zero_for_null():
            value = Decimal(0)  # SQLite's loader formats a missing decimal as zeros
        if isinstance(value, dt.datetime) and timezone.is_naive(value):
            raise Unsure(field.attname)
        if isinstance(value, Decimal):
            places = cast(models.DecimalField, field).decimal_places
            if not value.is_finite() or cast(int, value.as_tuple().exponent) < -places:
                raise Unsure(field.attname)
            value = value.copy_abs() if value.is_zero() else value  # stored without its sign
        values[field.attname] = value
    return cast(models.Model, SimpleNamespace(**values))  # reference_json reads attributes


def _zero_for_null() -> bool:
    """On SQLite the loader writes a decimal with printf('%.Nf', …), which formats NULL as
    zeros ("0.000000"), where PostgreSQL's writes null: the bytes must be the loader's."""
    return connection.vendor == "sqlite"


def _cited(row: models.Model, columns: Iterable[str]) -> list[Attachment | Any]:
    """The attachments the row cites through `columns`, in order: the instance it holds
    (the kind's write sets the uploads it checked), else the id."""
    cited: list[Attachment | Any] = []
    for column in columns:
        field = next(f for f in row._meta.concrete_fields if f.attname == column)
        if field.is_cached(row):  # type: ignore[attr-defined]
            attachment = getattr(row, field.name)
            if attachment is not None:
                cited.append(attachment)
        elif getattr(row, column) is not None:
            cited.append(getattr(row, column))
    return cited


def _shas(cited: list[Attachment | Any]) -> tuple[str, ...]:
    """The SHA-256 of each cited attachment, in order; those held only by id are read."""
    ids = {a for a in cited if not isinstance(a, Attachment)}
    read: Mapping[Any, str] = {}
    if ids:
        read = dict(Attachment.objects.filter(pk__in=ids).values_list("id", "sha256"))
    return tuple(
        a.sha256 if isinstance(a, Attachment) else read[a]
        for a in cited
        if isinstance(a, Attachment) or a in read
    )
