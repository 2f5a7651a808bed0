"""Hazards API: the cases, their history and paper, the work queues, the rates, and one
endpoint per step of the loop. Photos and recordings are uploaded first and cited by
their SHA-256, as visits do. Who may call each step's endpoint is the ladder table's
(ruhu.hazards.workflow); the services decide the rest, and a case's detail lists the
actions the caller may take on it now."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.errors import NotFound, ValidationFailed
from ruhu.common.models import Attachment
from ruhu.common.pagination import Pages
from ruhu.common.schemas import Day, ErrorOut, ObjectId
from ruhu.hazards import services
from ruhu.hazards.models import Hazard, HazardNotice
from ruhu.hazards.schemas import (
    AssignIn,
    CallIn,
    CallOut,
    DeliveryIn,
    HazardDetailOut,
    HazardFilterIn,
    HazardOut,
    NoteIn,
    NoticeIn,
    NoticeOut,
    OutcomeIn,
    QueueSectionOut,
    RateOut,
    RecheckIn,
    RepairIn,
    SealIn,
    StepOut,
)
from ruhu.hazards.selectors import (
    hazard_get,
    hazard_queue,
    hazards_visible,
    notice_get,
    rectification_rates,
)
from ruhu.hazards.workflow import Action as A
from ruhu.hazards.workflow import who

router = Router(tags=["hazards"])
QUEUE_PAGE = 50
# A step on a case: refused (403), no such case or paper (404), not in a state for it (409).
STEP_ERRORS = {(403, 404, 409): ErrorOut}


def _hazard(request, pk: int) -> Hazard:
    return hazard_get(acting_user=request.user, pk=pk)


def _file(user, sha: str | None, kind: str) -> Attachment | None:
    """An upload of the caller or their branch, by the hash the phone knows."""
    if not sha:
        return None
    mine = Q(uploaded_by=user)
    if user.branch_id:
        mine |= Q(branch_id=user.branch_id)
    found = Attachment.objects.filter(Q(sha256=sha) | Q(original_sha256=sha), mine).first()
    if found is None:
        raise ValidationFailed(
            _("文件尚未上传，请先上传"), code="attachment_missing", missing=[sha]
        )
    if found.kind != kind:
        raise ValidationFailed(_("文件类型不符"), code="attachment_kind")
    return found


@router.get("/hazards", response={200: list[HazardOut], 403: ErrorOut})
@paginate(Pages)
@requires(Capability.VIEW_HAZARDS)
def hazard_list(request, filters: Query[HazardFilterIn]):
    """Every hazard the caller may see, newest first; every field filterable."""
    cases = hazards_visible(acting_user=request.user).select_related("hazard_type")
    return filters.filter(cases).order_by("-found_on", "-pk")


@router.get("/hazards/queue", response={200: list[QueueSectionOut], (403, 404): ErrorOut})
@requires(Capability.VIEW_HAZARDS)
def hazard_queue_get(request, role: str):
    """What waits on a role (customer_service, repairer, supervision, inspector, lead)."""
    return [
        {
            "key": section.key,
            "title": str(section.title),
            "action": section.action,
            "count": section.items.count(),
            "items": list(section.items[:QUEUE_PAGE]),
        }
        for section in hazard_queue(acting_user=request.user, role=role)
    ]


@router.get("/hazards/rates", response={200: list[RateOut], 403: ErrorOut})
@requires(Capability.VIEW_HAZARDS)
def hazard_rates(request, start: Day, end: Day, by_branch: bool = True):
    """Rectification rates by level (and branch) of the hazards found in the period."""
    return rectification_rates(acting_user=request.user, start=start, end=end, by_branch=by_branch)


@router.post("/hazards/notices", response={201: NoticeOut, **STEP_ERRORS})
@requires(*who(A.NOTICE, A.RENOTICE, A.STOP_NOTICE, A.LETTER))
def notice_issue(request, payload: NoticeIn):
    """Number and print a notice for hazards waiting for it (the same again, undelivered,
    answers the notice already issued)."""
    found = list(
        hazards_visible(acting_user=request.user)
        .select_related("household", "hazard_type")
        .filter(pk__in=payload.hazard_ids)
    )
    if len(found) != len(set(payload.hazard_ids)):
        raise NotFound(_("未找到该隐患"), code="not_found")
    notice = services.hazard_notice_issue(
        acting_user=request.user, kind=payload.kind, hazards=found
    )
    return Status(201, notice)


def _notice(request, pk: int) -> HazardNotice:
    return notice_get(acting_user=request.user, pk=pk)


@router.post("/hazards/notices/{notice_id}/delivery", response={200: NoticeOut, **STEP_ERRORS})
@requires(*who(A.NOTICE, A.RENOTICE, A.STOP_NOTICE, A.LETTER))
def notice_deliver(request, notice_id: ObjectId, payload: DeliveryIn):
    """Record delivery with its proof; the hazards it covers move on."""
    notice = _notice(request, notice_id)
    return services.hazard_notice_deliver(
        acting_user=request.user,
        notice=notice,
        method=payload.method,
        on=payload.delivered_on or timezone.localdate(),
        photo=_file(request.user, payload.photo, Attachment.Kind.PHOTO),
        tracking_number=payload.tracking_number,
        recipient=payload.recipient,
    )


@router.post("/hazards/notices/{notice_id}/copy", response={200: NoticeOut, **STEP_ERRORS})
@requires(*who(A.COPY_RECEIVED))
def notice_copy(request, notice_id: ObjectId):
    """The company copy of a rectification notice is back at the office."""
    notice = _notice(request, notice_id)
    return services.hazard_notice_copy_receive(acting_user=request.user, notice=notice)


# after the fixed paths above: /hazards/{id} would otherwise catch /hazards/notices
@router.get("/hazards/{hazard_id}", response={200: HazardDetailOut, (403, 404): ErrorOut})
@requires(Capability.VIEW_HAZARDS)
def hazard_detail(request, hazard_id: ObjectId):
    """One case with its steps, its notices (with delivery proof) and its calls."""
    return _hazard(request, hazard_id)


@router.post("/hazards/{hazard_id}/rechecks", response={(200, 201): StepOut, **STEP_ERRORS})
@requires(Capability.RECORD_VISITS)
def hazard_recheck(request, hazard_id: ObjectId, payload: RecheckIn):
    """An inspector's re-check on site, offline-safe under the phone's id."""
    hazard = _hazard(request, hazard_id)
    step, created = services.hazard_recheck_submit(
        acting_user=request.user, hazard=hazard, payload=payload
    )
    return Status(201 if created else 200, step)


@router.post("/hazards/{hazard_id}/repair", response={200: StepOut, **STEP_ERRORS})
@requires(*who(A.REPAIR, A.REPAIR_FAIL))
def hazard_repair(request, hazard_id: ObjectId, payload: RepairIn):
    """The repairer the job is assigned to reports it done (with the after-photo) or not
    possible (with the reason); anyone else is refused (403) and nothing changes."""
    hazard = _hazard(request, hazard_id)
    if payload.done:
        photo = _file(request.user, payload.after_photo, Attachment.Kind.PHOTO)
        if photo is None:
            raise ValidationFailed(_("维修完成须上传整改后照片"), code="hazard_after_photo")
        return services.hazard_repair_done(
            acting_user=request.user, hazard=hazard, after_photo=photo, note=payload.reason
        )
    return services.hazard_repair_fail(
        acting_user=request.user, hazard=hazard, reason=payload.reason
    )


@router.post("/hazards/{hazard_id}/assign", response={200: HazardOut, **STEP_ERRORS})
@requires(*who(A.TAKE, A.ASSIGN))
def hazard_assign(request, hazard_id: ObjectId, payload: AssignIn):
    """A lead assigns the job to a repairer of its branch; a repairer takes an unassigned
    job for themself (a colleague's job, or giving one to a colleague, is refused: 403)."""
    hazard = _hazard(request, hazard_id)
    repairer = User.objects.filter(pk=payload.repairer_id, is_active=True).first()
    if repairer is None:
        raise ValidationFailed(_("没有这个维修员"), code="hazard_assignee")
    return services.hazard_assign(acting_user=request.user, hazard=hazard, repairer=repairer)


@router.post("/hazards/{hazard_id}/arranged", response={200: StepOut, **STEP_ERRORS})
@requires(*who(A.ARRANGE))
def hazard_arranged(request, hazard_id: ObjectId, payload: NoteIn):
    hazard = _hazard(request, hazard_id)
    return services.hazard_mark_arranged(acting_user=request.user, hazard=hazard, note=payload.note)


@router.post("/hazards/{hazard_id}/limit", response={200: StepOut, **STEP_ERRORS})
@requires(*who(A.LIMIT))
def hazard_limit(request, hazard_id: ObjectId, payload: NoteIn):
    hazard = _hazard(request, hazard_id)
    return services.hazard_limit_apply(acting_user=request.user, hazard=hazard, note=payload.note)


@router.post("/hazards/{hazard_id}/restore", response={200: StepOut, **STEP_ERRORS})
@requires(*who(A.RESTORE))
def hazard_restore(request, hazard_id: ObjectId, payload: NoteIn):
    hazard = _hazard(request, hazard_id)
    return services.hazard_supply_restore(
        acting_user=request.user, hazard=hazard, note=payload.note
    )


@router.post("/hazards/{hazard_id}/seal", response={200: StepOut, **STEP_ERRORS})
@requires(*who(A.SEAL))
def hazard_seal(request, hazard_id: ObjectId, payload: SealIn):
    hazard = _hazard(request, hazard_id)
    photo = _file(request.user, payload.photo, Attachment.Kind.PHOTO)
    return services.hazard_seal(
        acting_user=request.user, hazard=hazard, photo=photo, note=payload.note
    )


@router.post("/hazards/{hazard_id}/outcome", response={200: StepOut, **STEP_ERRORS})
@requires(*who(A.OUTCOME_RECTIFIED, A.OUTCOME_TERMINATED, A.OUTCOME_CONTINUING))
def hazard_outcome(request, hazard_id: ObjectId, payload: OutcomeIn):
    hazard = _hazard(request, hazard_id)
    return services.hazard_outcome_record(
        acting_user=request.user,
        hazard=hazard,
        outcome=payload.outcome,
        note=payload.note,
        photo=_file(request.user, payload.photo, Attachment.Kind.PHOTO),
    )


@router.post("/hazards/{hazard_id}/calls", response={201: CallOut, **STEP_ERRORS})
@requires(*who(A.CALL))
def hazard_call(request, hazard_id: ObjectId, payload: CallIn):
    hazard = _hazard(request, hazard_id)
    call = services.followup_call_record(
        acting_user=request.user,
        hazard=hazard,
        called_at=payload.called_at,
        result=payload.result,
        notes=payload.notes,
        recording=_file(request.user, payload.recording, Attachment.Kind.RECORDING),
    )
    return Status(201, call)
