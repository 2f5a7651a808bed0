"""The household import: a billing-system export loaded into a branch, run in the request
(the command line) or as an import job from the upload page (docs/import.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Capability
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import ValidationFailed
from ruhu.common.importing.jobs import import_job_perform, import_job_queue, import_mode_check
from ruhu.common.importing.reader import file_sha256
from ruhu.common.importing.report import ImportResult, import_run_audit
from ruhu.common.models import ImportJob
from ruhu.common.scoping import require
from ruhu.premises.importing import HOUSEHOLD_IMPORT
from ruhu.premises.importing.run import import_file

register_action_labels(
    {
        "household.import": _("批量导入用户档案"),
        "household.import_queued": _("提交导入任务"),
        "household.import_expired": _("导入任务超时作废"),
        "household.import_file_removed": _("删除已结束导入任务的上传文件"),
    }
)


def household_import(
    *,
    acting_user: User | None,
    path: Path,
    branch: OrgUnit,
    mode: str = "all",
    report: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Load a billing-system export into `branch` (docs/import.md).

    Mode "all" writes nothing when any row is bad; mode "valid" writes the good rows. An
    account number already in the branch is updated, or skipped when its row is unchanged.
    One audit event records the run: the file's SHA-256 and the counts, no row contents.
    """
    import_mode_check(mode)
    if branch.kind != OrgUnit.Kind.BRANCH:
        raise ValidationFailed(_("请选择一个分公司"), code="household_branch")
    sha256 = file_sha256(path)

    def record(result: ImportResult) -> None:
        import_run_audit(
            acting_user=acting_user,
            action="household.import",
            branch=branch,
            mode=mode,
            sha256=sha256,
            result=result,
        )

    return import_file(
        path, branch_id=branch.pk, mode=mode, report=report, progress=progress, on_merged=record
    )


def import_job_create(*, acting_user: User, branch: OrgUnit, mode: str, upload) -> ImportJob:
    """Keep the uploaded file and queue its import; the worker starts after commit."""
    require(acting_user, Capability.IMPORT_HOUSEHOLDS)
    if branch.kind != OrgUnit.Kind.BRANCH or not (
        acting_user.is_head_office or acting_user.branch_id == branch.pk
    ):
        raise ValidationFailed(_("只能导入到本分公司"), code="household_branch")
    return import_job_queue(
        acting_user=acting_user,
        kind=HOUSEHOLD_IMPORT,
        branch=branch,
        mode=mode,
        upload=upload,
        enqueue=_enqueue,
    )


def _enqueue(job_id: str) -> None:
    from ruhu.premises.tasks import import_job_task

    import_job_task(job_id)


def import_job_run(*, job_id) -> ImportJob:
    """Run a queued household import (the worker's job); a second run does nothing."""
    return import_job_perform(job_id=job_id, kind=HOUSEHOLD_IMPORT, run=_run)


def _run(job: ImportJob, source: Path, report: Path, progress) -> ImportResult:
    return household_import(
        acting_user=job.created_by,
        path=source,
        branch=job.branch,
        mode=job.mode,
        report=report,
        progress=progress,
    )
