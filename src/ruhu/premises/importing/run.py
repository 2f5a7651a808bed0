"""One import run: read, check and stage every row, then merge or write nothing."""

from __future__ import annotations

import csv
import datetime as dt
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ruhu.common import crypto
from ruhu.common.errors import ValidationFailed
from ruhu.common.fields import blind_index_for
from ruhu.premises.importing import store
from ruhu.premises.importing.reader import read_rows
from ruhu.premises.importing.rows import COLUMNS, RowError, header_map, normalise

BATCH = 5000
KEPT_ERRORS = 1000  # in memory for the summary; the report file gets every one
PHONE_AAD = "premises.household.phone"
ID_AAD = "premises.household.id_number"


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
    """Collects row errors: all into the report file, the first KEPT_ERRORS in memory."""

    def __init__(self, report: Path | None):
        self.kept: list[RowError] = []
        self.lines: set[int] = set()
        self._file = open(report, "w", encoding="utf-8-sig", newline="") if report else None  # noqa: SIM115
        self._writer = csv.writer(self._file) if self._file else None
        if self._writer:
            self._writer.writerow(["line", "column", "reason"])

    def add(self, error: RowError) -> None:
        self.lines.add(error.line)
        if len(self.kept) < KEPT_ERRORS:
            self.kept.append(error)
        if self._writer:
            self._writer.writerow([error.line, error.column, error.reason])

    def close(self) -> None:
        if self._file:
            self._file.close()


def _digest(clean: dict) -> str:
    """Keyed hash of a row's content: equal rows, equal digests; reveals nothing."""
    text = "\x1f".join(str(clean.get(column, "")) for column in COLUMNS)
    key = crypto.keyring().blind_key
    return hmac.digest(key, b"household-row\x00" + text.encode(), "sha256").hex()[:32]


def _staged(line: int, clean: dict) -> tuple:
    phone, id_number = clean["phone"], clean["id_number"]
    return (
        line, clean["account_no"], clean["name"],
        crypto.encrypt(phone, aad=PHONE_AAD) if phone else "", blind_index_for("phone", phone),
        crypto.encrypt(id_number, aad=ID_AAD) if id_number else "",
        blind_index_for("id_number", id_number),
        clean["category"], clean["district"], clean["community"], clean["building"],
        clean["unit"], clean["room"], clean["address"], clean["meter_serial"],
        clean["meter_type"], clean["meter_location"], clean["gas_since"],
        clean["last_inspected_on"], clean["vulnerable"], clean["group_rental"], _digest(clean),
    )  # fmt: skip


def _records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    rows = read_rows(path)
    try:
        _line, header = next(rows)
    except StopIteration:
        raise ValidationFailed("文件为空", code="import_empty") from None
    names, missing = header_map(header)
    if missing:
        raise ValidationFailed(
            f"缺少必需的列：{', '.join(missing)}", code="import_header", missing=missing
        )
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        yield line, {name: cell for name, cell in zip(names, cells, strict=False) if name}


def import_file(
    path: Path,
    *,
    branch_id: int,
    mode: str,
    report: Path | None = None,
    progress: Callable[[int], None] | None = None,
    on_merged: Callable[[ImportResult], None] | None = None,
    today: dt.date | None = None,
) -> ImportResult:
    """Stage every row, then merge in one transaction (mode "all": only if no row is bad).

    Staging happens in a temporary table outside that transaction, so progress reported on
    the way is visible to others at once; `on_merged` runs inside the merge's transaction
    (it writes the audit event), so both commit together or not at all.
    """
    today = today or timezone.localdate()
    result, log, batch = ImportResult(), ErrorLog(report), []
    store.staging_create()
    try:
        for line, values in _records(path):
            result.read += 1
            clean, errors = normalise(values, line, today)
            for error in errors:
                log.add(error)
            if not errors:
                batch.append(_staged(line, clean))
            if len(batch) >= BATCH:
                store.staging_load(batch)
                batch = []
                if progress:
                    progress(result.read)
        store.staging_load(batch)
        store.staging_index()
        _cross_row_checks(log, branch_id)
        result.rejected, result.errors = len(log.lines), log.kept
        with transaction.atomic():
            if not (log.lines and mode == "all"):
                store.staging_drop_lines(sorted(log.lines))
                counts = store.merge(branch_id)
                result.inserted, result.updated, result.unchanged = (
                    counts["inserted"], counts["updated"], counts["unchanged"],
                )  # fmt: skip
                result.written = True
            if on_merged:
                on_merged(result)
        return result
    finally:
        store.staging_discard()
        log.close()
        if progress:
            progress(result.read)


def _cross_row_checks(log: ErrorLog, branch_id: int) -> None:
    for line, account_no, first in store.duplicate_lines():
        log.add(RowError(line, "account_no", f"户号 {account_no} 与第 {first} 行重复"))
    for line in store.foreign_branch_lines(branch_id):
        log.add(RowError(line, "account_no", "该户号属于其他分公司"))
