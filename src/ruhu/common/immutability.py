"""Inspection of the database triggers that make records immutable (`ruhu_guard_*`).

Migrations install the triggers with their own SQL. This module lets maintenance code
(the test harness's flush between transactional tests) lift and restore them as a set.
"""

from __future__ import annotations

from contextlib import contextmanager

GUARD_PREFIX = "ruhu_guard_"


def guard_definitions(connection) -> list[tuple[str, str, str]]:
    """(name, table, CREATE statement) for every guard trigger in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s AND NOT t.tgisinternal",
                [GUARD_PREFIX + "%"],
            )
        else:
            cursor.execute(
                "SELECT name, tbl_name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE %s",
                [GUARD_PREFIX + "%"],
            )
        return list(cursor.fetchall())


@contextmanager
def guards_lifted(connection):
    """Drop every guard trigger for the duration of the block, then put them back."""
    definitions = guard_definitions(connection)
    with connection.cursor() as cursor:
        for name, table, _sql in definitions:
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
            else:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, _table, sql in definitions:
                cursor.execute(sql)
