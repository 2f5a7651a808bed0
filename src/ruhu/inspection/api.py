"""Inspection API: the inspector's day, starting a task, submitting a visit."""

from __future__ import annotations

import uuid

from django.utils import timezone
from ninja import Router, Status

from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.schemas import Day, ErrorOut, ObjectId, answered
from ruhu.inspection.schemas import CorrectionIn, TaskOut, VisitIn, VisitOut, visit_answer
from ruhu.inspection.selectors import inspector_day, task_get, visit_get
from ruhu.inspection.services import task_start, visit_correct, visit_submit

router = Router(tags=["inspection"])


@router.get("/inspection/tasks", response={200: list[TaskOut], 403: ErrorOut})
@requires(Capability.RECORD_VISITS)
def tasks_of_day(request, day: Day | None = None):
    """The caller's tasks of a day (today by default), building by building."""
    return list(inspector_day(acting_user=request.user, day=day or timezone.localdate()))


@router.post(
    "/inspection/tasks/{task_id}/start", response={200: TaskOut, (403, 404, 409): ErrorOut}
)
@requires(Capability.RECORD_VISITS)
def task_begin(request, task_id: ObjectId):
    task = task_get(acting_user=request.user, pk=task_id)
    return task_start(acting_user=request.user, task=task)


@router.post("/inspection/visits", response={(200, 201): VisitOut, (403, 404, 409): ErrorOut})
@requires(Capability.RECORD_VISITS, Capability.REVIEW_ABSENT)
def visit_create(request, payload: VisitIn):
    """Submit a whole visit after its photos. The same payload again answers 200 with the
    stored visit; another payload under the same id answers 409."""
    visit, created = visit_submit(acting_user=request.user, payload=payload)
    return answered(visit_answer(visit), status=201 if created else 200)


@router.get("/inspection/visits/{visit_id}", response={200: VisitOut, (403, 404): ErrorOut})
@requires(Capability.VIEW_HOUSEHOLDS)
def visit_detail(request, visit_id: uuid.UUID):
    return visit_get(acting_user=request.user, pk=visit_id)


@router.post(
    "/inspection/visits/{visit_id}/corrections", response={201: VisitOut, (403, 404, 409): ErrorOut}
)
@requires(Capability.RECORD_VISITS, Capability.APPROVE_PLANS)
def visit_correction(request, visit_id: uuid.UUID, payload: CorrectionIn):
    """A frozen visit is never edited: the correction is a new visit citing it, with the
    reason. Its own id makes it idempotent like any visit."""
    visit = visit_get(acting_user=request.user, pk=visit_id)
    corrected = visit_correct(
        acting_user=request.user, visit=visit, payload=payload.visit, reason=payload.reason
    )
    return Status(201, corrected)
