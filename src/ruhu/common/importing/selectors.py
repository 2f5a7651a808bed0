"""Reads of import jobs, scoped to the acting user's branch; each app names its kind and
the capability its imports need."""

from __future__ import annotations

from django.core.cache import caches
from django.db.models import QuerySet

from ruhu.common.importing.jobs import import_progress_key
from ruhu.common.importing.report import report_errors
from ruhu.common.importing.values import RowError
from ruhu.common.models import ImportJob
from ruhu.common.scoping import get_scoped, require, scope_queryset

SHOWN_ERRORS = 500  # rejected rows a job's page lists; the report has every one


def import_job_list(*, acting_user, kind: str, capability: str) -> QuerySet[ImportJob]:
    require(acting_user, capability)
    jobs = ImportJob.objects.filter(kind=kind).select_related("branch", "created_by")
    return scope_queryset(jobs, acting_user=acting_user).order_by("-created_at")


def import_job_get(*, acting_user, pk, kind: str, capability: str) -> ImportJob:
    """The job; while it runs, with the rows read so far (kept outside the database). A job
    of another branch, or of another kind, is not found."""
    require(acting_user, capability)
    jobs = ImportJob.objects.filter(kind=kind).select_related("branch")
    job = get_scoped(jobs, pk, acting_user=acting_user)
    assert isinstance(job, ImportJob)
    if job.status == ImportJob.Status.RUNNING:
        job.rows_read = import_progress_get(job_id=job.pk) or job.rows_read
    return job


def import_progress_get(*, job_id) -> int | None:
    return caches["progress"].get(import_progress_key(job_id))


def import_job_errors(*, job: ImportJob, limit: int = SHOWN_ERRORS) -> list[RowError]:
    """The first errors of a finished job's report, for its page (none without one)."""
    if job.status != ImportJob.Status.DONE or not job.report:
        return []
    with job.report.open("rb") as report:
        return report_errors(report, limit)
