"""Recording a visit from the phone (RULES B4, B7; DESIGN 4 and 7).

A visit arrives whole, after its photos: each photo was uploaded on its own and is cited by
its SHA-256. It is a frozen record of common/frozen.py (`VISIT_KIND`), which makes the
submission idempotent under the phone's UUID, resolves the photos, freezes, chains and
audits; this module gives what only a visit knows (`VISITS`): its checks, its rows, and
what it sets going in the same transaction: the household and the task are updated, the
hazards found start their cases, and an absent report is queued for review when the
rules pick it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability
from ruhu.common.audit import audit_record
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import IllegalTransition, NotFound, ValidationFailed
from ruhu.common.evidence_written import rows_written
from ruhu.common.frozen import Draft, Recorder, frozen_record_correct, frozen_record_submit
from ruhu.common.models import Attachment
from ruhu.common.policy import policy_get
from ruhu.common.rows import rows_insert, rows_update
from ruhu.common.scoping import require
from ruhu.hazards.models import HazardType
from ruhu.hazards.selectors import hazard_types_by_code
from ruhu.hazards.services import (
    FoundHazard,
    default_route,
    hazards_record_found,
    hazards_withdraw_for_visit,
)
from ruhu.inspection.checklist import applicable_items
from ruhu.inspection.evidence import VISIT_KIND
from ruhu.inspection.models import (
    AbsentReview,
    MeterReading,
    PerformanceDeduction,
    PlanTask,
    Visit,
    VisitAppliance,
    VisitHazard,
    VisitPhoto,
)
from ruhu.inspection.schemas import VisitIn
from ruhu.inspection.selectors import consecutive_absences
from ruhu.premises.models import Appliance, Household
from ruhu.premises.selectors import household_for_visit, service_life_years
from ruhu.premises.services import appliance_record, appliance_remove, household_record_visit

register_action_labels(
    {
        "visit.submit": _("提交入户记录"),
        "visit.correct": _("更正入户记录"),
        "task.start": _("开始入户"),
        "review.queue": _("列入到访不遇复核"),
        "review.close": _("完成到访不遇复核"),
    }
)


@dataclass(frozen=True)
class _Checked:
    """What the checks found out, for the write: the household, the task, the absent
    visit this one reviews and its open review, the hazard types."""

    household: Household
    task: PlanTask | None
    reviewed: Visit | None
    hazard_types: dict[str, HazardType]
    review: AbsentReview | None = None


@transaction.atomic
def task_start(*, acting_user: User, task: PlanTask) -> PlanTask:
    """The inspector is at the door: the task is started (regeneration keeps it)."""
    require(acting_user, Capability.RECORD_VISITS)
    if task.inspector_id != acting_user.pk:
        raise NotFound(_("未找到该任务"), code="not_found")
    changed = PlanTask.objects.filter(pk=task.pk, status=PlanTask.Status.PLANNED).update(
        status=PlanTask.Status.STARTED
    )
    if not changed:
        raise IllegalTransition(_("该任务已开始或已完成"), code="task_not_planned")
    task.status = PlanTask.Status.STARTED  # as written: no read-back
    audit_record(
        acting_user=acting_user,
        action="task.start",
        target=task,
        branch_id=task.plan.branch_id,
        changes={"status": ["planned", "started"]},
    )
    return task


def visit_submit(*, acting_user: User, payload: VisitIn) -> tuple[Visit, bool]:
    """Store the visit, or return the one already stored under its id: (visit, created)."""
    return frozen_record_submit(VISIT_KIND, VISITS, acting_user=acting_user, payload=payload)


def visit_correct(*, acting_user: User, visit: Visit, payload: VisitIn, reason: str) -> Visit:
    """A correction is a new visit that cites the frozen one, with the reason and actor."""
    return frozen_record_correct(
        VISIT_KIND, VISITS, acting_user=acting_user, record=visit, payload=payload, reason=reason
    )


def _checked(draft: Draft[VisitIn]) -> _Checked:
    """Every read and check a visit needs but its files' (common.frozen does those)."""
    acting_user, payload = draft.acting_user, draft.payload
    review = payload.reviewed_visit_id is not None
    require(acting_user, Capability.REVIEW_ABSENT if review else Capability.RECORD_VISITS)
    household = household_for_visit(acting_user=acting_user, pk=payload.household_id)
    task = None
    if payload.task_id is not None:  # most visits name no task: no queryset to build
        task = draft.task(
            PlanTask.objects.filter(inspector=acting_user),
            doable=(PlanTask.Status.PLANNED, PlanTask.Status.STARTED),
            refused="task_done",
        )
    reviewed, queued = _reviewed(acting_user, payload, household) if review else (None, None)
    hazard_types = hazard_types_by_code() if payload.hazards else {}
    _check_outcome(payload, household, hazard_types)
    return _Checked(household, task, reviewed, hazard_types, queued)


def _write(draft: Draft[VisitIn], checked: _Checked) -> Visit:
    payload, photos = draft.payload, draft.uploads
    (visit,) = rows_insert(
        [
            Visit(
                **draft.columns,
                **draft.field_columns,
                task=checked.task,
                branch_id=checked.household.branch_id,
                purpose=Visit.Purpose.REVIEW if checked.reviewed else Visit.Purpose.ROUTINE,
                reviewed_visit=checked.reviewed,
                outcome=payload.outcome,
                meter_reading=payload.meter_reading,
                leaflet_given=payload.leaflet_given,
                customer_needs=payload.customer_needs,
                signature=photos.get(payload.signature) if payload.signature else None,
                signer_name=payload.signer_name,
                door_number=payload.door_number,
                refusal_reason=payload.refusal_reason,
                note=payload.note,
            )
        ]
    )
    _add_children(visit, payload, photos, checked.household)
    return visit


def _follow(draft: Draft[VisitIn], visit: Visit, checked: _Checked) -> None:
    """What a frozen visit sets going: hazards, the household, its task, absent review."""
    acting_user, payload, household = draft.acting_user, draft.payload, checked.household
    if draft.supersedes is not None:
        hazards_withdraw_for_visit(
            acting_user=acting_user, visit=draft.supersedes, reason=f"入户记录更正：{draft.reason}"
        )
    if payload.hazards and visit.outcome == Visit.Outcome.INSPECTED:
        _open_hazards(acting_user, visit, household, payload, checked, draft.uploads)
    _update_household(acting_user, visit, household, payload)
    _finish_task(checked.task)
    if checked.reviewed is not None and checked.review is not None:
        _close_review(acting_user, checked.reviewed, checked.review, visit)
    elif visit.outcome == Visit.Outcome.ABSENT and draft.supersedes is None:
        _queue_review(acting_user, visit, household)


def _audited(visit: Visit, checked: _Checked) -> dict:
    return {"outcome": [None, visit.outcome], "household": [None, checked.household.account_no]}


def _reviewed(
    acting_user: User, payload: VisitIn, household: Household
) -> tuple[Visit, AbsentReview]:
    """The absent visit this one reviews, and its review, still open."""
    assert payload.reviewed_visit_id is not None
    original = Visit.objects.filter(
        pk=payload.reviewed_visit_id, household=household, outcome=Visit.Outcome.ABSENT
    ).first()
    queued = AbsentReview.objects.filter(absent_visit=original).first() if original else None
    if original is None or queued is None:
        raise NotFound(_("未找到待复核的到访不遇记录"), code="not_found")
    if queued.status != AbsentReview.Status.OPEN:
        raise IllegalTransition(_("该到访不遇记录已复核"), code="review_closed")
    if original.inspector_id == acting_user.pk:
        raise ValidationFailed(_("不能复核自己的到访不遇记录"), code="review_own_visit")
    return original, queued


def _check_outcome(payload: VisitIn, household: Household, hazard_types: dict) -> None:
    if payload.outcome == Visit.Outcome.INSPECTED:
        _check_inspected(payload, household, hazard_types)
    elif payload.outcome == Visit.Outcome.ABSENT:
        if not payload.absent_photo:
            raise ValidationFailed(
                _("到访不遇须拍摄张贴的通知单（含门牌号）"), code="visit_absent_photo"
            )
        if not payload.door_number:
            raise ValidationFailed(_("请填写照片中的门牌号"), code="visit_door_number")
    elif not payload.refusal_reason or not payload.refusal_photos:
        raise ValidationFailed(_("拒绝入户须填写原因并拍照留证"), code="visit_refusal_evidence")


def _check_inspected(payload: VisitIn, household: Household, hazard_types: dict) -> None:
    shown = applicable_items(
        meter_location=household.meter_location, meter_kind=household.meter_kind
    )
    codes = {item.code for item in shown}
    unanswered = sorted(codes - set(payload.checklist))
    unknown = sorted(set(payload.checklist) - codes)
    if unanswered or unknown:
        raise ValidationFailed(
            _("检查项不完整"), code="visit_checklist", unanswered=unanswered, unknown=unknown
        )
    flagged = {code for code, item in payload.checklist.items() if item.state == "hazard"}
    recorded = {hazard.item for hazard in payload.hazards}
    if flagged - recorded:
        raise ValidationFailed(
            _("标记为隐患的检查项须登记隐患"),
            code="visit_hazard_missing",
            items=sorted(flagged - recorded),
        )
    for hazard in payload.hazards:
        if hazard.hazard_type not in hazard_types or (hazard.item and hazard.item not in codes):
            raise ValidationFailed(_("未知的隐患类型或检查项"), code="visit_hazard_type")
        if hazard.fixed_on_spot and not hazard.after_photo:
            raise ValidationFailed(_("现场整改的隐患须拍整改后照片"), code="visit_after_photo")
        if hazard.fixed_on_spot and hazard.remedy:
            raise ValidationFailed(_("现场已整改的隐患无需派修或下发通知"), code="visit_remedy")
    if household.meter_location != "outdoor" and payload.meter_reading is None:
        raise ValidationFailed(_("请填写燃气表读数"), code="visit_meter_reading")
    if not payload.signature or not payload.signer_name:
        raise ValidationFailed(_("安检记录须用户签字"), code="visit_signature")


def _add_children(
    visit: Visit, payload: VisitIn, photos: Mapping[str, Attachment], household: Household
) -> None:
    rows = []
    for code, item in sorted(payload.checklist.items()):
        rows += [(VisitPhoto.Purpose.ITEM, code, sha) for sha in item.photos]
    if payload.absent_photo:
        rows.append((VisitPhoto.Purpose.ABSENT_NOTICE, "", payload.absent_photo))
    rows += [(VisitPhoto.Purpose.REFUSAL, "", sha) for sha in payload.refusal_photos]
    photos_taken = rows_insert(
        [
            VisitPhoto(visit=visit, attachment=photos[sha], purpose=purpose, item=item, position=n)
            for n, (purpose, item, sha) in enumerate(rows)
        ]
    )
    hazards = rows_insert([
        VisitHazard(
            visit=visit, position=n, hazard_type=h.hazard_type, item=h.item, level=h.level,
            description=h.description, fixed_on_spot=h.fixed_on_spot,
            before_photo=photos[h.before_photo],
            after_photo=photos[h.after_photo] if h.after_photo else None,
        )
        for n, h in enumerate(payload.hazards)
    ])  # fmt: skip
    on = timezone.localdate(payload.finished_at)
    appliances = rows_insert([
        VisitAppliance(
            visit=visit, position=n, appliance_ref=a.appliance_id, action=a.action, kind=a.kind,
            brand=a.brand, model=a.model, flue=a.flue_type, installed_year=a.installed_year,
            past_service_life=_past_life(a.kind, a.installed_year, household, on),
        )
        for n, a in enumerate(payload.appliances)
    ])  # fmt: skip
    # the ledger builds the visit from them; the household's registry follows them
    rows_written(visit, photos=photos_taken, hazards=hazards, appliances=appliances)


def _open_hazards(
    acting_user: User,
    visit: Visit,
    household: Household,
    payload: VisitIn,
    checked: _Checked,
    photos: Mapping[str, Attachment],
) -> None:
    """Each hazard found starts its rectification case (the hazards app carries it on)."""
    found = []
    for n, h in enumerate(payload.hazards):
        hazard_type = checked.hazard_types[h.hazard_type]
        found.append(
            FoundHazard(
                position=n,
                hazard_type=hazard_type,
                level=h.level,
                item=h.item,
                description=h.description,
                route=h.remedy or default_route(hazard_type, fixed_on_spot=h.fixed_on_spot),
                before_photo=photos[h.before_photo],
                after_photo=photos[h.after_photo] if h.after_photo else None,
            )
        )
    hazards_record_found(acting_user=acting_user, visit=visit, household=household, found=found)


def _past_life(kind: str, year: int | None, household: Household, on: dt.date) -> bool:
    life = service_life_years(kind=kind, branch_id=household.branch_id, on=on)
    return bool(life and year and on.year - year >= life)


def _update_household(
    acting_user: User, visit: Visit, household: Household, payload: VisitIn
) -> None:
    on = timezone.localdate(visit.finished_at)
    changes: dict = {}
    if visit.outcome == Visit.Outcome.INSPECTED:
        if household.last_inspected_on is None or household.last_inspected_on < on:
            changes["last_inspected_on"] = on
        if household.long_term_absent:
            changes["long_term_absent"] = False
        if payload.appliances:
            _apply_appliances(acting_user, visit, household)
    elif visit.outcome == Visit.Outcome.ABSENT and not household.long_term_absent:
        limit = policy_get(
            "inspection.long_absent.consecutive_absent_visits", branch=household.branch_id
        )
        changes["long_term_absent"] = consecutive_absences(household_id=household.pk) >= int(limit)
    changes = {k: v for k, v in changes.items() if getattr(household, k) != v}
    if changes:
        household_record_visit(acting_user=acting_user, household=household, **changes)


def _apply_appliances(acting_user: User, visit: Visit, household: Household) -> None:
    """The registry follows what the inspector saw."""
    registry = {a.pk: a for a in Appliance.objects.filter(household=household)}
    for seen in visit.appliances.all():
        fields: dict[str, Any] = {
            "kind": seen.kind,
            "brand": seen.brand,
            "model": seen.model,
            "flue_type": seen.flue,
            "installed_year": seen.installed_year,
        }
        current = registry.get(seen.appliance_ref) if seen.appliance_ref else None
        if seen.action == VisitAppliance.Action.ADDED:
            appliance_record(acting_user=acting_user, household=household, **fields)
            continue
        if current is None:
            raise NotFound(_("没有这台燃气具"), code="not_found")
        if seen.action == VisitAppliance.Action.UPDATED:
            appliance_record(
                acting_user=acting_user, household=household, appliance=current, **fields
            )
        elif seen.action == VisitAppliance.Action.REMOVED:
            appliance_remove(
                acting_user=acting_user, appliance=current, reason=f"入户记录 {visit.pk}"
            )


def _finish_task(task: PlanTask | None) -> None:
    if task is not None:
        rows_update(PlanTask, task.pk, status=PlanTask.Status.DONE)


def _queue_review(acting_user: User, visit: Visit, household: Household) -> None:
    """Every absent report whose household's indoor meter was read recently, and a policy
    share of the rest (picked by the visit's id, so the choice is stable and unguessable
    before the phone makes the id)."""
    on = timezone.localdate(visit.finished_at)
    days = int(policy_get("inspection.meter_read_recent_days", branch=household.branch_id, on=on))
    read_recently = (
        household.meter_location != "outdoor"
        and MeterReading.objects.filter(
            household=household, read_on__gte=on - dt.timedelta(days=days), read_on__lte=on
        ).exists()
    )
    share = float(policy_get("inspection.absent_review_share", branch=household.branch_id, on=on))
    sampled = int(hashlib.sha256(visit.pk.bytes).hexdigest()[:8], 16) / 0x1_0000_0000 < share
    if not (read_recently or sampled):
        return
    reason = AbsentReview.Reason.METER_READ if read_recently else AbsentReview.Reason.SAMPLE
    review = AbsentReview.objects.create(
        absent_visit=visit, branch_id=visit.branch_id, reason=reason
    )
    audit_record(
        acting_user=acting_user,
        action="review.queue",
        target=review,
        branch_id=visit.branch_id,
        changes={"reason": [None, reason]},
    )


def _close_review(
    acting_user: User, original: Visit, review: AbsentReview, review_visit: Visit
) -> None:
    entered = review_visit.outcome == Visit.Outcome.INSPECTED
    status = AbsentReview.Status.ENTERED if entered else AbsentReview.Status.CONFIRMED
    changed = AbsentReview.objects.filter(
        pk=review.pk, absent_visit=original, status=AbsentReview.Status.OPEN
    ).update(status=status, review_visit=review_visit)
    if not changed:
        raise IllegalTransition(_("该到访不遇记录已复核"), code="review_closed")
    review.status, review.review_visit = status, review_visit  # as written: no read-back
    if entered:
        PerformanceDeduction.objects.create(
            inspector_id=original.inspector_id,
            branch_id=original.branch_id,
            absent_visit=original,
            review_visit=review_visit,
            points=int(
                policy_get("inspection.absent_review_deduction_points", branch=original.branch_id)
            ),
            reason=f"复核人员于 {timezone.localdate(review_visit.finished_at)} 入户成功",
        )
    audit_record(
        acting_user=acting_user,
        action="review.close",
        target=review,
        branch_id=original.branch_id,
        changes={"status": [AbsentReview.Status.OPEN, status]},
    )


VISITS = Recorder(write=_write, check=_checked, follow=_follow, audited=_audited)
