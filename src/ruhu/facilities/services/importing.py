"""Importing the facility registry from CSV or XLSX (docs/facilities-import.md).

The file is read and every row checked before the transaction opens, so the database is
held only for the lookup of the file's codes and the writes. One audit event records
the run: the file's SHA-256 and the counts, never the contents of a row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import OrgUnit
from ruhu.accounts.roles import Capability
from ruhu.common.audit import audit_record
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import Conflict, PermissionRefused, ValidationFailed
from ruhu.common.importing.report import ErrorLog, ImportResult
from ruhu.common.importing.values import RowError
from ruhu.common.scoping import require
from ruhu.facilities.checklist import has_safety_valve
from ruhu.facilities.importing import COLUMNS, CheckedRow, check_row, read_registry
from ruhu.facilities.models import Facility, FacilityKind

IMPORT_MODES = ("all", "valid")
UPDATABLE = tuple(column for column in COLUMNS if column != "code")
# dates the facility's own checks move on: a file may bring them forward, never back
FORWARD_ONLY = ("last_checked_on", "last_cleaned_on")
LOOKUP_BATCH = 2000  # codes per query, well below SQLite's limit on query parameters
WRITE_BATCH = 500

register_action_labels({"facility.import": _("批量导入场站设施")})


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
    acting_user,
    path: Path,
    branch: OrgUnit | None = None,
    mode: str = "all",
    report: Path | None = None,
) -> ImportResult:
    """Load a registry file into a branch.

    Mode "all" writes nothing when any row is bad; mode "valid" writes the good rows. A
    code already in the branch updates its facility when its row changed (never its
    check history, defect flag or active state) and is left alone when unchanged. A file
    the import cannot read at all is refused with a ValidationFailed and leaves no trace.
    `acting_user=None` is the command line, which names the branch itself."""
    if acting_user is not None:
        require(acting_user, Capability.MANAGE_FACILITIES)
    if mode not in IMPORT_MODES:
        raise ValidationFailed("导入模式应为 all 或 valid", code="import_mode")
    branch = _import_branch(acting_user, branch)
    path = Path(path)
    sheet = read_registry(path)
    today = timezone.localdate()
    rows = [check_row(values, line, today, sheet.present) for line, values in sheet.rows]
    file_sha256 = _file_sha256(path)
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
            _audit(acting_user, branch, mode, file_sha256, result)
    except IntegrityError:
        raise Conflict(
            "导入期间有设施编号被他人登记，请重新导入", code="facility_import_conflict"
        ) from None
    finally:
        log.close()
    return result


def _import_branch(acting_user, branch: OrgUnit | None) -> OrgUnit:
    """Branch staff import into their own branch; head office and the command line name
    one."""
    if acting_user is not None and not acting_user.is_head_office:
        if acting_user.branch_id is None:
            raise PermissionRefused("您没有权限执行此操作", code="capability_missing")
        if branch is not None and branch.pk != acting_user.branch_id:
            raise ValidationFailed("只能导入到本分公司", code="facility_branch")
        return OrgUnit.objects.get(pk=acting_user.branch_id)
    if branch is None or branch.kind != OrgUnit.Kind.BRANCH:
        raise ValidationFailed("请选择分公司", code="facility_branch")
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
    changes = changed_values(facility, row.clean, present)
    if not changes:
        plan.restamped.append(facility)
        plan.unchanged += 1
        return
    for column, value in changes.items():
        setattr(facility, column, value)
    plan.changed.append(facility)
    plan.changed_fields.update(changes)


def changed_values(facility: Facility, clean: dict, present: Iterable[str]) -> dict:
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


def _audit(acting_user, branch: OrgUnit, mode: str, file_sha256: str, result) -> None:
    counts = {
        name: getattr(result, name)
        for name in ("read", "inserted", "updated", "unchanged", "rejected", "written")
    }
    audit_record(
        acting_user=acting_user,
        action="facility.import",
        target=branch,
        branch_id=branch.pk,
        changes={
            name: [None, value]
            for name, value in {"file_sha256": file_sha256, "mode": mode, **counts}.items()
        },
    )


def _file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
