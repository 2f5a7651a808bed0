"""Input and output of the facility API; the phone's check page posts the same JSON."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, FilterLookup, FilterSchema, Schema
from pydantic import StringConstraints

from ruhu.common.schemas import Day, Moment, ObjectId

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, StringConstraints(max_length=300, strip_whitespace=True)]
Pascal = Annotated[int, Field(ge=0, le=1_000_000)]


class CheckItemIn(Schema):
    state: Literal["ok", "defect", "na"]
    note: ShortText = ""
    photos: list[Sha256] = Field(default_factory=list, max_length=10)


class CheckIn(Schema):
    """One check as the phone made it; `id` is the phone's UUID for it."""

    id: uuid.UUID
    facility_id: ObjectId
    task_id: ObjectId | None = None
    started_at: Moment
    finished_at: Moment
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    checklist: dict[str, CheckItemIn] = Field(default_factory=dict)
    cutoff_pa: Pascal | None = None
    closing_pa: Pascal | None = None
    operating_pa: Pascal | None = None
    cleaned: bool = False
    # a safety valve tested again since the registry was written: its new validity
    safety_valve_valid_until: Day | None = None
    note: Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)] = ""


class CheckCorrectionIn(Schema):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
    check_record: CheckIn = Field(alias="check")


class DefectOut(Schema):
    item: str
    measured: int | None
    description: str


class CheckOut(Schema):
    id: uuid.UUID
    facility_id: int
    inspector_id: int
    task_id: int | None
    result: str
    started_at: dt.datetime
    finished_at: dt.datetime
    received_at: dt.datetime
    cutoff_pa: int | None
    closing_pa: int | None
    operating_pa: int | None
    cleaned: bool
    frozen: bool
    payload_sha256: str
    defects: list[DefectOut]
    repair_ids: list[int] = Field(default_factory=list)


class FacilityOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    location: str
    community: str
    latitude: Decimal | None
    longitude: Decimal | None
    model: str
    installed_on: dt.date | None
    safety_valve_valid_until: dt.date | None
    last_checked_on: dt.date | None
    last_cleaned_on: dt.date | None
    flagged: bool
    active: bool
    due_on: dt.date | None = None
    overdue: bool = False

    @staticmethod
    def resolve_due_on(obj) -> dt.date:
        return _due(obj).due_on

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return _due(obj).overdue


def _due(facility):
    from ruhu.facilities.schedule import facility_due

    due = getattr(facility, "due", None)
    return due or facility_due(facility, on=timezone.localdate())


class ScheduleIn(Schema):
    which: Literal["overdue", "due", "upcoming", "cleaning", "flagged"] = "overdue"


class RepairQueueIn(Schema):
    queue: Literal["open", "todo", "all"] = "open"
    mine: bool = False


class FacilityFilterIn(FilterSchema):
    code: str | None = None
    kind: str | None = None
    branch_id: ObjectId | None = None
    community: str | None = None
    search: Annotated[
        str | None, FilterLookup(["code__icontains", "name__icontains", "location__icontains"])
    ] = None
    model: Annotated[str | None, FilterLookup("model__icontains")] = None
    manufacturer: Annotated[str | None, FilterLookup("manufacturer__icontains")] = None
    installed_from: Annotated[Day | None, FilterLookup("installed_on__gte")] = None
    installed_to: Annotated[Day | None, FilterLookup("installed_on__lte")] = None
    safety_valve_before: Annotated[Day | None, FilterLookup("safety_valve_valid_until__lt")] = None
    checked_before: Annotated[Day | None, FilterLookup("last_checked_on__lt")] = None
    checked_since: Annotated[Day | None, FilterLookup("last_checked_on__gte")] = None
    cleaned_before: Annotated[Day | None, FilterLookup("last_cleaned_on__lt")] = None
    assignee_id: ObjectId | None = None
    flagged: bool | None = None
    active: bool | None = None


class FacilityIn(Schema):
    code: Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]
    kind: Literal["regulator_box", "valve_well", "valve_room", "regulator_cabinet"]
    branch_id: ObjectId | None = None
    name: Annotated[str, StringConstraints(max_length=100, strip_whitespace=True)] = ""
    location: Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
    community: Annotated[str, StringConstraints(max_length=100, strip_whitespace=True)] = ""
    latitude: Decimal | None = Field(None, ge=-90, le=90, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, decimal_places=6)
    model: Annotated[str, StringConstraints(max_length=60, strip_whitespace=True)] = ""
    manufacturer: Annotated[str, StringConstraints(max_length=100, strip_whitespace=True)] = ""
    installed_on: Day | None = None
    safety_valve_valid_until: Day | None = None


class FacilityTaskOut(Schema):
    id: int
    day: dt.date
    status: str
    facility_id: int
    code: str = Field(alias="facility.code")
    kind: str = Field(alias="facility.kind")
    name: str = Field(alias="facility.name")
    location: str = Field(alias="facility.location")


class TasksAssignIn(Schema):
    facility_ids: list[ObjectId] = Field(min_length=1, max_length=500)
    assignee_id: ObjectId
    day: Day


class RepairFilterIn(FilterSchema):
    status: str | None = None
    facility_id: ObjectId | None = None
    item: str | None = None
    assignee_id: ObjectId | None = None
    due_before: Annotated[Day | None, FilterLookup("due_on__lt")] = None


class RepairOut(Schema):
    id: int
    facility_id: int
    code: str = Field(alias="facility.code")
    item: str
    description: str
    status: str
    due_on: dt.date
    assignee_id: int | None
    repaired_at: dt.datetime | None
    repair_note: str


class RepairDoneIn(Schema):
    note: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
    after_photo: Sha256


class RepairAssignIn(Schema):
    assignee_id: ObjectId
