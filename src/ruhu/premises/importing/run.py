"""One import run: worker processes check and encrypt chunks while this one writes them.

The chunks go out to a pool of processes (one per core) and come back in file order; this
process only looks up and writes, inside one transaction. Mode "all" writes on after a bad
row (the rows written are what finds later repeats of their accounts) and keeps checking,
so the report names every bad line; then it rolls the transaction back and records the run
(`on_merged`) in one of its own.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ruhu.common import crypto
from ruhu.common.errors import ValidationFailed
from ruhu.common.masking import mask_numbers_in
from ruhu.common.private_files import open_private
from ruhu.common.spreadsheets import csv_writer
from ruhu.premises.importing import chunks as chunking
from ruhu.premises.importing.prepare import Prepared, Setup, prepare_chunk, worker_init
from ruhu.premises.importing.rows import RowError, header_map
from ruhu.premises.importing.store import RetryCarefully, Writer, copy_suffix

KEPT_ERRORS = 1000  # in memory for the summary; the report file gets every one
CSV_BYTES_PER_ROW = 200  # to estimate a CSV's rows from its size (a typical export: 150-250)
IN_FLIGHT_PER_WORKER = 2  # chunks queued per worker: enough to keep it busy, memory bounded


@dataclass
class ImportResult:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)


class ErrorLog:
    """Collects row errors: all into the report file, the first KEPT_ERRORS in memory.

    A reason that quotes a value has its phone and ID numbers masked; the report file is
    written 0600 and its text can never become a spreadsheet formula."""

    def __init__(self, report: Path | None):
        self.kept: list[RowError] = []
        self.lines: set[int] = set()
        self._file = open_private(report, "w", encoding="utf-8-sig", newline="") if report else None
        self._writer = csv_writer(self._file) if self._file else None
        if self._writer:
            self._writer.writerow(["line", "column", "reason"])

    def add(self, error: RowError) -> None:
        error = RowError(error.line, error.column, mask_numbers_in(error.reason))
        self.lines.add(error.line)
        if len(self.kept) < KEPT_ERRORS:
            self.kept.append(error)
        if self._writer:
            self._writer.writerow([error.line, error.column, error.reason])

    def close(self) -> None:
        if self._file:
            self._file.close()


def import_file(
    path: Path,
    *,
    branch_id: int,
    mode: str,
    report: Path | None = None,
    progress: Callable[[int], None] | None = None,
    on_merged: Callable[[ImportResult], None] | None = None,
    today: dt.date | None = None,
    workers: int | None = None,
) -> ImportResult:
    """Check every row and write the good ones in one transaction (mode "all": only if no
    row is bad). `on_merged` runs inside that transaction, so it commits with the data."""
    header, _chunks = chunking.file_chunks(path)
    names, missing = header_map(header)
    if not header or not any(names):
        raise ValidationFailed("文件为空", code="import_empty")
    if missing:
        raise ValidationFailed(
            f"缺少必需的列：{', '.join(missing)}", code="import_header", missing=missing
        )
    now = timezone.now()
    run = _Run(
        path=path,
        branch_id=branch_id,
        mode=mode,
        report=report,
        progress=progress,
        on_merged=on_merged,
        now=now,
        workers=settings.RUHU_IMPORT_WORKERS if workers is None else workers,
        setup=Setup(
            positions={name: index for index, name in enumerate(names) if name},
            today=today or timezone.localdate(),
            vendor=connection.vendor,
            suffix=copy_suffix(branch_id=branch_id, now=now),
            keys=crypto.keyring(),
        ),
    )
    try:
        return run.attempt(careful=False)
    except RetryCarefully:
        return run.attempt(careful=True)


@dataclass
class _Run:
    path: Path
    branch_id: int
    mode: str
    report: Path | None
    progress: Callable[[int], None] | None
    on_merged: Callable[[ImportResult], None] | None
    now: dt.datetime
    workers: int
    setup: Setup

    def attempt(self, *, careful: bool) -> ImportResult:
        result, log = ImportResult(), ErrorLog(self.report)
        size = self.path.stat().st_size
        expected = 0 if chunking.is_xlsx(self.path) else size // CSV_BYTES_PER_ROW
        _header, chunks = chunking.file_chunks(self.path)
        workers = self.workers if size > chunking.CHUNK_BYTES else 0
        try:
            with _prepared(chunks, self.setup, workers) as batches:
                with transaction.atomic():
                    writer = Writer(
                        branch_id=self.branch_id, now=self.now, expected_rows=expected,
                        careful=careful,
                    )  # fmt: skip
                    self._write(batches, writer, log, result)
                    result.rejected, result.errors = len(log.lines), log.kept
                    if log.lines and self.mode == "all":
                        writer.discard()
                        transaction.set_rollback(True)
                    else:
                        writer.finish()
                        result.inserted, result.updated = writer.inserted, writer.updated
                        result.unchanged, result.written = writer.unchanged, True
                        if self.on_merged:
                            self.on_merged(result)
                if not result.written and self.on_merged:
                    with transaction.atomic():  # the rows were rolled back; the record stays
                        self.on_merged(result)
            return result
        finally:
            log.close()
            if self.progress:
                self.progress(result.read)

    def _write(
        self, batches: Iterable[Prepared], writer: Writer, log: ErrorLog, result: ImportResult
    ) -> None:
        for prepared in batches:
            if prepared.fatal:
                message, code = prepared.fatal
                raise ValidationFailed(message, code=code)
            result.read += prepared.read
            for error in prepared.errors:
                log.add(error)
            for error in writer.add(prepared):
                log.add(error)
            if self.progress:
                self.progress(result.read)


@contextmanager
def _prepared(
    chunks: Iterator[chunking.Chunk], setup: Setup, count: int
) -> Iterator[Iterator[Prepared]]:
    """The chunks, prepared in file order: by `count` processes, or here when it is 0."""
    if count == 0:
        yield (prepare_chunk(chunk, setup) for chunk in chunks)
        return
    context = multiprocessing.get_context("forkserver")
    with context.Pool(count, initializer=worker_init, initargs=(setup,)) as pool:

        def ordered() -> Iterator[Prepared]:
            pending: deque = deque()
            for chunk in chunks:
                pending.append(pool.apply_async(prepare_chunk, (chunk,)))
                if len(pending) >= count * IN_FLIGHT_PER_WORKER:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()

        yield ordered()
