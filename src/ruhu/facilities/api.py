"""Facilities API: the registry, the schedule, the day's checks, submitting a check, and
the repair jobs."""

import uuid

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.errors import NotFound
from ruhu.common.pagination import Pages
from ruhu.common.schemas import Day, ErrorOut, ObjectId
from ruhu.facilities.schemas import (
    CheckCorrectionIn,
    CheckIn,
    CheckOut,
    FacilityFilterIn,
    FacilityIn,
    FacilityOut,
    FacilityTaskOut,
    RepairAssignIn,
    RepairDoneIn,
    RepairFilterIn,
    RepairOut,
    RepairQueueIn,
    ScheduleIn,
    TasksAssignIn,
)
from ruhu.facilities.selectors import (
    check_get,
    checkers,
    day_tasks,
    facilities_visible,
    facility_get,
    facility_schedule,
    repair_get,
    repair_queue,
    repairers,
)
from ruhu.facilities.services import (
    facility_check_correct,
    facility_check_submit,
    facility_create,
    facility_repair_assign,
    facility_repair_done,
    facility_tasks_assign,
)

router = Router(tags=["facilities"])


def _check_out(check) -> dict:
    return {
        **{f: getattr(check, f) for f in CheckOut.model_fields if hasattr(check, f)},
        "defects": list(check.defects.all()),
        "repair_ids": list(check.repairs_raised.order_by("pk").values_list("pk", flat=True)),
    }


@router.get("/facilities", response={200: list[FacilityOut], 403: ErrorOut})
@paginate(Pages)
@requires(Capability.VIEW_FACILITIES)
def facility_list(request, filters: Query[FacilityFilterIn]):
    """The registry the caller may see, by code; every field filterable."""
    return filters.filter(facilities_visible(acting_user=request.user)).order_by("code")


@router.get("/facilities/schedule", response={200: list[FacilityOut], 403: ErrorOut})
@paginate(Pages)
@requires(Capability.VIEW_FACILITIES)
def schedule(request, params: Query[ScheduleIn]):
    """One list of the schedule, most urgent first."""
    today = timezone.localdate()
    return facility_schedule(acting_user=request.user, which=params.which, on=today)


@router.post("/facilities", response={201: FacilityOut, (403, 404): ErrorOut})
@requires(Capability.MANAGE_FACILITIES)
def facility_register(request, payload: FacilityIn):
    data = payload.model_dump()
    branch_id = data.pop("branch_id")
    branch = OrgUnit.objects.filter(pk=branch_id).first() if branch_id else None
    facility = facility_create(acting_user=request.user, branch=branch, **data)
    return Status(201, facility)


@router.get("/facilities/tasks/day", response=list[FacilityTaskOut])
@requires(Capability.CHECK_FACILITIES)
def tasks_of_day(request, day: Day | None = None):
    """The caller's facility checks of a day (today by default, with late ones)."""
    return day_tasks(acting_user=request.user, day=day or timezone.localdate())


@router.post("/facilities/tasks", response={201: list[FacilityTaskOut], (403, 404, 409): ErrorOut})
@requires(Capability.MANAGE_FACILITIES)
def tasks_assign(request, payload: TasksAssignIn):
    assignee = checkers(acting_user=request.user).filter(pk=payload.assignee_id).first()
    if assignee is None:
        raise NotFound(_("未找到该员工"), code="not_found")
    tasks = facility_tasks_assign(
        acting_user=request.user,
        facility_ids=payload.facility_ids,
        assignee=assignee,
        day=payload.day,
    )
    return Status(201, tasks)


@router.post("/facilities/checks", response={(200, 201): CheckOut, (403, 404, 409): ErrorOut})
@requires(Capability.CHECK_FACILITIES)
def check_create(request, payload: CheckIn):
    """Submit a whole check after its photos. The same payload again answers 200 with the
    stored check; another payload under the same id answers 409."""
    check, created = facility_check_submit(acting_user=request.user, payload=payload)
    return Status(201 if created else 200, _check_out(check))


@router.get("/facilities/checks/{check_id}", response={200: CheckOut, 404: ErrorOut})
@requires(Capability.VIEW_FACILITIES)
def check_detail(request, check_id: uuid.UUID):
    return _check_out(check_get(acting_user=request.user, pk=check_id))


@router.post(
    "/facilities/checks/{check_id}/corrections", response={201: CheckOut, (403, 404, 409): ErrorOut}
)
@requires(Capability.CHECK_FACILITIES, Capability.MANAGE_FACILITIES)
def check_correction(request, check_id: uuid.UUID, payload: CheckCorrectionIn):
    check = check_get(acting_user=request.user, pk=check_id)
    corrected = facility_check_correct(
        acting_user=request.user, check=check, payload=payload.check_record, reason=payload.reason
    )
    return Status(201, _check_out(corrected))


@router.get("/facilities/repairs", response={200: list[RepairOut], 403: ErrorOut})
@paginate(Pages)
@requires(Capability.REPAIR_FACILITIES, Capability.MANAGE_FACILITIES)
def repairs(request, filters: Query[RepairFilterIn], params: Query[RepairQueueIn]):
    """Repair jobs, earliest due first: `queue` open (not yet verified), todo (still to
    repair) or all; every field filterable."""
    jobs = repair_queue(acting_user=request.user, status=params.queue, mine=params.mine)
    return filters.filter(jobs)


@router.post(
    "/facilities/repairs/{repair_id}/assign", response={200: RepairOut, (403, 404, 409): ErrorOut}
)
@requires(Capability.MANAGE_FACILITIES)
def repair_assign(request, repair_id: ObjectId, payload: RepairAssignIn):
    repair = repair_get(acting_user=request.user, pk=repair_id)
    assignee: User | None = (
        repairers(acting_user=request.user).filter(pk=payload.assignee_id).first()
    )
    if assignee is None:
        raise NotFound(_("未找到该维修员"), code="not_found")
    return facility_repair_assign(acting_user=request.user, repair=repair, assignee=assignee)


@router.post(
    "/facilities/repairs/{repair_id}/done", response={200: RepairOut, (403, 404, 409): ErrorOut}
)
@requires(Capability.REPAIR_FACILITIES)
def repair_done(request, repair_id: ObjectId, payload: RepairDoneIn):
    repair = repair_get(acting_user=request.user, pk=repair_id)
    return facility_repair_done(
        acting_user=request.user, repair=repair, note=payload.note, after_photo=payload.after_photo
    )


# last: its path would otherwise take the other /facilities/<word> paths
@router.get("/facilities/{facility_id}", response={200: FacilityOut, 404: ErrorOut})
@requires(Capability.VIEW_FACILITIES)
def facility_detail(request, facility_id: ObjectId):
    return facility_get(acting_user=request.user, pk=facility_id)
