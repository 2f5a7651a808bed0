"""Frozen records as the ledger chains them: rows written as JSON by the database itself.

A record is `[parent row, child rows of each kind…]`, each row its columns in model order
(the fields' order is part of the format: a new column changes every record's hash, so it
needs a new ledger kind or a migration of the chain), and the SHA-256 of every attachment
it cites. The same loader builds the record when it is frozen and when `ruhu ledger verify`
reads it back, so a change to any column, or to which attachment a row cites, changes the
hash. The database writes each row as a compact JSON array in one engine-independent form
(UUIDs as 32 hex digits, times as UTC "YYYY-MM-DD HH:MM:SS[.ffffff]", decimals as strings
with their field's places, booleans as true/false): `reference_json` is the same in
Python, and the tests hold both engines' SQL to it, so a chain made on SQLite verifies
after a move to PostgreSQL. Visits and facility checks are both recorded this way.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models

from ruhu.common.ledger import LedgerRecord, canonical_json
from ruhu.common.models import Attachment

UTC = dt.UTC
ATTACHMENT_TABLE = Attachment._meta.db_table


@functools.cache  # per field: reference_json asks for each value of each row
def _kind(field: models.Field) -> str:
    target = cast(models.ForeignKey, field).target_field if field.is_relation else field
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
        return f"printf('%%.{_places(field)}f', {column})"
    return column  # integers as numbers; text, UUIDs (hex) and times as the stored text


class RowTable:
    """One table's part of the record: its columns in model order, as one JSON array that
    the database writes (in C, not Python: this is what makes verifying fast)."""

    def __init__(self, model: type[models.Model], skip: Collection[str] = frozenset()) -> None:
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


def _places(field: models.Field) -> int:
    return int(cast(models.DecimalField, field).decimal_places)


def reference_json(instance: models.Model, part: RowTable) -> str:
    """The same JSON array written by Python from the model instance: the definition the
    SQL of both engines must agree with (the tests compare them)."""
    values: list[Any] = []
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
            step = Decimal(1).scaleb(-_places(field))
            values.append(str(Decimal(value).quantize(step)))
        else:
            values.append(value)
    return canonical_json(values).decode()


def among(column: str, count: int, vendor: str) -> str:
    """`column` is one of the batch's ids: one array parameter on PostgreSQL (binding
    thousands of placeholders costs more than the query), a list on SQLite."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN ({', '.join(['%s'] * count)})"


ALIASES = ("p0", "p1", "p2")


def _joins(table: str, columns: Sequence[str]) -> tuple[str, str]:
    joins = "".join(
        f" LEFT JOIN {ATTACHMENT_TABLE} {alias} ON {alias}.id = {table}.{column}"
        for alias, column in zip(ALIASES, columns, strict=False)
    )
    shas = "".join(f", {alias}.sha256" for alias in ALIASES[: len(columns)])
    return joins, shas


@dataclass(frozen=True)
class ChildRows:
    """Rows that belong to the record through `parent_column`, ordered by `position`,
    citing attachments through `attachment_columns`."""

    table: RowTable
    parent_column: str
    attachment_columns: tuple[str, ...] = ()

    def source(self, parent_table: str) -> str:
        table = self.table.model._meta.db_table
        return f"{table} WHERE {table}.{self.parent_column} = {parent_table}.id"

    def sql(self, count: int, vendor: str) -> str:
        table = self.table.model._meta.db_table
        joins, shas = _joins(table, self.attachment_columns)
        return (
            f"SELECT {table}.{self.parent_column}, {table}.position, "  # noqa: S608 (our names)
            f"{self.table.row_json(vendor)}{shas} FROM {table}{joins} "
            f"WHERE {among(f'{table}.{self.parent_column}', count, vendor)}"
        )


@dataclass(frozen=True)
class EvidenceShape:
    """A kind of frozen record with a UUID key: its parent row (citing attachments through
    `attachment_columns`) and its child rows, in the order they enter the record."""

    parent: RowTable
    children: tuple[ChildRows, ...]
    attachment_columns: tuple[str, ...] = ()

    def _parent_sql(self, count: int, vendor: str) -> str:
        table = self.parent.model._meta.db_table
        joins, shas = _joins(table, self.attachment_columns)
        return (
            f"SELECT {table}.id, {self.parent.row_json(vendor)}{shas} "  # noqa: S608
            f"FROM {table}{joins} WHERE {among(f'{table}.id', count, vendor)}"
        )

    def range_sql(self, vendor: str) -> str:
        """One query for a range of the ledger: each record the entries of a kind name,
        built whole by the database (its row, each kind of child row in position order,
        the cited files' hashes joined by ",") and walked in seq order by the ledger's
        index, each table reached by its key."""
        table = self.parent.model._meta.db_table
        parts = [self.parent.row_json(vendor)]
        for child in self.children:
            rows = _ordered(
                vendor, child.table.row_json(vendor), child.source(table),
                f"{child.table.model._meta.db_table}.position",
            )  # fmt: skip
            parts.append(f"COALESCE({rows}, '')")
        hashes, joins = self._hashes_sql(vendor)
        return (
            f"SELECT e.seq, {_as_bytes(_record(vendor, parts), vendor)}, "  # noqa: S608
            f"COALESCE({hashes}, '') FROM {LEDGER_TABLE} e "
            f"JOIN {table} ON {table}.id = {_record_key(vendor)}{joins} WHERE {IN_RANGE}"
        )

    def _hashes_sql(self, vendor: str) -> tuple[str, str]:
        """The hashes of the files the record cites, in the order `records` gives them
        (the parent's columns, then each kind of child row by position and column), and
        the joins the parent's need. Each kind of child row is read in its index's order."""
        table = self.parent.model._meta.db_table
        joins, _ = _joins(table, self.attachment_columns)
        parts = [f"{alias}.sha256" for alias in ALIASES[: len(self.attachment_columns)]]
        for child in self.children:
            if not child.attachment_columns:
                continue
            rows = child.table.model._meta.db_table
            # a scalar subquery each: one index lookup a hash, whatever the planner thinks
            # of the attachment table's size
            cited = [
                f"(SELECT a.sha256 FROM {ATTACHMENT_TABLE} a "  # noqa: S608
                f"WHERE a.id = {rows}.{column})"
                for column in child.attachment_columns
            ]
            value = _present(vendor, cited)
            parts.append(_ordered(vendor, value, child.source(table), f"{rows}.position"))
        return _present(vendor, parts), joins

    def ranges(self, kind: str, after: int, until: int) -> list[tuple[int, bytes, str]]:
        """The range loader (decision 0026): the records that the entries of `kind` with
        after < seq <= until name, as `records` writes them, as (seq, bytes, hashes)."""
        with connection.cursor() as cursor:
            cursor.execute(self.range_sql(connection.vendor), [kind, after, until])
            return cursor.fetchall()

    def records(self, ids: list[str]) -> dict[str, LedgerRecord]:
        """The ledger loader: what the records are now, by id."""
        if not ids:
            return {}
        vendor = connection.vendor
        keys = [uuid.UUID(value) for value in ids]
        params = [key.hex for key in keys] if vendor == "sqlite" else [keys]
        by_hex = {key.hex: str(key) for key in keys}
        children: list[dict[str, list]] = []
        with connection.cursor() as cursor:
            for child in self.children:
                rows_of: dict[str, list] = defaultdict(list)
                cursor.execute(child.sql(len(params), vendor), params)
                for parent_id, position, text, *shas in cursor.fetchall():
                    rows_of[_key(parent_id)].append((position, text, shas))
                children.append(rows_of)
            cursor.execute(self._parent_sql(len(params), vendor), params)
            rows = cursor.fetchall()
        records = {}
        for parent_id, text, *own_shas in rows:
            key = _key(parent_id)
            parts = [text]
            attachments = [sha for sha in own_shas if sha]
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


LEDGER_TABLE = "common_ledgerentry"
IN_RANGE = "e.kind = %s AND e.seq > %s AND e.seq <= %s"
UUID_TEXT = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _record_key(vendor: str) -> str:
    """The entry's record id as the table's UUID key: 32 hex digits on SQLite, a uuid on
    PostgreSQL (an id that is not one names no record, rather than failing the query)."""
    if vendor == "postgresql":
        return f"(CASE WHEN e.record_id ~ '{UUID_TEXT}' THEN e.record_id::uuid END)"
    return "replace(e.record_id, '-', '')"


def _record(vendor: str, parts: list[str]) -> str:
    """`[parent row, [child rows], …]` from the parts' SQL. SQLite writes it with one printf
    (one allocation, where each || copies the whole record so far: decision 0031)."""
    if vendor == "postgresql":
        return (
            "'[' || "
            + " || ',' || ".join([parts[0], *(f"'[' || {p} || ']'" for p in parts[1:])])
            + " || ']'"
        )
    layout = "[" + ",".join(["%%s"] + ["[%%s]"] * (len(parts) - 1)) + "]"
    return f"printf('{layout}', {', '.join(parts)})"


def _as_bytes(sql: str, vendor: str) -> str:
    """The row's JSON as UTF-8 bytes from the database: no decoding and encoding again."""
    if vendor == "postgresql":
        return f"convert_to({sql}, 'UTF8')"
    return f"CAST({sql} AS BLOB)"


def _present(vendor: str, values: list[str]) -> str:
    """The values that are not NULL, joined by "," (NULL if none is). The values are
    attachment hashes: no comma in them, none empty."""
    if not values:
        return "NULL"
    if len(values) == 1:
        return values[0]
    if vendor == "postgresql":
        return f"NULLIF(concat_ws(',', {', '.join(values)}), '')"
    # SQLite before 3.44 has no concat_ws: join with a comma each, then fold runs of commas
    text = " || ',' || ".join(f"COALESCE({value}, '')" for value in values)
    for _ in range((len(values) - 1).bit_length()):
        text = f"replace({text}, ',,', ',')"
    return f"NULLIF(trim({text}, ','), '')"


def _ordered(vendor: str, value: str, source: str, order: str) -> str:
    """`value` of every row of `source`, in `order`, joined by "," (NULL if none).

    PostgreSQL orders inside string_agg. SQLite before 3.44 has no ORDER BY inside
    group_concat; it concatenates in the order its input comes, and keeps a subquery's
    ORDER BY when the query around it aggregates with anything but count, min or max (its
    query planner's rule for exactly this use). A record read in another order would
    differ from the one chained: verify would say so, never pass it silently."""
    if vendor == "postgresql":
        return f"(SELECT string_agg({value}, ',' ORDER BY {order}) FROM {source})"  # noqa: S608
    inner = f"SELECT {value} AS v FROM {source} ORDER BY {order}"  # noqa: S608
    return f"(SELECT group_concat(v, ',') FROM ({inner}))"  # noqa: S608


def _key(value: Any) -> str:
    return value if isinstance(value, str) else value.hex
