"""One model row by primary key in one prepared statement, for the hottest reads.

The ORM builds and compiles its SQL afresh on each call: for a read by primary key that is
most of the read's time (decision 0024). `PkReader` builds the statement once per database
connection's vendor and applies the same conversions the ORM applies to each column, so the
instance it returns is the one `Model.objects.get(pk=…)` would give.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


class PkReader(Generic[M]):
    def __init__(self, model: type[M]) -> None:
        self.model = model
        self._built: dict[str, tuple[str, tuple[str, ...], list]] = {}

    def _build(self) -> tuple[str, tuple[str, ...], list]:
        meta = self.model._meta
        quote = connection.ops.quote_name
        fields = list(meta.concrete_fields)
        columns = ", ".join(quote(field.column) for field in fields)
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
        converters: list[tuple[int, list[Callable], Any]] = []
        for index, field in enumerate(fields):
            column = field.get_col(meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, found, column))
        return sql, tuple(field.attname for field in fields), converters

    def get(self, pk: Any) -> M | None:
        """The row whose primary key is `pk`, or None."""
        built = self._built.get(connection.vendor)
        if built is None:
            built = self._built[connection.vendor] = self._build()
        sql, attnames, converters = built
        key = self.model._meta.pk.get_db_prep_value(pk, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, functions, column in converters:
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
        return self.model.from_db(connection.alias, attnames, values)
