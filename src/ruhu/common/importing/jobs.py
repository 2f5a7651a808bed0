"""The import job: an uploaded file waits, is imported by the background worker with a
progress bar, and leaves its counts and its report of rejected rows.

Every kind of import (households, facilities) runs through here; each app says who may
start one and where (its own service, which calls `import_job_queue`), and how one file
is imported (the `run` it hands to `import_job_perform`). The uploaded file lives only as
long as its job: it is deleted when the job ends, however it ends, and the hourly sweep
ends what a worker that died left behind. Audit actions are the kind's:
`<kind>.import_queued`, `<kind>.import_expired`, `<kind>.import_file_removed`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.core.cache import caches
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.common.audit import audit_record
from ruhu.common.errors import DomainError, ValidationFailed
from ruhu.common.importing.reader import XLSX_MAGIC
from ruhu.common.importing.report import ImportResult
from ruhu.common.masking import mask_numbers_in
from ruhu.common.models import IMPORTS_FOLDER, ImportJob
from ruhu.common.private_files import open_private, scratch_dir

IMPORT_MODES = ("all", "valid")
UPLOAD_SUFFIXES = {".csv", ".xlsx", ".txt"}
PROGRESS_TTL_SECONDS = 24 * 3600
# A job still queued or running this long after its upload has lost its worker (the
# largest imports take minutes); within the scratch folder's own limit.
IMPORT_STALE_AFTER = dt.timedelta(hours=6)
IMPORT_INTERRUPTED = "导入意外中断，上传的文件已删除，请重新上传"
IMPORT_EXPIRED = "导入未能按时完成，上传的文件已删除，请重新上传"

# How one kind imports a file: (job, its file, where the report goes, progress) → counts.
Run = Callable[[ImportJob, Path, Path, Callable[[int], None]], ImportResult]


def import_mode_check(mode: str) -> None:
    if mode not in IMPORT_MODES:
        raise ValidationFailed(_("导入模式应为 all 或 valid"), code="import_mode")


@transaction.atomic
def import_job_queue(
    *, acting_user, kind: str, branch, mode: str, upload, enqueue: Callable[[str], object]
) -> ImportJob:
    """Keep the uploaded file and queue its import: `enqueue(job id)` runs after commit.
    The caller has checked that the user may import this kind into `branch`."""
    import_mode_check(mode)
    name = Path(upload.name or "upload").name[-150:]
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise ValidationFailed(_("请上传 CSV 或 XLSX 文件"), code="import_file_type")
    job = ImportJob(kind=kind, branch=branch, mode=mode, file_name=name, created_by=acting_user)
    job.file.save(name, upload, save=False)
    job.rows_total = _estimate_rows(job)
    job.save()
    audit_record(
        acting_user=acting_user,
        action=f"{kind}.import_queued",
        target=job,
        branch_id=branch.pk,
        changes={"file": [None, name], "mode": [None, mode]},
    )
    transaction.on_commit(lambda: enqueue(str(job.pk)))
    return job


def _estimate_rows(job: ImportJob) -> int:
    """Data rows for the progress bar: newlines in a CSV, the sheet's extent in an XLSX."""
    with job.file.open("rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        if head == XLSX_MAGIC:
            from openpyxl import load_workbook

            try:
                workbook = load_workbook(fh, read_only=True)
                rows = workbook.worksheets[0].max_row or 0
                workbook.close()
            except Exception:  # unreadable: the import itself will say so
                return 0
            return max(rows - 1, 0)
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1, 0)


def import_job_perform(*, job_id, kind: str, run: Run) -> ImportJob:
    """Run a queued job of `kind` (the worker's task); safe to call twice: only one run
    claims it. However it ends, the uploaded file is deleted. A file the import refuses
    whole fails the job with the reason; any other error fails it as interrupted and is
    raised again, for the worker's log."""
    claimed = ImportJob.objects.filter(pk=job_id, kind=kind, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    job = ImportJob.objects.select_related("branch", "created_by").get(pk=job_id, kind=kind)
    if not claimed:
        return job
    try:
        return _execute(job, run)
    except Exception:
        _finish(job, status=ImportJob.Status.FAILED, message=IMPORT_INTERRUPTED)
        raise


def _execute(job: ImportJob, run: Run) -> ImportJob:
    with tempfile.TemporaryDirectory(dir=scratch_dir(), prefix="import-") as folder:
        source, report = Path(folder) / job.file_name, Path(folder) / "report.csv"
        with job.file.open("rb") as fh, open_private(source, "wb") as out:
            shutil.copyfileobj(fh, out)
        try:
            result = run(job, source, report, lambda rows: _progress_set(job.pk, rows))
        except DomainError as exc:
            message = mask_numbers_in(exc.message)
            return _finish(job, status=ImportJob.Status.FAILED, message=message)
        if result.rejected:
            with open(report, "rb") as fh:
                job.report.save("report.csv", File(fh), save=False)
        return _finish(
            job,
            status=ImportJob.Status.DONE,
            rows_read=result.read,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=result.rejected,
            error_count=result.error_count,
            written=result.written,
        )


def import_progress_key(job_id) -> str:
    return f"import-job:{job_id}:rows-read"


def _progress_set(job_id, rows: int) -> None:
    """Rows read so far, for the job's page: in the progress cache, because the import's
    transaction holds SQLite's write lock and hides its own writes until it ends."""
    caches["progress"].set(import_progress_key(job_id), rows, timeout=PROGRESS_TTL_SECONDS)


def _finish(job: ImportJob, **fields) -> ImportJob:
    _source_delete(job)
    for name, value in fields.items():
        setattr(job, name, value)
    job.finished_at = timezone.now()
    job.save()
    return job


def _source_delete(job: ImportJob) -> None:
    """Delete the job's uploaded file (and its folder once empty); the job keeps its name."""
    if not job.file:
        return
    storage, name = job.file.storage, job.file.name
    job.file.delete(save=False)
    _remove_folder_if_empty(storage, os.path.dirname(name))


def _remove_folder_if_empty(storage, folder: str) -> None:
    """Object storage has no folders (`path` is not implemented) and a folder that still
    holds a file stays: both are fine, the file itself is what had to go."""
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(storage.path(folder))


def import_jobs_sweep(*, now: dt.datetime | None = None) -> int:
    """What a worker that died left behind, for every kind: a job queued or running for
    longer than IMPORT_STALE_AFTER fails, a job that ended keeps no uploaded file, and an
    upload whose job was never committed goes. Returns the number of jobs and uploads this
    touched (an hourly task runs it; running it again changes nothing)."""
    cutoff = (now or timezone.now()) - IMPORT_STALE_AFTER
    open_states = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    touched = 0
    for job in ImportJob.objects.filter(status__in=open_states, created_at__lt=cutoff):
        touched += _expire(job)
    for job in ImportJob.objects.exclude(status__in=open_states).exclude(file=""):
        touched += _forget_source(job)
    return touched + _orphan_uploads_delete(cutoff)


@transaction.atomic
def _forget_source(job: ImportJob) -> int:
    """A job that ended and still has its upload (its worker died while finishing)."""
    _source_delete(job)
    job.save(update_fields=["file"])
    audit_record(
        acting_user=None,
        action=f"{job.kind}.import_file_removed",
        target=job,
        branch_id=job.branch_id,
        changes={"file": ["kept", "deleted"]},
    )
    return 1


def _orphan_uploads_delete(cutoff: dt.datetime) -> int:
    """Files under `imports/<id>/` of no job (its transaction rolled back), older than
    `cutoff`: a job being created right now is left alone."""
    storage = ImportJob._meta.get_field("file").storage
    try:
        folders, _files = storage.listdir(IMPORTS_FOLDER)
    except FileNotFoundError:
        return 0
    known = {str(pk) for pk in ImportJob.objects.values_list("pk", flat=True)}
    removed = 0
    for folder in set(folders) - known:
        for name in storage.listdir(f"{IMPORTS_FOLDER}/{folder}")[1]:
            path = f"{IMPORTS_FOLDER}/{folder}/{name}"
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                removed += 1
        _remove_folder_if_empty(storage, f"{IMPORTS_FOLDER}/{folder}")
    return removed


@transaction.atomic
def _expire(job: ImportJob) -> int:
    claimed = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        status=ImportJob.Status.FAILED
    )
    if not claimed:  # it ended meanwhile
        return 0
    before = job.status
    _finish(job, status=ImportJob.Status.FAILED, message=IMPORT_EXPIRED)
    audit_record(
        acting_user=None,
        action=f"{job.kind}.import_expired",
        target=job,
        branch_id=job.branch_id,
        changes={"status": [before, job.status]},
    )
    return 1
