"""What every import's pages share: the job's status partial, polled while the job runs,
and the download of its report of rejected rows."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone

from ruhu.common.importing.selectors import import_job_errors
from ruhu.common.models import ImportJob

STATUS_PARTIAL = "common/partials/import_status.html"


def import_job_page(
    request,
    job: ImportJob,
    *,
    template: str,
    status_url: str,
    report_url: str,
    labels: Mapping[str, object] | None = None,
):
    """The job's page, or only its status when htmx polls for it. The rejected rows are
    listed with the label of their column (`labels`, by column name) when there is one."""
    errors = [
        {"line": e.line, "column": e.column, "label": (labels or {}).get(e.column, ""),
         "reason": e.reason}
        for e in import_job_errors(job=job)
    ]  # fmt: skip
    context = {"job": job, "status_url": status_url, "report_url": report_url, "errors": errors}
    return render(
        request, STATUS_PARTIAL if request.headers.get("HX-Request") else template, context
    )


def import_report_response(job: ImportJob, *, name: str) -> FileResponse:
    """The job's report of rejected rows as a download, `<name>-<time of the upload>.csv`."""
    if not job.report:
        raise Http404
    return FileResponse(
        job.report.open("rb"),
        as_attachment=True,
        filename=f"{name}-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.csv",
        content_type="text/csv; charset=utf-8",
    )
