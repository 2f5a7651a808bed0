"""Set-based inserts for the bulk paths (plans, the hazard clock): COPY on PostgreSQL, one
prepared INSERT run over all rows on SQLite. The caller gives values as the database stores
them (`db_values`), so no model instance is built per row."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Sequence

from django.db import connection, models


def bulk_insert(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    rows = list(rows)
    if not rows:
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (our names)
        cursor.executemany(insert, rows)


def db_value(model: type[models.Model], field: str, value):
    """`value` as the database stores it in `model.field` (dates, times, UUIDs differ by
    engine): call it once per distinct value, not per row."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def time_ordered_uuid() -> uuid.UUID:
    """A UUID whose first 48 bits are the time in milliseconds (the layout of UUIDv7): rows
    keyed by it are appended at the end of the primary-key index instead of all over it."""
    millis = time.time_ns() // 1_000_000
    value = (millis & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)
