"""Writing prepared import rows straight into the households table.

Runs inside the import's transaction, batch by batch as the workers deliver:
- a temporary table of the file's account numbers (with their lines) finds duplicates;
- existing rows are looked up by account number (not at all when the table was empty):
  another branch's account is refused, an equal digest means unchanged;
- new rows go in with executemany (SQLite) or COPY (PostgreSQL); changed rows are updated.

Bulk mode: when the file is at least as large as the table, the secondary indexes are
dropped at the start and built again before commit. Building an index sorts once; keeping
it costs a random B-tree insert per row and index, several times more (decision 0007).
"""

from __future__ import annotations

from django.db import connection

from ruhu.premises.importing.prepare import RECORD, Prepared
from ruhu.premises.importing.rows import RowError

HOUSEHOLD = "premises_household"
SEEN = "ruhu_import_seen"
CHANGES = "ruhu_import_changes"
BULK_MIN_ROWS = 50_000
# SQLite's default page cache (2 MB) thrashes on an import's index pages; this one does not.
SQLITE_IMPORT_CACHE_KIB = 65536
LOOKUP_SLICE = 10_000  # below SQLite's limit of 32,766 parameters a statement
# Columns a new household gets whatever the file says (later workflows set them).
CONSTANT_COLUMNS = (
    "branch_id", "first_conversion", "long_term_absent", "supply_status", "meter_brand",
    "meter_model", "meter_size", "meter_inlet", "created_at", "updated_at",
)  # fmt: skip


def copy_suffix(*, branch_id: int, now) -> str:
    """The constant COPY fields that follow each prepared record (PostgreSQL)."""
    stamp = now.isoformat()
    return f"\t{int(branch_id)}\tf\tf\tnormal\t\t\t\t\t{stamp}\t{stamp}\n"


class Writer:
    def __init__(self, *, branch_id: int, now, expected_rows: int):
        self.vendor = connection.vendor
        self.branch_id, self.now = branch_id, now
        self.inserted = self.updated = self.unchanged = 0
        self.cursor = connection.cursor()
        if self.vendor == "sqlite":
            self.cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
        self.table_rows = self._table_rows()
        self.rebuild: list[str] = []
        self._create_temporary_tables()
        if expected_rows >= max(self.table_rows, BULK_MIN_ROWS):
            self._drop_secondary_indexes()

    def add(self, prepared: Prepared, *, write: bool = True) -> list[RowError]:
        """Write a batch (or only check it); the duplicate and foreign-branch errors."""
        accounts, lines = prepared.accounts, prepared.lines
        if not accounts:
            return []
        errors, skip = self._duplicates(accounts, lines, prepared.first_line)
        existing = {} if self.table_rows == 0 else self._existing(accounts)
        new, changed = [], []
        for index, account in enumerate(accounts):
            if index in skip:
                continue
            found = existing.get(account)
            if found is None:
                new.append(prepared.records[index])
            elif found[0] != self.branch_id:
                errors.append(RowError(lines[index], "account_no", "该户号属于其他分公司"))
            elif found[1] == prepared.digests[index]:
                self.unchanged += 1
            else:
                changed.append(prepared.records[index])
        if write:
            self._insert(new)
            self._update(changed)
        self.inserted += len(new)
        self.updated += len(changed)
        return errors

    def finish(self) -> None:
        if self.vendor == "postgresql":
            self._apply_changes()
        if self.rebuild and self.vendor == "postgresql":
            self.cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for statement in self.rebuild:
            self.cursor.execute(statement)
        self.discard()

    def discard(self) -> None:
        for table in (SEEN, CHANGES):
            self.cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def _table_rows(self) -> int:
        if self.vendor == "postgresql":
            self.cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {HOUSEHOLD})")
            if not self.cursor.fetchone()[0]:
                return 0
            self.cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [HOUSEHOLD]
            )
            estimate = self.cursor.fetchone()[0]
            if estimate > 0:
                return estimate
        self.cursor.execute(f"SELECT COUNT(*) FROM {HOUSEHOLD}")
        return self.cursor.fetchone()[0]

    def _create_temporary_tables(self) -> None:
        self.discard()
        if self.vendor == "postgresql":
            self.cursor.execute(
                f"CREATE TEMPORARY TABLE {SEEN} (account_no text PRIMARY KEY, line integer NOT "
                "NULL) ON COMMIT DROP"
            )
            columns = ", ".join((*RECORD, *CONSTANT_COLUMNS))
            self.cursor.execute(
                f"CREATE TEMPORARY TABLE {CHANGES} ON COMMIT DROP AS SELECT {columns} "
                f"FROM {HOUSEHOLD} WITH NO DATA"
            )
        else:
            self.cursor.execute(
                f"CREATE TEMPORARY TABLE {SEEN} (account_no TEXT PRIMARY KEY, line INTEGER NOT "
                "NULL) WITHOUT ROWID"
            )

    def _drop_secondary_indexes(self) -> None:
        if self.vendor == "postgresql":
            self.cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c "
                "ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass AND NOT i.indisunique "
                "AND NOT i.indisprimary",
                [HOUSEHOLD],
            )
        else:
            self.cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [HOUSEHOLD],
            )
        for name, definition in self.cursor.fetchall():
            self.cursor.execute(f'DROP INDEX "{name}"')
            self.rebuild.append(definition)

    def _duplicates(
        self, accounts: list[str], lines: list[int], first_line: int
    ) -> tuple[list[RowError], set[int]]:
        """Repeats of an account number within the file: their errors and batch positions."""
        errors: list[RowError] = []
        skip: set[int] = set()
        first: dict[str, int] = {}
        if len(set(accounts)) != len(accounts):
            for index, account in enumerate(accounts):
                if account in first:
                    skip.add(index)
                    errors.append(_duplicate(lines[index], account, lines[first[account]]))
                else:
                    first[account] = index
        else:
            first = dict(zip(accounts, range(len(accounts)), strict=True))
        fresh = [(account, lines[index]) for account, index in first.items()]
        if self._remember(fresh) < len(fresh):
            earlier = self._seen_before(list(first), first_line)
            for account, index in first.items():
                if account in earlier:
                    skip.add(index)
                    errors.append(_duplicate(lines[index], account, earlier[account]))
        return errors, skip

    def _remember(self, pairs: list[tuple[str, int]]) -> int:
        if self.vendor == "postgresql":
            self.cursor.execute(
                f"INSERT INTO {SEEN} SELECT * FROM unnest(%s::text[], %s::integer[]) "
                "ON CONFLICT DO NOTHING",
                [[account for account, _ in pairs], [line for _, line in pairs]],
            )
            return self.cursor.rowcount
        self.cursor.executemany(f"INSERT OR IGNORE INTO {SEEN} VALUES (%s, %s)", pairs)
        return self.cursor.rowcount

    def _seen_before(self, accounts: list[str], first_line: int) -> dict[str, int]:
        found: dict[str, int] = {}
        for part in _slices(accounts):
            self.cursor.execute(
                f"SELECT account_no, line FROM {SEEN} WHERE {_in_list(self.vendor, part)} "
                "AND line < %s",
                [*_in_params(self.vendor, part), first_line],
            )
            found.update(self.cursor.fetchall())
        return found

    def _existing(self, accounts: list[str]) -> dict[str, tuple[int, str]]:
        found: dict[str, tuple[int, str]] = {}
        for part in _slices(accounts):
            self.cursor.execute(
                f"SELECT account_no, branch_id, import_digest FROM {HOUSEHOLD} "
                f"WHERE {_in_list(self.vendor, part)}",
                _in_params(self.vendor, part),
            )
            found.update((account, (branch, digest)) for account, branch, digest in self.cursor)
        return found

    def _insert(self, records: list) -> None:
        if not records:
            return
        columns = ", ".join((*RECORD, *CONSTANT_COLUMNS))
        if self.vendor == "postgresql":
            with self.cursor.cursor.copy(f"COPY {HOUSEHOLD} ({columns}) FROM STDIN") as copy:
                copy.write("".join(records))
            return
        stamp = connection.ops.adapt_datetimefield_value(self.now)
        marks = ", ".join(["%s"] * len(RECORD))
        self.cursor.executemany(
            f"INSERT INTO {HOUSEHOLD} ({columns}) VALUES ({marks}, {int(self.branch_id)}, 0, 0, "
            f"'normal', '', '', '', '', '{stamp}', '{stamp}')",
            records,
        )

    def _update(self, records: list) -> None:
        if not records:
            return
        if self.vendor == "postgresql":
            columns = ", ".join((*RECORD, *CONSTANT_COLUMNS))
            with self.cursor.cursor.copy(f"COPY {CHANGES} ({columns}) FROM STDIN") as copy:
                copy.write("".join(records))
            return
        stamp = connection.ops.adapt_datetimefield_value(self.now)
        assignments = ", ".join(
            f"{name} = (%s OR long_term_absent OR supply_status <> 'normal')"
            if name == "is_key_customer"
            else f"{name} = %s"
            for name in RECORD[:-1]
        )
        self.cursor.executemany(
            f"UPDATE {HOUSEHOLD} SET {assignments}, updated_at = '{stamp}' WHERE account_no = %s",
            records,
        )

    def _apply_changes(self) -> None:
        assignments = ", ".join(
            f"{name} = (c.is_key_customer OR h.long_term_absent OR h.supply_status <> 'normal')"
            if name == "is_key_customer"
            else f"{name} = c.{name}"
            for name in RECORD[:-1]
        )
        self.cursor.execute(
            f"UPDATE {HOUSEHOLD} h SET {assignments}, updated_at = c.updated_at FROM {CHANGES} c "
            "WHERE h.account_no = c.account_no"
        )


def _duplicate(line: int, account: str, first: int) -> RowError:
    return RowError(line, "account_no", f"户号 {account} 与第 {first} 行重复")


def _in_list(vendor: str, values: list) -> str:
    if vendor == "postgresql":
        return "account_no = ANY(%s)"
    return f"account_no IN ({', '.join(['%s'] * len(values))})"


def _in_params(vendor: str, values: list) -> list:
    return [values] if vendor == "postgresql" else values


def _slices(values: list, size: int = LOOKUP_SLICE) -> list[list]:
    return [values[start : start + size] for start in range(0, len(values), size)]
