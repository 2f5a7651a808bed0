"""Writing prepared import rows straight into the households table.

Runs inside the import's transaction, batch by batch as the workers deliver. Existing rows
are looked up by account number: another branch's account is refused, an equal digest
means unchanged. New rows go in with executemany (SQLite) or COPY (PostgreSQL); changed
rows are updated. When the branch has no household yet (a first load, or a new branch
into a big table: decision 0030) nothing is looked up: every row is new, and an account
already in the table is another branch's, which the unique index refuses like a repeat.

An account number repeated in the file is found in one of two ways. The optimistic way
(first) costs almost nothing: new rows are inserted as they are, so a repeat of a new
account (or another branch's account, for a branch without households) breaks the unique
index, and the accounts of existing rows are appended to an unindexed table that is
grouped once at the end. Either finding raises `RetryCarefully`, and the import runs
again the careful way: every account goes through a temporary table keyed by account
number, so each repeat is refused on its own line, and each account of another branch.

Bulk mode: when the file is at least as large as the table, the secondary indexes (and, on
PostgreSQL, the foreign keys) are dropped at the start and made again before commit.
Building an index sorts once; keeping it costs a random B-tree insert per row and index,
several times more; a foreign key added back is checked by one join instead of a trigger
per row (decision 0007). Partial B-tree indexes, of the few rows in a rare state, stay; the
partial hash indexes of the blind indexes (every row with a phone) go too (decision 0030).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

from django.db import IntegrityError, connection

from ruhu.common.importing.values import RowError
from ruhu.premises.importing.prepare import DATES, FIELD, RECORD, Prepared, duplicate_error

HOUSEHOLD = "premises_household"
SEEN = "ruhu_import_seen"
CHANGES = "ruhu_import_changes"
TRIGRAM_INDEX = "household_address_trgm"  # premises 0011, PostgreSQL only
BULK_MIN_ROWS = 50_000
# SQLite's default page cache (2 MB) thrashes on an import's index pages; this one does not.
SQLITE_IMPORT_CACHE_KIB = 16384
# What a new household gets whatever the file says (later workflows set these); the
# branch and the time of the run follow them.
NEW_ROW_DEFAULTS = {
    "first_conversion": False, "long_term_absent": False, "supply_status": "normal",
    "meter_brand": "", "meter_model": "", "meter_size": "", "meter_inlet": "",
}  # fmt: skip
CONSTANT_COLUMNS = ("branch_id", *NEW_ROW_DEFAULTS, "created_at", "updated_at")


def copy_suffix(*, branch_id: int, now) -> str:
    """The constant COPY fields that follow each prepared record (PostgreSQL)."""
    stamp = now.isoformat()
    defaults = ("t" if v is True else "f" if v is False else v for v in NEW_ROW_DEFAULTS.values())
    return "\t" + "\t".join((str(int(branch_id)), *defaults, stamp, stamp)) + "\n"


class RetryCarefully(Exception):
    """The optimistic way met a repeated account number: run the import the careful way."""


class Writer:
    def __init__(self, *, branch_id: int, now, expected_rows: int, careful: bool):
        self.vendor = connection.vendor
        self.branch_id, self.now, self.careful = branch_id, now, careful
        self.inserted = self.updated = self.unchanged = 0
        self.cursor = connection.cursor()
        if self.vendor == "sqlite":
            self.cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
            # index builds at the end sort with helper threads, when the workers are done
            self.cursor.execute(f"PRAGMA threads = {os.cpu_count() or 1}")
        self.table_rows = self._table_rows()
        # the branch has no household yet: any account already in the table is another
        # branch's, so it breaks the unique index just as a repeat does
        self.all_new = not careful and not (self.table_rows and self._branch_has_rows())
        self.remade: list[str] = []  # DDL that makes again what bulk mode dropped
        self._create_temporary_tables()
        if expected_rows >= max(self.table_rows, BULK_MIN_ROWS):
            self._drop_for_bulk_load()

    def add(self, prepared: Prepared) -> list[RowError]:
        """Write a batch; the errors found on the way (repeats, another branch's accounts)."""
        if not prepared.count:
            return []
        if self.all_new:  # the payload goes in whole, unlooked-up
            self._insert(_whole(self.vendor, prepared.payload, prepared.count), prepared.count)
            return []
        accounts, lines = prepared.accounts, prepared.lines
        errors: list[RowError] = []
        skip: set[int] = set()
        if self.careful:
            errors += self._repeats_across(accounts, lines, prepared.first_line, skip)
        else:
            self._append_seen(list(zip(accounts, lines, strict=True)))
        existing = self._existing(accounts) if self.table_rows else {}
        digests, records = prepared.digests, _records(self.vendor, prepared.payload, prepared.count)
        new, changed = [], []
        for index, account in enumerate(accounts):
            if index in skip:
                continue
            found = existing.get(account)
            if found is None:
                new.append(records[index])
            elif found[0] != self.branch_id:
                errors.append(RowError(lines[index], "account_no", "该户号属于其他分公司"))
            elif found[1] == digests[index]:
                self.unchanged += 1
            else:
                changed.append(records[index])
        self._insert(_subset(self.vendor, new), len(new))
        self._update(_subset(self.vendor, changed), len(changed))
        return errors

    def finish(self) -> None:
        if not (self.careful or self.all_new) and self._seen_has_repeats():
            raise RetryCarefully
        if self.vendor == "postgresql":
            self._apply_changes()
            if self.remade:
                self._run_deferred_checks()
                self.cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for statement in self.remade:
            self.cursor.execute(statement)
        if self.vendor == "postgresql" and not self.remade and (self.inserted or self.updated):
            self._merge_trigram_pending_list()
        if self._changed_much():
            # fresh statistics: without them PostgreSQL scans a table it believes tiny, and
            # SQLite walks a branch's million rows through an index instead of scanning
            if self.vendor == "sqlite":  # sampled statistics: a full ANALYZE takes 15 s
                self.cursor.execute("PRAGMA analysis_limit = 1000")
            self.cursor.execute(f"ANALYZE {HOUSEHOLD}")
        self.discard()

    def _merge_trigram_pending_list(self) -> None:
        # the address index's new entries wait in a pending list that every address search
        # reads in full until vacuum merges it (a server without autovacuum never does)
        self.cursor.execute(
            "SELECT gin_clean_pending_list(i) FROM to_regclass(%s) i WHERE i IS NOT NULL",
            [TRIGRAM_INDEX],
        )

    def _changed_much(self) -> bool:
        return bool(self.remade) or (self.inserted + self.updated) * 10 > self.table_rows

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

    def _branch_has_rows(self) -> bool:
        self.cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {HOUSEHOLD} WHERE branch_id = %s)", [self.branch_id]
        )
        return bool(self.cursor.fetchone()[0])

    def _create_temporary_tables(self) -> None:
        self.discard()
        key = " PRIMARY KEY" if self.careful else ""
        if self.vendor == "postgresql":
            self.cursor.execute(
                f"CREATE TEMPORARY TABLE {SEEN} (account_no text{key}, line integer NOT NULL) "
                "ON COMMIT DROP"
            )
            columns = ", ".join((*RECORD, *CONSTANT_COLUMNS))
            self.cursor.execute(
                f"CREATE TEMPORARY TABLE {CHANGES} ON COMMIT DROP AS SELECT {columns} "
                f"FROM {HOUSEHOLD} WITH NO DATA"
            )
        else:
            self.cursor.execute(
                f"CREATE TEMPORARY TABLE {SEEN} (account_no TEXT{key}, line INTEGER NOT NULL)"
                + (" WITHOUT ROWID" if self.careful else "")
            )

    def _drop_for_bulk_load(self) -> None:
        if self.vendor == "postgresql":
            self._run_deferred_checks()
            self.cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [HOUSEHOLD],
            )
            for name, definition in self.cursor.fetchall():
                self.cursor.execute(f'ALTER TABLE {HOUSEHOLD} DROP CONSTRAINT "{name}"')
                self.remade.append(f'ALTER TABLE {HOUSEHOLD} ADD CONSTRAINT "{name}" {definition}')
            self.cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c "
                "ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary "
                "AND (i.indpred IS NULL OR a.amname = 'hash')",
                [HOUSEHOLD],
            )
        else:
            self.cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' "
                "AND sql NOT LIKE '%% WHERE %%'",
                [HOUSEHOLD],
            )
        for name, definition in self.cursor.fetchall():
            self.cursor.execute(f'DROP INDEX "{name}"')
            self.remade.append(definition)

    def _run_deferred_checks(self) -> None:
        """PostgreSQL alters no table while checks deferred in this transaction are pending."""
        self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def _repeats_across(
        self, accounts: list[str], lines: Sequence[int], first_line: int, skip: set[int]
    ) -> list[RowError]:
        """Careful way: repeats of accounts seen in earlier batches (added to `skip`)."""
        first = {account: index for index, account in enumerate(accounts) if index not in skip}
        fresh = [(account, lines[index]) for account, index in first.items()]
        if self._remember(fresh) == len(fresh):
            return []
        errors = []
        earlier = self._seen_before(list(first), first_line)
        for account, index in first.items():
            if account in earlier:
                skip.add(index)
                errors.append(duplicate_error(lines[index], account, earlier[account]))
        return errors

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

    def _append_seen(self, pairs: list[tuple[str, int]]) -> None:
        if not pairs:
            return
        if self.vendor == "postgresql":
            with self.cursor.cursor.copy(f"COPY {SEEN} (account_no, line) FROM STDIN") as copy:
                for pair in pairs:
                    copy.write_row(pair)
            return
        self.cursor.executemany(f"INSERT INTO {SEEN} VALUES (%s, %s)", pairs)

    def _seen_has_repeats(self) -> bool:
        self.cursor.execute(f"SELECT 1 FROM {SEEN} GROUP BY account_no HAVING COUNT(*) > 1 LIMIT 1")
        return self.cursor.fetchone() is not None

    def _seen_before(self, accounts: list[str], first_line: int) -> dict[str, int]:
        self.cursor.execute(
            f"SELECT account_no, line FROM {SEEN} WHERE {self._among} AND line < %s",
            [self._list(accounts), first_line],
        )
        return dict(self.cursor.fetchall())

    def _existing(self, accounts: list[str]) -> dict[str, tuple[int, str]]:
        self.cursor.execute(
            f"SELECT account_no, branch_id, import_digest FROM {HOUSEHOLD} WHERE {self._among}",
            [self._list(accounts)],
        )
        return {account: (branch, digest) for account, branch, digest in self.cursor}

    @property
    def _among(self) -> str:
        """`account_no` in a list passed as one parameter: one statement whatever its length
        (a statement per length would fill SQLite's statement cache with huge programs)."""
        if self.vendor == "postgresql":
            return "account_no = ANY(%s)"
        return "account_no IN (SELECT value FROM json_each(%s))"

    def _list(self, accounts: list[str]):
        return accounts if self.vendor == "postgresql" else json.dumps(accounts)

    def _insert(self, records, count: int) -> None:
        if not count:
            return
        try:  # no savepoint: a failure ends the whole transaction, retried or not
            self._insert_rows(records)
        except (IntegrityError, connection.Database.IntegrityError):  # COPY's is psycopg's
            if self.careful:
                raise
            raise RetryCarefully from None
        self.inserted += count

    def _insert_rows(self, records) -> None:
        columns = ", ".join((*RECORD, *CONSTANT_COLUMNS))
        if self.vendor == "postgresql":
            with self.cursor.cursor.copy(f"COPY {HOUSEHOLD} ({columns}) FROM STDIN") as copy:
                copy.write(records)
            return
        stamp = connection.ops.adapt_datetimefield_value(self.now)
        defaults = ", ".join(
            str(int(v)) if isinstance(v, bool) else f"'{v}'" for v in NEW_ROW_DEFAULTS.values()
        )
        marks = ", ".join(_SQLITE_MARKS).replace("%s", "?")
        # sqlite3's own cursor on the same connection and transaction: Django's wrapper
        # tees the rows to peek at the first (it holds them all) and adds a call per batch
        raw = connection.connection.cursor()
        try:
            raw.executemany(
                f"INSERT INTO {HOUSEHOLD} ({columns}) VALUES ({marks}, {int(self.branch_id)}, "
                f"{defaults}, '{stamp}', '{stamp}')",
                records,
            )
        finally:
            raw.close()

    def _update(self, records, count: int) -> None:
        if not count:
            return
        self.updated += count
        if self.vendor == "postgresql":
            columns = ", ".join((*RECORD, *CONSTANT_COLUMNS))
            with self.cursor.cursor.copy(f"COPY {CHANGES} ({columns}) FROM STDIN") as copy:
                copy.write(records)
            return
        stamp = connection.ops.adapt_datetimefield_value(self.now)
        assignments = _assignments(lambda name: _SQLITE_MARKS[RECORD.index(name)], old="")
        self.cursor.executemany(
            f"UPDATE {HOUSEHOLD} SET {assignments}, updated_at = '{stamp}' WHERE account_no = %s",
            records,
        )

    def _apply_changes(self) -> None:
        assignments = _assignments(lambda name: f"c.{name}", old="h.")
        self.cursor.execute(
            f"UPDATE {HOUSEHOLD} h SET {assignments}, updated_at = c.updated_at FROM {CHANGES} c "
            "WHERE h.account_no = c.account_no"
        )


def _assignments(new: Callable[[str], str], *, old: str) -> str:
    """SET list of an update from the file: `new(column)` is the file's value, `old` the
    prefix of the row's own columns (the key-customer flag also counts flags of workflows)."""
    return ", ".join(
        f"{name} = ({new(name)} OR {old}long_term_absent OR {old}supply_status <> 'normal')"
        if name == "is_key_customer"
        else f"{name} = {new(name)}"
        for name in RECORD[:-1]
    )


# SQLite's parameter of each RECORD column: an empty date of the payload is NULL
_SQLITE_MARKS = tuple("NULLIF(%s, '')" if name in DATES else "%s" for name in RECORD)


def _whole(vendor: str, payload: str | bytes, count: int):
    """All the records of a payload, as the engine takes them (see `prepare`)."""
    if vendor == "postgresql":
        return payload
    assert isinstance(payload, str)
    fields = payload.split(FIELD)
    if len(fields) != count * len(RECORD):
        raise ValueError("a prepared chunk does not hold its count of records")
    columns = (fields[start : start + count] for start in range(0, len(fields), count))
    return zip(*columns, strict=True)


def _records(vendor: str, payload: str | bytes, count: int) -> list:
    """A payload's records one by one: SQLite parameter tuples, PostgreSQL COPY lines."""
    if vendor == "postgresql":
        assert isinstance(payload, bytes)
        return payload.split(b"\n")[:-1]
    return list(_whole(vendor, payload, count))


def _subset(vendor: str, records: list):
    """Some of `_records` again as the engine takes them."""
    if vendor == "postgresql":
        return b"".join(line + b"\n" for line in records)
    return records
