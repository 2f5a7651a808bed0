"""Writes to households, each through one audited service; the bulk import (premises.importing)
checks rows with the same normalisers."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from django.core.cache import caches
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import OrgUnit
from ruhu.accounts.roles import Capability
from ruhu.common.audit import audit_record, diff, snapshot
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import Conflict, DomainError, NotFound, ValidationFailed
from ruhu.common.importing.reader import XLSX_MAGIC
from ruhu.common.masking import mask_numbers_in
from ruhu.common.policy import policy_get
from ruhu.common.private_files import open_private, scratch_dir
from ruhu.common.scoping import require
from ruhu.common.validation import normalize_id_number, normalize_phone
from ruhu.premises.importing.run import ImportResult, import_file
from ruhu.premises.models import (
    IMPORTS_FOLDER,
    Appliance,
    Category,
    Household,
    ImportJob,
    SupplyStatus,
)
from ruhu.premises.rules import is_key_customer
from ruhu.premises.selectors import import_progress_key

register_action_labels(
    {
        "household.supply": _("变更供气状态"),
        "household.create": _("新建用户档案"),
        "household.update": _("修改用户档案"),
        "household.import": _("批量导入用户档案"),
        "household.import_queued": _("提交导入任务"),
        "household.import_expired": _("导入任务超时作废"),
        "household.import_file_removed": _("删除已结束导入任务的上传文件"),
        "household.visit": _("入户后更新安检状态"),
        "appliance.add": _("登记燃气具"),
        "appliance.update": _("更新燃气具"),
        "appliance.remove": _("注销燃气具"),
    }
)


# Optional fields a writer may set; supply status and the key-customer flag are not among
# them: later workflows set the first, the second is derived.
HOUSEHOLD_DETAILS = frozenset(
    {
        "district",
        "community",
        "building",
        "unit",
        "room",
        "latitude",
        "longitude",
        "gas_since",
        "first_conversion",
        "vulnerable",
        "group_rental",
        "long_term_absent",
        "last_inspected_on",
        "special_cycle_months",
    }
)


def _check_details(details: dict) -> None:
    unknown = set(details) - HOUSEHOLD_DETAILS
    if unknown:
        raise ValidationFailed(
            f"不可设置的字段: {', '.join(sorted(unknown))}", code="field_readonly"
        )


def _check_special_cycle(household: Household) -> None:
    """A site's own cycle: special gas-use sites only, within the policy's 3–6 months."""
    months = household.special_cycle_months
    if months is None:
        return
    if household.category != Category.SPECIAL:
        raise ValidationFailed(
            "只有特殊用气场所可以单独设定安检周期", code="special_cycle_category"
        )
    low = int(policy_get("inspection.cycle_months.special_min", branch=household.branch_id))
    high = int(policy_get("inspection.cycle_months.special_max", branch=household.branch_id))
    if not low <= months <= high:
        raise ValidationFailed(
            f"特殊用气场所安检周期应为 {low}–{high} 个月", code="special_cycle_range"
        )


def _key_customer(household: Household) -> bool:
    return is_key_customer(
        vulnerable=household.vulnerable,
        group_rental=household.group_rental,
        long_term_absent=household.long_term_absent,
        supply_status=household.supply_status,
    )


@transaction.atomic
def household_create(
    *,
    acting_user,
    branch: OrgUnit,
    account_no: str,
    name: str,
    category: str,
    phone: str = "",
    id_number: str = "",
    address: str = "",
    **details,
) -> Household:
    """Create one household; `details` are the optional fields of HOUSEHOLD_DETAILS."""
    if branch.kind != OrgUnit.Kind.BRANCH:
        raise ValidationFailed("用户必须属于一个分公司", code="household_branch")
    if category not in Category.values:
        raise ValidationFailed("未知的用户类别", code="household_category")
    account_no = account_no.strip()
    if not account_no or not name.strip():
        raise ValidationFailed("户号和户名必填", code="household_required")
    if Household.objects.filter(account_no=account_no).exists():
        raise Conflict(f"户号 {account_no} 已存在", code="household_account_taken")
    _check_details(details)
    household = Household(
        branch=branch,
        account_no=account_no,
        name=name.strip(),
        category=category,
        phone=normalize_phone(phone),
        id_number=normalize_id_number(id_number),
        address=address.strip(),
        **details,
    )
    _check_special_cycle(household)
    household.is_key_customer = _key_customer(household)
    household.save()
    audit_record(
        acting_user=acting_user,
        action="household.create",
        target=household,
        changes=diff({}, snapshot(household)),
    )
    return household


@transaction.atomic
def household_update(*, acting_user, household: Household, **changes) -> Household:
    allowed = {"name", "category", "phone", "id_number", "address", *HOUSEHOLD_DETAILS}
    if set(changes) - allowed:
        raise ValidationFailed("不可修改的字段", code="field_readonly")
    _check_details({k: v for k, v in changes.items() if k in HOUSEHOLD_DETAILS})
    before = snapshot(household)
    if "phone" in changes:
        changes["phone"] = normalize_phone(changes["phone"])
    if "id_number" in changes:
        changes["id_number"] = normalize_id_number(changes["id_number"])
    if "category" in changes and changes["category"] not in Category.values:
        raise ValidationFailed("未知的用户类别", code="household_category")
    for field, value in changes.items():
        setattr(household, field, value)
    _check_special_cycle(household)
    household.is_key_customer = _key_customer(household)
    household.updated_at = timezone.now()
    household.save()
    audit_record(
        acting_user=acting_user,
        action="household.update",
        target=household,
        changes=diff(before, snapshot(household)),
    )
    return household


VISIT_FACTS = frozenset({"last_inspected_on", "long_term_absent"})


def household_record_visit(*, acting_user, household: Household, **changes) -> Household:
    """What a visit changes on the household, written narrowly: the visit is the evidence,
    so this is a small update and a small audit row, not a full save (which would
    re-encrypt the personal fields on every visit)."""
    if not changes or set(changes) - VISIT_FACTS:
        raise ValidationFailed("不可修改的字段", code="field_readonly")
    fields = list(changes)
    before = snapshot(household, fields)
    for field, value in changes.items():
        setattr(household, field, value)
    household.is_key_customer = _key_customer(household)
    household.updated_at = timezone.now()
    Household.objects.filter(pk=household.pk).update(
        **changes, is_key_customer=household.is_key_customer, updated_at=household.updated_at
    )
    audit_record(
        acting_user=acting_user,
        action="household.visit",
        target=household,
        changes=diff(before, snapshot(household, fields)),
    )
    return household


IMPORT_MODES = ("all", "valid")
PROGRESS_TTL_SECONDS = 24 * 3600
# A job still queued or running this long after its upload has lost its worker (the
# largest imports take minutes); within the scratch folder's own limit.
IMPORT_STALE_AFTER = dt.timedelta(hours=6)
IMPORT_INTERRUPTED = "导入意外中断，上传的文件已删除，请重新上传"
IMPORT_EXPIRED = "导入未能按时完成，上传的文件已删除，请重新上传"


def household_import(
    *,
    acting_user,
    path: Path,
    branch: OrgUnit,
    mode: str = "all",
    report: Path | None = None,
    progress=None,
) -> ImportResult:
    """Load a billing-system export into `branch` (docs/import.md).

    Mode "all" writes nothing when any row is bad; mode "valid" writes the good rows. An
    account number already in the branch is updated, or skipped when its row is unchanged.
    One audit event records the run: the file's SHA-256 and the counts, no row contents.
    """
    if mode not in IMPORT_MODES:
        raise ValidationFailed("导入模式应为 all 或 valid", code="import_mode")
    if branch.kind != OrgUnit.Kind.BRANCH:
        raise ValidationFailed("请选择一个分公司", code="household_branch")
    file_sha256 = _file_sha256(path)

    def record(result: ImportResult) -> None:
        audit_record(
            acting_user=acting_user,
            action="household.import",
            target=branch,
            branch_id=branch.pk,
            changes={
                "file_sha256": [None, file_sha256],
                "mode": [None, mode],
                "read": [None, result.read],
                "inserted": [None, result.inserted],
                "updated": [None, result.updated],
                "unchanged": [None, result.unchanged],
                "rejected": [None, result.rejected],
                "written": [None, result.written],
            },
        )

    result = import_file(
        path, branch_id=branch.pk, mode=mode, report=report, progress=progress, on_merged=record
    )
    return result


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@transaction.atomic
def import_job_create(*, acting_user, branch: OrgUnit, mode: str, upload) -> ImportJob:
    """Keep the uploaded file and queue its import; the worker starts after commit."""
    require(acting_user, Capability.IMPORT_HOUSEHOLDS)
    if mode not in IMPORT_MODES:
        raise ValidationFailed("导入模式应为 all 或 valid", code="import_mode")
    if branch.kind != OrgUnit.Kind.BRANCH or not (
        acting_user.is_head_office or acting_user.branch_id == branch.pk
    ):
        raise ValidationFailed("只能导入到本分公司", code="household_branch")
    name = Path(upload.name or "upload").name[-150:]
    if Path(name).suffix.lower() not in {".csv", ".xlsx", ".txt"}:
        raise ValidationFailed("请上传 CSV 或 XLSX 文件", code="import_file_type")
    job = ImportJob(branch=branch, mode=mode, file_name=name, created_by=acting_user)
    job.file.save(name, upload, save=False)
    job.rows_total = _estimate_rows(job)
    job.save()
    audit_record(
        acting_user=acting_user,
        action="household.import_queued",
        target=job,
        branch_id=branch.pk,
        changes={"file": [None, name], "mode": [None, mode]},
    )
    transaction.on_commit(lambda: _enqueue_import(job.pk))
    return job


def _enqueue_import(job_id) -> None:
    from ruhu.premises.tasks import import_job_task

    import_job_task(str(job_id))


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


def import_job_run(*, job_id) -> ImportJob:
    """Run a queued import (the worker's job); safe to call twice: only one run claims it.
    However it ends, the uploaded file is deleted."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    job = ImportJob.objects.select_related("branch", "created_by").get(pk=job_id)
    if not claimed:
        return job
    try:
        return _import_job_execute(job)
    except Exception:
        _import_job_finish(job, status=ImportJob.Status.FAILED, message=IMPORT_INTERRUPTED)
        raise


def _import_job_execute(job: ImportJob) -> ImportJob:
    with tempfile.TemporaryDirectory(dir=scratch_dir(), prefix="import-") as folder:
        source, report = Path(folder) / job.file_name, Path(folder) / "report.csv"
        with job.file.open("rb") as fh, open_private(source, "wb") as out:
            shutil.copyfileobj(fh, out)
        try:
            result = household_import(
                acting_user=job.created_by,
                path=source,
                branch=job.branch,
                mode=job.mode,
                report=report,
                progress=lambda rows: _import_progress_set(job.pk, rows),
            )
        except DomainError as exc:
            message = mask_numbers_in(exc.message)
            return _import_job_finish(job, status=ImportJob.Status.FAILED, message=message)
        if result.rejected:
            with open(report, "rb") as fh:
                job.report.save("report.csv", File(fh), save=False)
        return _import_job_finish(
            job,
            status=ImportJob.Status.DONE,
            rows_read=result.read,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=result.rejected,
            written=result.written,
        )


def _import_progress_set(job_id, rows: int) -> None:
    """Rows read so far, for the job's page: in the progress cache, because the import's
    transaction holds SQLite's write lock and hides its own writes until it ends."""
    caches["progress"].set(import_progress_key(job_id), rows, timeout=PROGRESS_TTL_SECONDS)


def _import_job_finish(job: ImportJob, **fields) -> ImportJob:
    _import_source_delete(job)
    for name, value in fields.items():
        setattr(job, name, value)
    job.finished_at = timezone.now()
    job.save()
    return job


def _import_source_delete(job: ImportJob) -> None:
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
    """What a worker that died left behind: a job queued or running for longer than
    IMPORT_STALE_AFTER fails, a job that ended keeps no uploaded file, and an upload whose
    job was never committed goes. Returns the number of jobs and uploads this touched (an
    hourly task runs it; running it again changes nothing)."""
    cutoff = (now or timezone.now()) - IMPORT_STALE_AFTER
    open_states = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    touched = 0
    for job in ImportJob.objects.filter(status__in=open_states, created_at__lt=cutoff):
        touched += _import_job_expire(job)
    for job in ImportJob.objects.exclude(status__in=open_states).exclude(file=""):
        touched += _import_job_forget_source(job)
    return touched + _orphan_uploads_delete(cutoff)


@transaction.atomic
def _import_job_forget_source(job: ImportJob) -> int:
    """A job that ended and still has its upload (its worker died while finishing)."""
    _import_source_delete(job)
    job.save(update_fields=["file"])
    audit_record(
        acting_user=None,
        action="household.import_file_removed",
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
def _import_job_expire(job: ImportJob) -> int:
    claimed = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        status=ImportJob.Status.FAILED
    )
    if not claimed:  # it ended meanwhile
        return 0
    before = job.status
    _import_job_finish(job, status=ImportJob.Status.FAILED, message=IMPORT_EXPIRED)
    audit_record(
        acting_user=None,
        action="household.import_expired",
        target=job,
        branch_id=job.branch_id,
        changes={"status": [before, job.status]},
    )
    return 1


APPLIANCE_FIELDS = ("kind", "brand", "model", "flue_type", "installed_year")


def appliance_record(
    *, acting_user, household: Household, appliance: Appliance | None = None, **fields
) -> Appliance:
    """Add an appliance to the household's registry, or correct one already there."""
    if set(fields) - set(APPLIANCE_FIELDS):
        raise ValidationFailed("不可修改的字段", code="field_readonly")
    if fields.get("kind", appliance.kind if appliance else None) not in Appliance.Kind.values:
        raise ValidationFailed("未知的燃气具种类", code="appliance_kind")
    if fields.get("flue_type") and fields["flue_type"] not in Appliance.Flue.values:
        raise ValidationFailed("未知的排烟方式", code="appliance_flue")
    year = fields.get("installed_year")
    if year is not None and not 1950 <= year <= timezone.localdate().year:
        raise ValidationFailed("安装年份不合理", code="appliance_year")
    if appliance is not None and appliance.household_id != household.pk:
        raise NotFound("没有这台燃气具", code="not_found")
    before = snapshot(appliance) if appliance else {}
    target = appliance or Appliance(household=household)
    for field, value in fields.items():
        setattr(target, field, value if value is not None or field == "installed_year" else "")
    target.save()
    audit_record(
        acting_user=acting_user,
        action="appliance.update" if appliance else "appliance.add",
        target=target,
        branch_id=household.branch_id,
        changes=diff(before, snapshot(target)),
    )
    return target


def appliance_remove(*, acting_user, appliance: Appliance, reason: str) -> None:
    """The appliance is gone from the household (seen on a visit)."""
    household_branch = appliance.household.branch_id
    before = snapshot(appliance)
    audit_record(
        acting_user=acting_user,
        action="appliance.remove",
        target=appliance,
        branch_id=household_branch,
        changes=diff(before, {}),
        reason=reason,
    )
    appliance.delete()


def household_set_supply(*, acting_user, household: Household, status: str, reason: str) -> bool:
    """Set the household's supply status (RULES B6.5: limited sales, stopped and sealed,
    restored); the rectification loop decides, this writes it narrowly with its reason.
    Returns whether anything changed."""
    if status not in SupplyStatus.values:
        raise ValidationFailed("未知的供气状态", code="supply_status")
    if household.supply_status == status:
        return False
    before = household.supply_status
    household.supply_status = status
    household.is_key_customer = _key_customer(household)
    household.updated_at = timezone.now()
    Household.objects.filter(pk=household.pk).update(
        supply_status=status,
        is_key_customer=household.is_key_customer,
        updated_at=household.updated_at,
    )
    audit_record(
        acting_user=acting_user,
        action="household.supply",
        target=household,
        changes={"supply_status": [before, status]},
        reason=reason,
    )
    return True
