"""Set-based writing of an import: rows go to a temporary staging table at the engine's bulk
speed (executemany on SQLite, COPY on PostgreSQL), then a handful of SQL statements check
them against each other and the households table and merge them in."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

STAGING = "ruhu_import_staging"
FIELDS = (
    "line", "account_no", "name", "phone", "phone_bidx", "id_number", "id_number_bidx",
    "category", "district", "community", "building", "unit", "room", "address",
    "meter_serial", "meter_type", "meter_location", "gas_since", "last_inspected_on",
    "vulnerable", "group_rental", "digest",
)  # fmt: skip
# Household columns copied from staging on insert and update.
COPIED = (
    "name", "phone", "phone_bidx", "id_number", "id_number_bidx", "category", "district",
    "community", "building", "unit", "room", "address", "gas_since", "last_inspected_on",
    "vulnerable", "group_rental",
)  # fmt: skip
HOUSEHOLD = "premises_household"
METER = "premises_meter"


# SQLite's default page cache (2 MB) thrashes on the random keys of the blind indexes;
# 64 MB cuts the merge of 200,000 new rows by about a quarter (measured).
SQLITE_IMPORT_CACHE_KIB = 65536


def staging_create() -> None:
    boolean = "boolean" if connection.vendor == "postgresql" else "integer"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} (line integer NOT NULL, account_no varchar(32), "
            "name varchar(100), phone text, phone_bidx varchar(64), id_number text, "
            "id_number_bidx varchar(64), category varchar(20), district varchar(50), "
            "community varchar(100), building varchar(30), unit varchar(30), room varchar(30), "
            "address varchar(300), meter_serial varchar(40), meter_type varchar(16), "
            "meter_location varchar(16), gas_since date, last_inspected_on date, "
            f"vulnerable {boolean}, group_rental {boolean}, digest varchar(32), "
            f"changed {boolean} NOT NULL DEFAULT {'false' if boolean == 'boolean' else 0})"
        )


def staging_load(rows: Iterable[tuple]) -> None:
    """Append rows (in FIELDS order) to the staging table."""
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {STAGING} ({', '.join(FIELDS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(FIELDS))
            cursor.executemany(
                f"INSERT INTO {STAGING} ({', '.join(FIELDS)}) VALUES ({marks})",
                rows,
            )


def staging_index() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {STAGING}_account ON {STAGING} (account_no)")


def duplicate_lines() -> list[tuple[int, str, int]]:
    """(line, account no, first line) for every repeat of an account number in the file."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.line, s.account_no, f.first FROM {STAGING} s JOIN "
            f"(SELECT account_no, MIN(line) AS first FROM {STAGING} GROUP BY account_no "
            "HAVING COUNT(*) > 1) f ON f.account_no = s.account_no WHERE s.line > f.first "
            "ORDER BY s.line"
        )
        return list(cursor.fetchall())


def foreign_branch_lines(branch_id: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.line FROM {STAGING} s JOIN {HOUSEHOLD} h ON h.account_no = s.account_no "
            "WHERE h.branch_id <> %s ORDER BY s.line",
            [branch_id],
        )
        return [row[0] for row in cursor.fetchall()]


def staging_drop_lines(lines: list[int]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(lines), 500):
            chunk = lines[start : start + 500]
            cursor.execute(
                f"DELETE FROM {STAGING} WHERE line IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )


def merge(branch_id: int) -> dict[str, int]:
    """Insert new households, update changed ones, leave unchanged ones; counts of each."""
    true = "true" if connection.vendor == "postgresql" else "1"
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {STAGING} SET changed = {true} WHERE NOT EXISTS (SELECT 1 FROM {HOUSEHOLD} h "
            f"WHERE h.account_no = {STAGING}.account_no AND h.import_digest = {STAGING}.digest)"
        )
        cursor.execute(
            f"SELECT COUNT(*), SUM(CASE WHEN s.changed = {true} THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN h.id IS NULL THEN 1 ELSE 0 END) FROM {STAGING} s "
            f"LEFT JOIN {HOUSEHOLD} h ON h.account_no = s.account_no"
        )
        total, changed, new = (value or 0 for value in cursor.fetchone())
        assignments = ", ".join(f"{column} = s.{column}" for column in COPIED)
        cursor.execute(
            f"UPDATE {HOUSEHOLD} SET {assignments}, import_digest = s.digest, updated_at = %s, "
            f"is_key_customer = (s.vulnerable OR s.group_rental OR {HOUSEHOLD}.long_term_absent "
            f"OR {HOUSEHOLD}.supply_status <> 'normal') "
            f"FROM {STAGING} s WHERE {HOUSEHOLD}.account_no = s.account_no "
            f"AND s.changed = {true}",
            [now],
        )
        columns = ", ".join(COPIED)
        selected = ", ".join(f"s.{column}" for column in COPIED)
        cursor.execute(
            f"INSERT INTO {HOUSEHOLD} (branch_id, account_no, {columns}, first_conversion, "
            "long_term_absent, is_key_customer, supply_status, import_digest, created_at, "
            f"updated_at) SELECT %s, s.account_no, {selected}, {_false()}, {_false()}, "
            "(s.vulnerable OR s.group_rental), 'normal', s.digest, %s, %s FROM "
            f"{STAGING} s WHERE NOT EXISTS (SELECT 1 FROM {HOUSEHOLD} h "
            "WHERE h.account_no = s.account_no)",
            [branch_id, now, now],
        )
        cursor.execute(
            f"INSERT INTO {METER} (household_id, serial, kind, location, brand, model, size, "
            "inlet) SELECT h.id, s.meter_serial, s.meter_type, s.meter_location, '', '', '', '' "
            f"FROM {STAGING} s JOIN {HOUSEHOLD} h ON h.account_no = s.account_no "
            f"WHERE s.changed = {true} AND s.meter_serial <> '' "
            "ON CONFLICT (household_id) DO UPDATE SET serial = excluded.serial, "
            "kind = excluded.kind, location = excluded.location"
        )
        cursor.execute(f"DROP TABLE {STAGING}")
    return {"inserted": new, "updated": changed - new, "unchanged": total - changed}


def staging_discard() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")


def _false() -> str:
    return "false" if connection.vendor == "postgresql" else "0"
