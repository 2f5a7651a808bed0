"""Recording a facility check from the phone (RULES C; DESIGN 4 and 7), the way a visit
is recorded: photos first, each cited by its SHA-256; then the whole check under the
phone's UUID, a frozen record of common/frozen.py (`CHECK_KIND`) that is written, frozen
and chained in the ledger in one transaction. The same payload again returns the stored
check; another payload under the same id is a conflict. This module gives what only a
check knows (`CHECKS`).

What the check found is judged here, not on the phone: every item answered 缺陷, every
pressure outside the policy range and a safety valve past its test validity becomes a
defect of the frozen record, and a repair job (`FacilityRepair`) unless the same item
already has one open. A repair job is verified only by a later check that finds its item
in order; the facility stays flagged while any job is open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.audit import audit_record
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from ruhu.common.evidence_written import rows_written
from ruhu.common.frozen import Draft, Recorder, frozen_record_correct, frozen_record_submit
from ruhu.common.models import Attachment
from ruhu.common.notifications import outbox_email_each
from ruhu.common.policy import policy_get
from ruhu.common.scoping import require, scope_queryset
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
from ruhu.facilities.evidence import CHECK_KIND
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
OPEN = (FacilityRepair.Status.OPEN, FacilityRepair.Status.REPAIRED)


@dataclass(frozen=True)
class Found:
    """A defect as the check judged it."""

    item: str
    measured: int | None
    description: str


@dataclass(frozen=True)
class _Checked:
    """What the checks found out, for the write: the facility, its task, the defects."""

    facility: Facility
    task: FacilityTask | None
    found: list[Found]
    day: dt.date


def facility_check_submit(*, acting_user: User, payload: CheckIn) -> tuple[FacilityCheck, bool]:
    """Store the check, or return the one already stored under its id: (check, created)."""
    return frozen_record_submit(CHECK_KIND, CHECKS, acting_user=acting_user, payload=payload)


def facility_check_correct(
    *, acting_user: User, check: FacilityCheck, payload: CheckIn, reason: str
) -> FacilityCheck:
    """A correction is a new check that cites the frozen one, with the reason and actor."""
    return frozen_record_correct(
        CHECK_KIND, CHECKS, acting_user=acting_user, record=check, payload=payload, reason=reason
    )


def _checked(draft: Draft[CheckIn]) -> _Checked:
    """Every read and check but the files' (common.frozen does those), and the judgement."""
    require(draft.acting_user, Capability.CHECK_FACILITIES)
    payload = draft.payload
    facility = (
        scope_queryset(Facility.objects.all(), acting_user=draft.acting_user)
        .filter(pk=payload.facility_id)
        .first()
    )
    if facility is None:
        raise NotFound(_("未找到该设施"), code="not_found")
    if not facility.active:
        raise IllegalTransition(_("该设施已停用"), code="facility_inactive")
    task = draft.task(
        FacilityTask.objects.filter(assignee=draft.acting_user),
        doable=(FacilityTask.Status.PLANNED,),
        refused="task_not_planned",
    )
    _check_answers(payload, facility)
    day = timezone.localdate(payload.finished_at)
    return _Checked(facility, task, judge(payload, facility, day), day)


def _check_answers(payload: CheckIn, facility: Facility) -> None:
    codes = {item.code for item in items_for(facility.kind)}
    unanswered = sorted(codes - set(payload.checklist))
    unknown = sorted(set(payload.checklist) - codes)
    if unanswered or unknown:
        raise ValidationFailed(
            _("检查项不完整"), code="check_checklist", unanswered=unanswered, unknown=unknown
        )
    unproven = sorted(
        code
        for code, item in payload.checklist.items()
        if item.state == "defect" and not item.photos
    )
    if unproven:
        raise ValidationFailed(_("有缺陷的检查项须拍照"), code="check_defect_photo", items=unproven)
    pressures = {name: getattr(payload, name) for name in PRESSURES}
    if takes_pressures(facility.kind):
        missing = [name for name, value in pressures.items() if value is None]
        if missing:
            raise ValidationFailed(
                _("调压箱须填写切断、关闭、运行三项压力"), code="check_pressures", missing=missing
            )
    elif any(value is not None for value in pressures.values()) or payload.cleaned:
        raise ValidationFailed(_("只有调压箱填写压力和清洗"), code="check_not_regulator_box")
    if payload.safety_valve_valid_until and not has_safety_valve(facility.kind):
        raise ValidationFailed(_("该类设施没有安全阀"), code="check_no_safety_valve")


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


def _write(draft: Draft[CheckIn], checked: _Checked) -> FacilityCheck:
    payload, found = draft.payload, checked.found
    check = FacilityCheck.objects.create(
        **draft.columns,
        **draft.field_columns,
        branch_id=checked.facility.branch_id,
        kind=checked.facility.kind,
        task=checked.task,
        cutoff_pa=payload.cutoff_pa,
        closing_pa=payload.closing_pa,
        operating_pa=payload.operating_pa,
        cleaned=payload.cleaned,
        safety_valve_valid_until=payload.safety_valve_valid_until,
        result=FacilityCheck.Result.DEFECTS if found else FacilityCheck.Result.PASSED,
        note=payload.note,
    )
    _add_rows(check, payload, draft.uploads, found)
    return check


def _follow(draft: Draft[CheckIn], check: FacilityCheck, checked: _Checked) -> None:
    """What a frozen check sets going: repair jobs, the facility's dates, its open task."""
    if draft.supersedes is not None:
        _withdraw_raised_by(draft.acting_user, draft.supersedes, draft.reason)
    _follow_repairs(draft.acting_user, check, checked.found, checked.day)
    _update_facility(check, draft.payload, checked.day)
    _finish_tasks(check)


def _audited(check: FacilityCheck, checked: _Checked) -> dict:
    return {"result": [None, check.result], "facility": [None, checked.facility.code]}


def _add_rows(
    check: FacilityCheck, payload: CheckIn, photos: Mapping[str, Attachment], found: list[Found]
) -> None:
    cited = [(code, sha) for code, item in sorted(payload.checklist.items()) for sha in item.photos]
    taken = FacilityCheckPhoto.objects.bulk_create(
        FacilityCheckPhoto(check_record=check, attachment=photos[sha], item=code, position=n)
        for n, (code, sha) in enumerate(cited)
    )
    defects = FacilityDefect.objects.bulk_create(
        FacilityDefect(
            check_record=check, position=n, item=f.item, measured=f.measured,
            description=f.description,
        )
        for n, f in enumerate(found)
    )  # fmt: skip
    rows_written(check, photos=taken, defects=defects)  # the ledger builds from them


def _follow_repairs(
    acting_user: User, check: FacilityCheck, found: list[Found], day: dt.date
) -> None:
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


def _raise(
    acting_user: User, check: FacilityCheck, defect: Found, due_on: dt.date
) -> FacilityRepair:
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


def _move(acting_user: User, job: FacilityRepair, status: str, action: str, **fields) -> None:
    changed = FacilityRepair.objects.filter(pk=job.pk, status=job.status).update(
        status=status, **fields
    )
    if not changed:
        raise Conflict(_("维修任务已被他人更新，请重试"), code="repair_changed")
    audit_record(
        acting_user=acting_user,
        action=action,
        target=job,
        changes={"status": [job.status, status]},
    )


def _withdraw_raised_by(acting_user: User, superseded: FacilityCheck, reason: str) -> None:
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
    outbox_email_each(
        people,
        subject="设施缺陷维修",
        body=body,
        dedupe_key=f"facility-repair:{raised[0].pk}",
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


CHECKS = Recorder(write=_write, check=_checked, follow=_follow, audited=_audited)
