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
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.common import crypto
from ruhu.common.errors import ValidationFailed
from ruhu.common.importing import chunks as chunking
from ruhu.common.importing.reader import is_xlsx
from ruhu.common.importing.report import ErrorLog, ImportResult
from ruhu.premises.importing.prepare import Prepared, Setup, prepare_chunk, worker_init
from ruhu.premises.importing.rows import header_map
from ruhu.premises.importing.store import RetryCarefully, Writer, copy_suffix

CSV_BYTES_PER_ROW = 200  # to estimate a CSV's rows from its size (a typical export: 150-250)
IN_FLIGHT_PER_WORKER = 2  # chunks queued per worker: enough to keep it busy, memory bounded


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
        raise ValidationFailed(_("文件为空"), code="import_empty")
    if missing:
        raise ValidationFailed(
            _("缺少必需的列：%(columns)s") % {"columns": ", ".join(missing)},
            code="import_header",
            missing=missing,
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
        expected = 0 if is_xlsx(self.path) else size // CSV_BYTES_PER_ROW
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
                    result.error_count = log.count
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
            log.add_all(prepared.errors)
            log.add_all(writer.add(prepared))
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
