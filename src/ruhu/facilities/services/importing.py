"""Importing the facility registry from CSV or XLSX (docs/facilities-import.md): run in
the request (the command line), or as an import job from the upload page.

The file is read and every row checked before the transaction opens, so the database is
held only for the lookup of the file's codes and the writes. One audit event records
the run: the file's SHA-256 and the counts, never the contents of a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Capability
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import Conflict, PermissionRefused, ValidationFailed
from ruhu.common.importing.jobs import (
    IMPORT_MODES,
    import_job_perform,
    import_job_queue,
    import_mode_check,
)
from ruhu.common.importing.reader import file_sha256
from ruhu.common.importing.report import ErrorLog, ImportResult, import_run_audit
from ruhu.common.importing.values import RowError
from ruhu.common.models import ImportJob
from ruhu.common.scoping import require
from ruhu.facilities.checklist import has_safety_valve
from ruhu.facilities.importing import (
    COLUMNS,
    FACILITY_IMPORT,
    CheckedRow,
    check_row,
    read_registry,
)
from ruhu.facilities.models import Facility, FacilityKind

__all__ = [
    "IMPORT_MODES",
    "facility_import",
    "facility_import_job_create",
    "facility_import_job_run",
]

UPDATABLE = tuple(column for column in COLUMNS if column != "code")
# dates the facility's own checks move on: a file may bring them forward, never back
FORWARD_ONLY = ("last_checked_on", "last_cleaned_on")
LOOKUP_BATCH = 2000  # codes per query, well below SQLite's limit on query parameters
WRITE_BATCH = 500
PROGRESS_EVERY = 1000  # rows checked between two reports to the job's progress bar

register_action_labels(
    {
        "facility.import": _("批量导入场站设施"),
        "facility.import_queued": _("提交设施导入任务"),
        "facility.import_expired": _("设施导入任务超时作废"),
        "facility.import_file_removed": _("删除已结束设施导入任务的上传文件"),
    }
)


@dataclass
class _Plan:
    errors: list[RowError] = field(default_factory=list)
    new: list[Facility] = field(default_factory=list)
    changed: list[Facility] = field(default_factory=list)
    changed_fields: set[str] = field(default_factory=set)
    restamped: list[Facility] = field(default_factory=list)  # same values, new digest
    unchanged: int = 0


def facility_import(
    *,
    acting_user: User | None,
    path: Path,
    branch: OrgUnit | None = None,
    mode: str = "all",
    report: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Load a registry file into a branch.

    Mode "all" writes nothing when any row is bad; mode "valid" writes the good rows. A
    code already in the branch updates its facility when its row changed (never its
    check history, defect flag or active state) and is left alone when unchanged. A file
    the import cannot read at all is refused with a ValidationFailed and leaves no trace.
    `acting_user=None` is the command line, which names the branch itself. `progress` hears
    the number of rows checked so far."""
    if acting_user is not None:
        require(acting_user, Capability.MANAGE_FACILITIES)
    import_mode_check(mode)
    branch = _import_branch(acting_user, branch)
    path = Path(path)
    sheet = read_registry(path)
    rows = _checked_rows(sheet, progress)
    sha256 = file_sha256(path)
    log = ErrorLog(report)
    try:
        with transaction.atomic():
            plan = _plan(rows, sheet.present, branch=branch)
            log.add_all(plan.errors)
            result = ImportResult(
                read=len(rows),
                rejected=len(log.lines),
                errors=log.kept,
                error_count=log.count,
                written=not (plan.errors and mode == "all"),
            )
            if result.written:
                _write(plan)
                result.inserted, result.updated = len(plan.new), len(plan.changed)
                result.unchanged = plan.unchanged
            import_run_audit(
                acting_user=acting_user,
                action="facility.import",
                branch=branch,
                mode=mode,
                sha256=sha256,
                result=result,
            )
    except IntegrityError:
        raise Conflict(
            _("导入期间有设施编号被他人登记，请重新导入"), code="facility_import_conflict"
        ) from None
    finally:
        log.close()
    return result


def _checked_rows(sheet, progress: Callable[[int], None] | None) -> list[CheckedRow]:
    today = timezone.localdate()
    rows = []
    for line, values in sheet.rows:
        rows.append(check_row(values, line, today, sheet.present))
        if progress and len(rows) % PROGRESS_EVERY == 0:
            progress(len(rows))
    if progress:
        progress(len(rows))
    return rows


def facility_import_job_create(
    *, acting_user: User, branch: OrgUnit | None = None, mode: str, upload
) -> ImportJob:
    """Keep an uploaded registry file and queue its import (the worker starts after
    commit): into the user's own branch, or the one head office names."""
    require(acting_user, Capability.MANAGE_FACILITIES)
    branch = _import_branch(acting_user, branch)
    return import_job_queue(
        acting_user=acting_user,
        kind=FACILITY_IMPORT,
        branch=branch,
        mode=mode,
        upload=upload,
        enqueue=_enqueue,
    )


def _enqueue(job_id: str) -> None:
    from ruhu.facilities.tasks import facility_import_job_task

    facility_import_job_task(job_id)


def facility_import_job_run(*, job_id) -> ImportJob:
    """Run a queued registry import (the worker's job); a second run does nothing."""
    return import_job_perform(job_id=job_id, kind=FACILITY_IMPORT, run=_run)


def _run(job: ImportJob, source: Path, report: Path, progress) -> ImportResult:
    return facility_import(
        acting_user=job.created_by,
        path=source,
        branch=job.branch,
        mode=job.mode,
        report=report,
        progress=progress,
    )


def _import_branch(acting_user: User | None, branch: OrgUnit | None) -> OrgUnit:
    """Branch staff import into their own branch; head office and the command line name
    one."""
    if acting_user is not None and not acting_user.is_head_office:
        if acting_user.branch_id is None:
            raise PermissionRefused(_("您没有权限执行此操作"), code="capability_missing")
        if branch is not None and branch.pk != acting_user.branch_id:
            raise ValidationFailed(_("只能导入到本分公司"), code="facility_branch")
        return OrgUnit.objects.get(pk=acting_user.branch_id)
    if branch is None or branch.kind != OrgUnit.Kind.BRANCH:
        raise ValidationFailed(_("请选择分公司"), code="facility_branch")
    return branch


def _plan(rows: list[CheckedRow], present: tuple[str, ...], *, branch: OrgUnit) -> _Plan:
    """Sort the rows into new, changed and unchanged facilities; add the errors that span
    rows (a code repeated in the file, a code of another branch)."""
    plan = _Plan(errors=[error for row in rows for error in row.errors])
    existing = _existing({row.clean["code"] for row in rows if row.clean.get("code")})
    # a checked facility keeps its kind: its checks answered that kind's items
    checked = set(
        Facility.objects.filter(branch=branch, checks__isnull=False)
        .values_list("code", flat=True)
        .distinct()
    )
    first_line: dict[str, int] = {}
    for row in rows:
        code = row.clean.get("code")
        if not code:
            continue
        if code in first_line:
            plan.errors.append(
                RowError(row.line, "code", f"编号 {code} 与第 {first_line[code]} 行重复")
            )
        else:
            first_line[code] = row.line
        known = existing.get(code)
        if known is not None and known.branch_id != branch.pk:
            plan.errors.append(RowError(row.line, "code", "该编号属于其他分公司"))
        elif (
            known is not None
            and code in checked
            and row.clean.get("kind", known.kind) != known.kind
        ):
            plan.errors.append(RowError(row.line, "kind", "已有检查记录的设施不能更改类型"))
    bad_lines = {error.line for error in plan.errors}
    for row in rows:
        if row.line not in bad_lines:
            _place(plan, row, existing.get(row.clean["code"]), present, branch)
    order = {column: index for index, column in enumerate(COLUMNS)}
    plan.errors = sorted(
        set(plan.errors), key=lambda e: (e.line, order.get(e.column, len(order)), e.reason)
    )
    return plan


def _existing(codes: set[str]) -> dict[str, Facility]:
    """The facilities, of any branch, that already have one of the codes."""
    found: dict[str, Facility] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        batch = ordered[start : start + LOOKUP_BATCH]
        for facility in Facility.objects.select_for_update().filter(code__in=batch):
            found[facility.code] = facility
    return found


def _place(
    plan: _Plan,
    row: CheckedRow,
    facility: Facility | None,
    present: tuple[str, ...],
    branch: OrgUnit,
) -> None:
    if facility is None:
        values = {column: row.clean[column] for column in UPDATABLE}
        plan.new.append(
            Facility(branch=branch, code=row.clean["code"], import_digest=row.digest, **values)
        )
        return
    if facility.import_digest == row.digest:
        plan.unchanged += 1
        return
    facility.import_digest = row.digest
    changes = _changed_values(facility, row.clean, present)
    if not changes:
        plan.restamped.append(facility)
        plan.unchanged += 1
        return
    for column, value in changes.items():
        setattr(facility, column, value)
    plan.changed.append(facility)
    plan.changed_fields.update(changes)


def _changed_values(facility: Facility, clean: dict, present: Iterable[str]) -> dict:
    """The registry values of the row that differ from the facility's. Only the file's
    columns count, and the two check dates only when the file's date is later. A new kind
    drops what the new kind cannot have (a safety valve's validity, a cleaning date)."""
    wanted = {column: clean[column] for column in UPDATABLE if column in present}
    for column in FORWARD_ONLY:
        if column in wanted and not _later(wanted[column], getattr(facility, column)):
            del wanted[column]
    kind = wanted.get("kind", facility.kind)
    if kind != facility.kind:
        if not has_safety_valve(kind):
            wanted["safety_valve_valid_until"] = None
        if kind != FacilityKind.REGULATOR_BOX:
            wanted["last_cleaned_on"] = None
    return {column: value for column, value in wanted.items() if getattr(facility, column) != value}


def _later(new: dt.date | None, current: dt.date | None) -> bool:
    return new is not None and (current is None or new > current)


def _write(plan: _Plan) -> None:
    Facility.objects.bulk_create(plan.new, batch_size=WRITE_BATCH)
    if plan.changed:
        now = timezone.now()
        for facility in plan.changed:
            facility.updated_at = now
        fields = [*sorted(plan.changed_fields), "import_digest", "updated_at"]
        Facility.objects.bulk_update(plan.changed, fields, batch_size=WRITE_BATCH)
    if plan.restamped:
        Facility.objects.bulk_update(plan.restamped, ["import_digest"], batch_size=WRITE_BATCH)
