"""Model rows in one statement built once, for the hottest reads.

The ORM builds and compiles its SQL afresh on each call: for a read by primary key that is
most of the read's time (decision 0024). `PkReader` builds the statement once per database
connection's vendor and applies the same conversions the ORM applies to each column, so the
instance it returns is the one `Model.objects.get(pk=…)` would give (with `defer`, the one
`.defer(…)` would give: those fields load when touched). `where` reads the rows matching a
condition in SQL over the table's columns, for the few hot reads not by primary key
(decision 0029).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, Generic, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


class PkReader(Generic[M]):
    def __init__(self, model: type[M], *, defer: Collection[str] = ()) -> None:
        self.model = model
        self.defer = frozenset(defer)
        self._built: dict[str, tuple[str, tuple[str, ...], list]] = {}

    def _build(self) -> tuple[str, tuple[str, ...], list]:
        meta = self.model._meta
        quote = connection.ops.quote_name
        fields = [field for field in meta.concrete_fields if field.name not in self.defer]
        columns = ", ".join(quote(field.column) for field in fields)
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE "  # noqa: S608
        converters: list[tuple[int, list[Callable], Any]] = []
        for index, field in enumerate(fields):
            column = field.get_col(meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, found, column))
        return sql, tuple(field.attname for field in fields), converters

    def get(self, pk: Any) -> M | None:
        """The row whose primary key is `pk`, or None."""
        meta = self.model._meta
        column = connection.ops.quote_name(meta.pk.column)
        found = self.where(f"{column} = %s", [meta.pk.get_db_prep_value(pk, connection)])
        return found[0] if found else None

    def where(self, condition: str, params: Sequence[Any]) -> list[M]:
        """The rows matching `condition` (SQL over the table's columns, `%s` for each of
        `params`, which are given as the database takes them), in no order."""
        built = self._built.get(connection.vendor)
        if built is None:
            built = self._built[connection.vendor] = self._build()
        sql, attnames, converters = built
        with connection.cursor() as cursor:
            cursor.execute(sql + condition, params)
            rows = cursor.fetchall()
        return [self._instance(row, attnames, converters) for row in rows]

    def _instance(self, row: Sequence[Any], attnames: tuple[str, ...], converters: list) -> M:
        values = list(row)
        for index, functions, column in converters:
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
        return self.model.from_db(connection.alias, attnames, values)
