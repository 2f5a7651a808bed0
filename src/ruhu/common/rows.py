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

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import NOT_PROVIDED

M = TypeVar("M", bound=models.Model)


def _db() -> BaseDatabaseWrapper:
    """The connection itself: each attribute read through `django.db.connection` (a proxy)
    looks the connection up in a context-local store again (decision 0033)."""
    return connections[DEFAULT_DB_ALIAS]


class PkReader(Generic[M]):
    def __init__(self, model: type[M], *, defer: Collection[str] = ()) -> None:
        self.model = model
        self.defer = frozenset(defer)
        self._built: dict[str, tuple[str, tuple[str, ...], list]] = {}

    def _build(self, connection: BaseDatabaseWrapper) -> tuple[str, tuple[str, ...], list]:
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
        meta, connection = self.model._meta, _db()
        column = connection.ops.quote_name(meta.pk.column)
        found = self.where(f"{column} = %s", [meta.pk.get_db_prep_value(pk, connection)])
        return found[0] if found else None

    def where(self, condition: str, params: Sequence[Any]) -> list[M]:
        """The rows matching `condition` (SQL over the table's columns, `%s` for each of
        `params`, which are given as the database takes them), in no order."""
        connection = _db()
        built = self._built.get(connection.vendor)
        if built is None:
            built = self._built[connection.vendor] = self._build(connection)
        sql, attnames, converters = built
        with connection.cursor() as cursor:
            cursor.execute(sql + condition, params)
            rows = cursor.fetchall()
        return [self._instance(connection, row, attnames, converters) for row in rows]

    def _instance(
        self, connection: BaseDatabaseWrapper, row: Sequence[Any], attnames: tuple, converters: list
    ) -> M:
        values = list(row)
        for index, functions, column in converters:
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
        return self.model.from_db(connection.alias, attnames, values)


# ---------------------------------------------------------------- writes on the hot path
# The ORM compiles an INSERT or UPDATE afresh for each call as it does a SELECT. These
# write plain values (no expressions) with the statement built once per model, columns and
# vendor, each value prepared by its field as the ORM prepares it (`get_db_prep_save`, after
# `pre_save`: auto_now and the blind indexes included). No signals are sent, as
# `bulk_create` and `update` send none; the project has no receivers of them.

_inserts: dict[tuple[str, type[models.Model]], tuple[str, str, str, list]] = {}
_updates: dict[tuple[str, type[models.Model], tuple[str, ...]], tuple[str, list]] = {}
MAX_PARAMS = 999  # beyond, `bulk_create` splits the rows in batches the engine takes


def _plain(value: Any) -> bool:
    return not hasattr(value, "resolve_expression") and not hasattr(value, "as_sql")


# Fields that store a value of these exact types as it is: their `get_db_prep_save` gives it
# back unchanged (text stays text, a bool a bool, None None) on every engine; a value of any
# other type, or any other field, is prepared by the field (decision 0033).
_AS_IS = {
    models.CharField: (str, type(None)),
    models.TextField: (str, type(None)),
    models.BooleanField: (bool, type(None)),
}


def _preparers(fields: list[models.Field]) -> list[tuple[models.Field, bool, tuple]]:
    """Per field: (field, whether `pre_save` is the plain read of the attribute, the types
    of value written as they are)."""
    return [
        (field, type(field).pre_save is models.Field.pre_save, _AS_IS.get(type(field), ()))
        for field in fields
    ]


def _insert_parts(
    model: type[models.Model], connection: BaseDatabaseWrapper
) -> tuple[str, str, str, list]:
    """(INSERT … VALUES, one row's placeholders, RETURNING … or "", the fields written with
    how each is prepared)."""
    meta = model._meta
    auto = meta.auto_field is not None and meta.pk is meta.auto_field
    fields = [field for field in meta.concrete_fields if not (auto and field is meta.pk)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    return (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ",  # noqa: S608
        "(" + ", ".join(["%s"] * len(fields)) + ")",
        f" RETURNING {quote(meta.pk.column)}" if auto else "",
        _preparers(fields),
    )


def rows_insert(objs: Sequence[M]) -> list[M]:
    """INSERT `objs` (unsaved, of one model) in one statement, in order; an automatic
    primary key is read back with RETURNING, as `bulk_create` does. A model with database
    defaults, a value that is an expression, or more rows than one statement takes go
    through `bulk_create` itself."""
    if not objs:
        return []
    model, connection = type(objs[0]), _db()
    key = (connection.vendor, model)
    parts = _inserts.get(key)
    if parts is None:
        if any(field.db_default is not NOT_PROVIDED for field in model._meta.concrete_fields):
            return model._default_manager.bulk_create(objs)
        parts = _inserts[key] = _insert_parts(model, connection)
    start, row, returning, fields = parts
    if len(objs) * len(fields) > MAX_PARAMS:
        return model._default_manager.bulk_create(objs)
    params: list[Any] = []
    for obj in objs:
        prepared = _prepared(connection, obj, fields)
        if prepared is None:
            return model._default_manager.bulk_create(objs)
        params += prepared
    with connection.cursor() as cursor:
        cursor.execute(start + ", ".join([row] * len(objs)) + returning, params)
        returned = cursor.fetchall() if returning else []
    for obj, (pk,) in zip(objs, returned, strict=False):
        obj.pk = pk
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return list(objs)


def _prepared(connection: BaseDatabaseWrapper, obj: models.Model, fields: list) -> list[Any] | None:
    """The row's values as the ORM's compiler prepares them for an INSERT; None when one is
    an expression (the ORM writes it)."""
    values = []
    for field, read, as_is in fields:
        value = getattr(obj, field.attname) if read else field.pre_save(obj, True)
        if type(value) in as_is:
            values.append(value)
            continue
        if not _plain(value):
            return None
        values.append(field.get_db_prep_save(value, connection))
    return values


def rows_update(model: type[models.Model], pk: Any, **values: Any) -> int:
    """UPDATE the row of `model` whose primary key is `pk` to plain `values`: the number of
    rows changed (0 or 1), as `.filter(pk=pk).update(**values)` answers."""
    meta, connection = model._meta, _db()
    names = tuple(values)
    key = (connection.vendor, model, names)
    built = _updates.get(key)
    if built is None:
        quote = connection.ops.quote_name
        by_name = {name: f for f in meta.concrete_fields for name in (f.name, f.attname)}
        fields = [by_name[name] for name in names]
        sets = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
        built = _updates[key] = (sql, fields)
    sql, fields = built
    params = []
    for field, value in zip(fields, values.values(), strict=True):
        if not _plain(value) or isinstance(value, models.Model):
            return model._default_manager.filter(pk=pk).update(**values)
        params.append(field.get_db_prep_save(value, connection))
    params.append(meta.pk.get_db_prep_value(pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
