"""A visit as the ledger chains it: canonical JSON of its row and its child rows, and the
SHA-256 of every attachment it cites (signature, then photos, then hazard photos).

The record is `[visit columns, photo rows, hazard rows, appliance rows]`, each row its
columns in model order (the fields' order is part of the format: a new column changes
every visit's hash, so it needs a new ledger kind or a migration of the chain). The same
loader builds the record when the visit is frozen and when `ruhu ledger verify` reads it
back, so any change to a column of the visit or of a child row, or to which attachment a
row cites, changes the hash. The database writes each row as a compact JSON array in one
engine-independent form (UUIDs as 32 hex digits, times as UTC "YYYY-MM-DD
HH:MM:SS[.ffffff]", decimals as strings with their field's places, booleans as true/false):
`reference_json` is the same in Python, and the tests hold both engines' SQL to it, so a
chain made on SQLite verifies after a move to PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection, models

from ruhu.common.ledger import LedgerRecord, canonical_json
from ruhu.common.models import Attachment
from ruhu.inspection.models import Visit, VisitAppliance, VisitHazard, VisitPhoto

LEDGER_KIND = "visit"
UNFROZEN = {"frozen", "frozen_at"}  # set after the record is built: not part of it
UTC = dt.UTC


def _kind(field: models.Field) -> str:
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.UUIDField):
        return "uuid"
    for kind, types in KINDS:
        if isinstance(target, types):
            return kind
    return "int"


KINDS = (
    ("time", models.DateTimeField),
    ("decimal", models.DecimalField),
    ("bool", models.BooleanField),
    ("text", (models.CharField, models.TextField)),
)


def _json_sql(field: models.Field, column: str) -> str:
    """PostgreSQL that writes the column's value as the JSON text `reference_json` gives
    (its json_build_array puts a space after each comma)."""
    kind = _kind(field)
    if kind == "bool":
        return f"CASE WHEN {column} IS NULL THEN 'null' WHEN {column} THEN 'true' ELSE 'false' END"
    if kind == "int":
        return f"COALESCE({column}::text, 'null')"
    if kind == "uuid":
        return f"COALESCE('\"' || replace({column}::text, '-', '') || '\"', 'null')"
    if kind == "decimal":
        return f"COALESCE('\"' || {column}::text || '\"', 'null')"
    if kind == "time":
        utc = f"({column} AT TIME ZONE 'UTC')"
        seconds = f"to_char({utc}, 'YYYY-MM-DD HH24:MI:SS')"
        micro = f"date_part('microseconds', {column})::bigint %% 1000000"
        return (
            f"COALESCE(to_json(CASE WHEN {micro} = 0 THEN {seconds} "
            f"ELSE to_char({utc}, 'YYYY-MM-DD HH24:MI:SS.US') END)::text, 'null')"
        )
    return f"COALESCE(to_json({column})::text, 'null')"


def _sqlite_value(field: models.Field, column: str) -> str:
    """The argument json_array needs to write the value as `reference_json` does."""
    kind = _kind(field)
    if kind == "bool":
        yes, no = "json('true')", "json('false')"
        return f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN {yes} ELSE {no} END"
    if kind == "decimal":
        return f"printf('%%.{field.decimal_places}f', {column})"
    return column  # integers as numbers; text, UUIDs (hex) and times as the stored text


class _Table:
    """One table's part of the record: its columns in model order, as one JSON array that
    the database writes (in C, not Python: this is what makes verifying fast)."""

    def __init__(self, model: type[models.Model], skip: set[str] = frozenset()) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if f.attname not in skip]
        self.names = [f.attname for f in self.fields]

    def row_json(self, vendor: str) -> str:
        table = self.model._meta.db_table
        columns = [(f, f'"{table}"."{f.column}"') for f in self.fields]
        if vendor == "sqlite":  # one json_array call: SQLite writes it compact, in one pass
            return "json_array(" + ", ".join(_sqlite_value(f, c) for f, c in columns) + ")"
        parts = [_json_sql(f, column) for f, column in columns]
        return "'[' || " + " || ',' || ".join(parts) + " || ']'"


def reference_json(instance: models.Model, part: _Table) -> str:
    """The same JSON array written by Python from the model instance: the definition the
    SQL of both engines must agree with (the tests compare them)."""
    values = []
    for field in part.fields:
        value = getattr(instance, field.attname)
        kind = _kind(field)
        if value is None:
            values.append(None)
        elif kind == "uuid":
            values.append(value.hex if isinstance(value, uuid.UUID) else uuid.UUID(value).hex)
        elif kind == "time":
            values.append(str(value.astimezone(UTC).replace(tzinfo=None)))
        elif kind == "decimal":
            step = Decimal(1).scaleb(-field.decimal_places)
            values.append(str(Decimal(value).quantize(step)))
        else:
            values.append(value)
    return canonical_json(values).decode()


VISIT = _Table(Visit, UNFROZEN)
PHOTO = _Table(VisitPhoto, {"id"})
HAZARD = _Table(VisitHazard, {"id"})
APPLIANCE = _Table(VisitAppliance, {"id"})
ATTACHMENT_TABLE = Attachment._meta.db_table


def _among(column: str, count: int, vendor: str) -> str:
    """`column` is one of the batch's ids: one array parameter on PostgreSQL (binding
    thousands of placeholders costs more than the query), a list on SQLite."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN ({', '.join(['%s'] * count)})"


def _visit_sql(count: int, vendor: str) -> str:
    table = Visit._meta.db_table
    return (
        f"SELECT {table}.id, {VISIT.row_json(vendor)}, a.sha256 "  # noqa: S608 (our names)
        f"FROM {table} LEFT JOIN {ATTACHMENT_TABLE} a ON a.id = {table}.signature_id "
        f"WHERE {_among(f'{table}.id', count, vendor)}"
    )


def _child_sql(part: _Table, photos: list[str], count: int, vendor: str) -> str:
    table = part.model._meta.db_table
    joins = "".join(
        f" LEFT JOIN {ATTACHMENT_TABLE} {alias} ON {alias}.id = {table}.{column}"
        for alias, column in zip(("p0", "p1"), photos, strict=False)
    )
    shas = "".join(f", {alias}.sha256" for alias in ("p0", "p1")[: len(photos)])
    return (
        f"SELECT {table}.visit_id, {table}.position, {part.row_json(vendor)}{shas} "  # noqa: S608
        f"FROM {table}{joins} WHERE {_among(f'{table}.visit_id', count, vendor)}"
    )


CHILDREN = (
    (PHOTO, ["attachment_id"]),
    (HAZARD, ["before_photo_id", "after_photo_id"]),
    (APPLIANCE, []),
)


def _key(value: Any) -> str:
    return value if isinstance(value, str) else value.hex


def visit_records(ids: list[str]) -> dict[str, LedgerRecord]:
    """The ledger loader of kind "visit": what the visits are now, by id."""
    if not ids:
        return {}
    vendor = connection.vendor
    keys = [uuid.UUID(value) for value in ids]
    params = [key.hex for key in keys] if vendor == "sqlite" else [keys]
    by_hex = {key.hex: str(key) for key in keys}
    children: list[dict[str, list]] = []
    with connection.cursor() as cursor:
        for part, photos in CHILDREN:
            rows_of: dict[str, list] = defaultdict(list)
            cursor.execute(_child_sql(part, photos, len(params), vendor), params)
            for visit_id, position, text, *shas in cursor.fetchall():
                rows_of[_key(visit_id)].append((position, text, shas))
            children.append(rows_of)
        cursor.execute(_visit_sql(len(params), vendor), params)
        rows = cursor.fetchall()
    records = {}
    for visit_id, text, signature in rows:
        key = _key(visit_id)
        parts = [text]
        attachments = [signature] if signature else []
        for rows_of in children:
            own = rows_of.get(key)
            if not own:
                parts.append("[]")
                continue
            own.sort()
            parts.append("[" + ",".join(row for _, row, _ in own) + "]")
            attachments += [sha for _, _, shas in own for sha in shas if sha]
        document = "[" + ",".join(parts) + "]"
        records[by_hex[key]] = LedgerRecord(document.encode(), tuple(attachments))
    return records
