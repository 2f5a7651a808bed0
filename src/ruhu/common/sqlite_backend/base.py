"""Django's SQLite backend whose write transactions queue on `WriteLock` first.

A transaction that begins IMMEDIATE (or EXCLUSIVE) takes the lock before `BEGIN` and lets
go when it ends: commit, rollback, or the connection closing, error or not. Statements
outside a transaction (autocommit) still meet SQLite's busy handler, as before.
An in-memory database (one connection) needs no queue.

Its cursors turn a statement's `%s` placeholders into SQLite's `?` once per distinct
statement, not on each execution (a regular expression over the whole text: 3 % of a
visit's CPU; decision 0033).
"""

from __future__ import annotations

import functools
from sqlite3 import dbapi2 as Database

from django.db.backends.sqlite3 import base

LOCK_SUFFIX = ".write-lock"
WRITE_MODES = {"IMMEDIATE", "EXCLUSIVE"}


@functools.lru_cache(maxsize=512)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    write_lock = None
    lock_timeout = 5.0

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    def get_connection_params(self):
        params = super().get_connection_params()
        self.lock_timeout = float(params.get("timeout", 5.0))
        return params

    def get_new_connection(self, conn_params):
        from ruhu.common.sqlite_backend.lock import WriteLock

        connection = super().get_new_connection(conn_params)
        if self.write_lock is not None:
            self.write_lock.close()
        self.write_lock = None
        if self.transaction_mode in WRITE_MODES and not self.is_in_memory_db():
            self.write_lock = WriteLock(str(self.settings_dict["NAME"]) + LOCK_SUFFIX)
        return connection

    def _start_transaction_under_autocommit(self):
        lock = self.write_lock
        if lock is None:
            return super()._start_transaction_under_autocommit()
        with self.wrap_database_errors:
            if not lock.acquire(self.lock_timeout):
                raise Database.OperationalError("database is locked (write queue timed out)")
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            lock.release()
            raise

    def _release_if_idle(self) -> None:
        """Let go of the lock once SQLite has no transaction open (a failed COMMIT leaves it
        open until the rollback that follows)."""
        lock = self.write_lock
        idle = self.connection is None or not self.connection.in_transaction
        if lock is not None and lock.held and idle:
            lock.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_if_idle()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_if_idle()

    def _close(self):
        try:
            return super()._close()
        finally:
            if self.write_lock is not None:
                self.write_lock.close()
                self.write_lock = None

    def close_if_unusable_or_obsolete(self):
        # between requests: never carry the lock into the next one
        self._release_if_idle()
        super().close_if_unusable_or_obsolete()
