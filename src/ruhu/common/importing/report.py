"""The outcome of an import run and its report of rejected rows.

Every bad row is reported with its line (as a spreadsheet shows it), column and reason
(DESIGN rule 8): all of them go into a CSV report file, the first KEPT_ERRORS stay in
memory for a summary. A reason that quotes a value has its phone and ID numbers masked;
the report is written 0600 and its text can never become a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO

from ruhu.common.audit import audit_record
from ruhu.common.importing.values import RowError
from ruhu.common.masking import mask_numbers_in
from ruhu.common.private_files import open_private
from ruhu.common.spreadsheets import csv_writer

KEPT_ERRORS = 1000
REPORT_HEADER = ("line", "column", "reason")


@dataclass
class ImportResult:
    """The counts of a run: rows read, written by kind, rejected (rows) and `error_count`
    (errors in all; a rejected row may have several). `errors` keeps the first
    KEPT_ERRORS; the report file has every one."""

    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    error_count: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)


COUNTS = ("read", "inserted", "updated", "unchanged", "rejected", "written")


def import_run_audit(
    *, acting_user, action: str, branch, mode: str, sha256: str, result: ImportResult
) -> None:
    """The one audit event of an import run: the file's SHA-256, the mode and the counts,
    never the contents of a row."""
    values = {"file_sha256": sha256, "mode": mode} | {n: getattr(result, n) for n in COUNTS}
    audit_record(
        acting_user=acting_user,
        action=action,
        target=branch,
        branch_id=branch.pk,
        changes={name: [None, value] for name, value in values.items()},
    )


class ErrorLog:
    """Collects a run's row errors: all into the report file (when there is one), the
    first KEPT_ERRORS in memory, and the lines they are on."""

    def __init__(self, report: Path | None):
        self.kept: list[RowError] = []
        self.lines: set[int] = set()
        self.count = 0
        self._file = open_private(report, "w", encoding="utf-8-sig", newline="") if report else None
        self._writer = csv_writer(self._file) if self._file else None
        if self._writer:
            self._writer.writerow(REPORT_HEADER)

    def add(self, error: RowError) -> None:
        error = RowError(error.line, error.column, mask_numbers_in(error.reason))
        self.lines.add(error.line)
        self.count += 1
        if len(self.kept) < KEPT_ERRORS:
            self.kept.append(error)
        if self._writer:
            self._writer.writerow([error.line, error.column, error.reason])

    def add_all(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.add(error)

    def close(self) -> None:
        if self._file:
            self._file.close()


def report_errors(report: IO[bytes], limit: int) -> list[RowError]:
    """The first `limit` errors of a report file (opened binary), for a page to show."""
    text = io.TextIOWrapper(report, encoding="utf-8-sig", newline="")
    try:
        rows = csv.reader(text)
        next(rows, None)
        return [RowError(int(line), column, reason) for line, column, reason in islice(rows, limit)]
    finally:
        text.detach()  # the caller closes the file
