"""Recording a facility check from the phone (RULES C; DESIGN 4 and 7), the way a visit
is recorded: photos first, each cited by its SHA-256; then the whole check under the
phone's UUID, written, frozen and chained in the ledger in one transaction. The same
payload again returns the stored check; another payload under the same id is a conflict.

What the check found is judged here, not on the phone: every item answered 缺陷, every
pressure outside the policy range and a safety valve past its test validity becomes a
defect of the frozen record, and a repair job (`FacilityRepair`) unless the same item
already has one open. A repair job is verified only by a later check that finds its item
in order; the facility stays flagged while any job is open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.audit import audit_record
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from ruhu.common.ledger import canonical_json, ledger_append
from ruhu.common.models import Attachment
from ruhu.common.notifications import outbox_enqueue
from ruhu.common.policy import policy_get
from ruhu.common.scoping import require, scope_queryset
from ruhu.common.selectors import uploads_cited
from ruhu.facilities.checklist import (
    ITEM_LABELS,
    PRESSURE_LABELS,
    PRESSURES,
    SAFETY_VALVE,
    has_safety_valve,
    items_for,
    pressure_ranges,
    takes_pressures,
)
from ruhu.facilities.evidence import LEDGER_KIND, check_records
from ruhu.facilities.models import (
    Facility,
    FacilityCheck,
    FacilityCheckPhoto,
    FacilityDefect,
    FacilityRepair,
    FacilityTask,
)
from ruhu.facilities.schemas import CheckIn

register_action_labels(
    {
        "facility_check.submit": _("提交设施检查记录"),
        "facility_check.correct": _("更正设施检查记录"),
        "facility_repair.raise": _("生成设施维修任务"),
        "facility_repair.reopen": _("复查不合格，维修任务重新打开"),
        "facility_repair.verify": _("复查合格，维修任务关闭"),
        "facility_repair.withdraw": _("撤销设施维修任务"),
    }
)
CLOCK_SKEW = dt.timedelta(minutes=10)
OPEN = (FacilityRepair.Status.OPEN, FacilityRepair.Status.REPAIRED)


@dataclass(frozen=True)
class Found:
    """A defect as the check judged it."""

    item: str
    measured: int | None
    description: str


def payload_sha256(payload: CheckIn) -> str:
    return hashlib.sha256(canonical_json(payload.model_dump(mode="json"))).hexdigest()


def facility_check_submit(
    *,
    acting_user,
    payload: CheckIn,
    supersedes: FacilityCheck | None = None,
    correction_reason: str = "",
) -> tuple[FacilityCheck, bool]:
    """Store the check, or return the one already stored under its id: (check, created)."""
    digest = payload_sha256(payload)
    stored = _already_stored(acting_user, payload, digest)
    if stored is not None:
        return stored, False
    checked = _checked(acting_user, payload)
    try:
        check = _store(acting_user, payload, digest, checked, supersedes, correction_reason)
    except IntegrityError:
        stored = _already_stored(acting_user, payload, digest)
        if stored is None:
            raise
        return stored, False
    return check, True


def _already_stored(acting_user, payload: CheckIn, digest: str) -> FacilityCheck | None:
    found = (
        FacilityCheck.objects.filter(pk=payload.id)
        .values_list("inspector_id", "payload_sha256")
        .first()
    )
    if found is None:
        return None
    if found != (acting_user.pk, digest):
        raise Conflict(
            "该检查记录编号已用于另一份不同的记录", code="check_id_conflict", id=str(payload.id)
        )
    return FacilityCheck.objects.get(pk=payload.id)


@dataclass(frozen=True)
class _Checked:
    facility: Facility
    task: FacilityTask | None
    photos: dict[str, Attachment]
    found: list[Found]
    day: dt.date


def _checked(acting_user, payload: CheckIn) -> _Checked:
    """Every read and check before the write transaction (SQLite's one write lock)."""
    require(acting_user, Capability.CHECK_FACILITIES)
    facility = (
        scope_queryset(Facility.objects.all(), acting_user=acting_user)
        .filter(pk=payload.facility_id)
        .first()
    )
    if facility is None:
        raise NotFound("未找到该设施", code="not_found")
    if not facility.active:
        raise IllegalTransition("该设施已停用", code="facility_inactive")
    task = _task(acting_user, payload, facility)
    _check_times(payload)
    _check_answers(payload, facility)
    photos = _photos(acting_user, payload)
    day = timezone.localdate(payload.finished_at)
    return _Checked(facility, task, photos, judge(payload, facility, day), day)


def _task(acting_user, payload: CheckIn, facility: Facility) -> FacilityTask | None:
    if payload.task_id is None:
        return None
    task = FacilityTask.objects.filter(pk=payload.task_id, assignee=acting_user).first()
    if task is None:
        raise NotFound("未找到该任务", code="not_found")
    if task.facility_id != facility.pk:
        raise ValidationFailed("任务与设施不符", code="check_task_facility")
    if task.status != FacilityTask.Status.PLANNED:
        raise IllegalTransition("该任务已完成或已取消", code="task_not_planned")
    return task


def _check_times(payload: CheckIn) -> None:
    if payload.started_at > payload.finished_at:
        raise ValidationFailed("开始时间晚于结束时间", code="check_times")
    if payload.finished_at > timezone.now() + CLOCK_SKEW:
        raise ValidationFailed("结束时间在未来，请检查手机时间", code="check_future")


def _check_answers(payload: CheckIn, facility: Facility) -> None:
    codes = {item.code for item in items_for(facility.kind)}
    unanswered = sorted(codes - set(payload.checklist))
    unknown = sorted(set(payload.checklist) - codes)
    if unanswered or unknown:
        raise ValidationFailed(
            "检查项不完整", code="check_checklist", unanswered=unanswered, unknown=unknown
        )
    unproven = sorted(
        code
        for code, item in payload.checklist.items()
        if item.state == "defect" and not item.photos
    )
    if unproven:
        raise ValidationFailed("有缺陷的检查项须拍照", code="check_defect_photo", items=unproven)
    pressures = {name: getattr(payload, name) for name in PRESSURES}
    if takes_pressures(facility.kind):
        missing = [name for name, value in pressures.items() if value is None]
        if missing:
            raise ValidationFailed(
                "调压箱须填写切断、关闭、运行三项压力", code="check_pressures", missing=missing
            )
    elif any(value is not None for value in pressures.values()) or payload.cleaned:
        raise ValidationFailed("只有调压箱填写压力和清洗", code="check_not_regulator_box")
    if payload.safety_valve_valid_until and not has_safety_valve(facility.kind):
        raise ValidationFailed("该类设施没有安全阀", code="check_no_safety_valve")


def _photos(acting_user, payload: CheckIn) -> dict[str, Attachment]:
    cited = {sha for item in payload.checklist.values() for sha in item.photos}
    limit = int(policy_get("inspection.visit_max_photo_count", branch=acting_user.branch_id))
    if len(cited) > limit:
        raise ValidationFailed(f"照片不能超过 {limit} 张", code="check_too_many_photos")
    return uploads_cited(acting_user=acting_user, cited=cited) if cited else {}


def judge(payload: CheckIn, facility: Facility, day: dt.date) -> list[Found]:
    """The defects of a check: pressures outside their policy range, items answered 缺陷,
    a safety valve past its test validity on the day (whatever was answered)."""
    found: list[Found] = []
    if takes_pressures(facility.kind):
        ranges = pressure_ranges(branch=facility.branch_id, on=day)
        for name in PRESSURES:
            value, limits = getattr(payload, name), ranges[name]
            if value is not None and not limits.accepts(value):
                found.append(
                    Found(
                        name,
                        value,
                        f"{PRESSURE_LABELS[name]} {value} Pa，"
                        f"应在 {limits.low}–{limits.high} Pa 之间",
                    )
                )
    valid_until = payload.safety_valve_valid_until or facility.safety_valve_valid_until
    for item in items_for(facility.kind):
        answer = payload.checklist[item.code]
        expired = item.code == SAFETY_VALVE and valid_until is not None and valid_until < day
        if answer.state != "defect" and not expired:
            continue
        parts = [str(ITEM_LABELS[item.code]) + "：不合格"]
        if expired:
            parts.append(f"安全阀检验有效期至 {valid_until:%Y-%m-%d}，已过期")
        if answer.note:
            parts.append(answer.note)
        found.append(Found(item.code, None, "；".join(parts)[:300]))
    return found


@transaction.atomic
def _store(
    acting_user,
    payload: CheckIn,
    digest: str,
    checked: _Checked,
    supersedes: FacilityCheck | None,
    reason: str,
) -> FacilityCheck:
    facility, found = checked.facility, checked.found
    check = FacilityCheck.objects.create(
        id=payload.id,
        facility=facility,
        branch_id=facility.branch_id,
        kind=facility.kind,
        inspector=acting_user,
        task=checked.task,
        started_at=payload.started_at,
        finished_at=payload.finished_at,
        latitude=_coordinate(payload.latitude),
        longitude=_coordinate(payload.longitude),
        checklist_json=canonical_json(
            {code: item.model_dump(mode="json") for code, item in payload.checklist.items()}
        ).decode(),
        cutoff_pa=payload.cutoff_pa,
        closing_pa=payload.closing_pa,
        operating_pa=payload.operating_pa,
        cleaned=payload.cleaned,
        safety_valve_valid_until=payload.safety_valve_valid_until,
        result=FacilityCheck.Result.DEFECTS if found else FacilityCheck.Result.PASSED,
        note=payload.note,
        supersedes=supersedes,
        correction_reason=reason,
        payload_sha256=digest,
    )
    _add_rows(check, payload, checked.photos, found)
    _freeze(check)
    if supersedes is not None:
        _withdraw_raised_by(acting_user, supersedes, reason)
    _follow_repairs(acting_user, check, found, checked.day)
    _update_facility(check, payload, checked.day)
    _finish_tasks(check)
    audit_record(
        acting_user=acting_user,
        action="facility_check.correct" if supersedes else "facility_check.submit",
        target=check,
        branch_id=check.branch_id,
        changes={"result": [None, check.result], "facility": [None, facility.code]},
        reason=reason,
    )
    return check


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 6)))


def _add_rows(check: FacilityCheck, payload: CheckIn, photos: dict, found: list[Found]) -> None:
    cited = [(code, sha) for code, item in sorted(payload.checklist.items()) for sha in item.photos]
    FacilityCheckPhoto.objects.bulk_create(
        FacilityCheckPhoto(check_record=check, attachment=photos[sha], item=code, position=n)
        for n, (code, sha) in enumerate(cited)
    )
    FacilityDefect.objects.bulk_create(
        FacilityDefect(
            check_record=check, position=n, item=f.item, measured=f.measured,
            description=f.description,
        )
        for n, f in enumerate(found)
    )  # fmt: skip


def _freeze(check: FacilityCheck) -> None:
    now = timezone.now()
    FacilityCheck.objects.filter(pk=check.pk).update(frozen=True, frozen_at=now)
    check.frozen, check.frozen_at = True, now
    record = check_records([str(check.pk)])[str(check.pk)]
    entry = ledger_append(
        kind=LEDGER_KIND,
        record_id=str(check.pk),
        canonical=record.canonical,
        attachments=record.attachments,
    )
    check.ledger_seq = entry.seq  # type: ignore[attr-defined]


def _follow_repairs(acting_user, check: FacilityCheck, found: list[Found], day: dt.date) -> None:
    """Each defect gets a repair job unless its item has one open; a job whose item this
    check found in order is verified; a job reported repaired but found faulty reopens."""
    open_jobs = {
        job.item: job
        for job in FacilityRepair.objects.filter(facility_id=check.facility_id, status__in=OPEN)
    }
    days = int(policy_get("facility.repair_due_days", branch=check.branch_id, on=day))
    due_on = day + dt.timedelta(days=days)
    raised = []
    for defect in found:
        job = open_jobs.pop(defect.item, None)
        if job is None:
            raised.append(_raise(acting_user, check, defect, due_on))
        elif job.status == FacilityRepair.Status.REPAIRED:
            _move(acting_user, job, FacilityRepair.Status.OPEN, "facility_repair.reopen",
                  due_on=due_on, closed_by=None)  # fmt: skip
    for job in open_jobs.values():
        _move(acting_user, job, FacilityRepair.Status.VERIFIED, "facility_repair.verify",
              closed_by=check, closed_at=timezone.now())  # fmt: skip
    if raised:
        _tell_repairers(check, raised)
    check.repair_ids = [job.pk for job in raised]  # type: ignore[attr-defined]


def _raise(acting_user, check: FacilityCheck, defect: Found, due_on: dt.date) -> FacilityRepair:
    job = FacilityRepair.objects.create(
        facility_id=check.facility_id,
        branch_id=check.branch_id,
        raised_by=check,
        item=defect.item,
        description=defect.description,
        due_on=due_on,
    )
    audit_record(
        acting_user=acting_user,
        action="facility_repair.raise",
        target=job,
        changes={"item": [None, defect.item], "due_on": [None, due_on.isoformat()]},
    )
    return job


def _move(acting_user, job: FacilityRepair, status: str, action: str, **fields) -> None:
    changed = FacilityRepair.objects.filter(pk=job.pk, status=job.status).update(
        status=status, **fields
    )
    if not changed:
        raise Conflict("维修任务已被他人更新，请重试", code="repair_changed")
    audit_record(
        acting_user=acting_user,
        action=action,
        target=job,
        changes={"status": [job.status, status]},
    )


def _withdraw_raised_by(acting_user, superseded: FacilityCheck, reason: str) -> None:
    """A corrected check's jobs go; the correction raises its own."""
    for job in FacilityRepair.objects.filter(raised_by=superseded, status__in=OPEN):
        _move(acting_user, job, FacilityRepair.Status.WITHDRAWN, "facility_repair.withdraw",
              closed_at=timezone.now())  # fmt: skip


def _tell_repairers(check: FacilityCheck, raised: list[FacilityRepair]) -> None:
    facility = Facility.objects.get(pk=check.facility_id)
    lines = "；".join(job.description for job in raised)
    body = (
        f"【设施缺陷】{facility.code} {facility.get_kind_display()}（{facility.location}）"
        f"检查发现：{lines}。请于 {raised[0].due_on:%Y-%m-%d} 前完成维修。"
    )
    people = User.objects.filter(
        branch_id=check.branch_id,
        role__in=[Role.REPAIRER, Role.INSPECTION_LEAD],
        is_active=True,
    ).exclude(email="")
    for person in people:
        outbox_enqueue(
            channel="email",
            recipient=person.email,
            subject="设施缺陷维修",
            body=body,
            dedupe_key=f"facility-repair:{raised[0].pk}:{person.pk}",
            branch_id=check.branch_id,
            cause=raised[0],
        )


def _update_facility(check: FacilityCheck, payload: CheckIn, day: dt.date) -> None:
    facility = Facility.objects.select_for_update().get(pk=check.facility_id)
    changes: dict = {
        "flagged": FacilityRepair.objects.filter(facility=facility, status__in=OPEN).exists()
    }
    if facility.last_checked_on is None or facility.last_checked_on < day:
        changes["last_checked_on"] = day
    if payload.cleaned and (facility.last_cleaned_on is None or facility.last_cleaned_on < day):
        changes["last_cleaned_on"] = day
    newer = payload.safety_valve_valid_until
    if newer and (
        facility.safety_valve_valid_until is None or facility.safety_valve_valid_until < newer
    ):
        changes["safety_valve_valid_until"] = newer
    Facility.objects.filter(pk=facility.pk).update(**changes)


def _finish_tasks(check: FacilityCheck) -> None:
    """The check does the facility's open task, whoever it was given to."""
    FacilityTask.objects.filter(
        facility_id=check.facility_id, status=FacilityTask.Status.PLANNED
    ).update(status=FacilityTask.Status.DONE)


def facility_check_correct(
    *, acting_user, check: FacilityCheck, payload: CheckIn, reason: str
) -> FacilityCheck:
    """A correction is a new check that cites the frozen one, with the reason and actor."""
    if not reason.strip():
        raise ValidationFailed("请填写更正原因", code="check_correction_reason")
    if check.inspector_id != acting_user.pk and not acting_user.can(Capability.MANAGE_FACILITIES):
        raise NotFound("未找到该记录", code="not_found")
    if FacilityCheck.objects.filter(supersedes=check).exists():
        raise IllegalTransition("该记录已被更正，请更正最新版本", code="check_superseded")
    if payload.facility_id != check.facility_id:
        raise ValidationFailed("更正记录须针对同一设施", code="check_correction_facility")
    corrected, _created = facility_check_submit(
        acting_user=acting_user,
        payload=payload.model_copy(update={"task_id": None}),
        supersedes=check,
        correction_reason=reason.strip(),
    )
    return corrected
