"""Input and output of the hazards API: separate schemas for what comes in and goes out."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from ninja import Field, FilterLookup, FilterSchema, Schema
from pydantic import StringConstraints

from ruhu.common.schemas import Day, Moment, ObjectId
from ruhu.hazards.workflow import actions_for

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Note = Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)]


class HazardFilterIn(FilterSchema):
    state: str | None = None
    level: int | None = Field(None, ge=1, le=3)
    household_id: ObjectId | None = None
    hazard_type: Annotated[str | None, FilterLookup("hazard_type__code")] = None
    route: str | None = None
    serious: bool | None = None
    found_from: Annotated[Day | None, FilterLookup("found_on__gte")] = None
    found_to: Annotated[Day | None, FilterLookup("found_on__lte")] = None
    due_before: Annotated[Day | None, FilterLookup("due_on__lt")] = None
    assignee_id: ObjectId | None = None
    supply_hold: str | None = None
    resolution: str | None = None


class HazardOut(Schema):
    id: int
    branch_id: int
    household_id: int
    hazard_type: str = Field(..., alias="hazard_type.code")
    hazard_type_name: str = Field(..., alias="hazard_type.name")
    level: int
    item: str
    description: str
    route: str
    state: str
    state_label: str = Field(..., alias="get_state_display")
    found_on: dt.date
    found_visit_id: uuid.UUID | None
    due_on: dt.date | None
    since: dt.date
    serious: bool
    supply_hold: str
    assignee_id: int | None
    rectified_on: dt.date | None
    closed_on: dt.date | None
    resolution: str


class StepOut(Schema):
    id: uuid.UUID
    number: int
    kind: str
    from_state: str
    to_state: str
    effective_on: dt.date
    at: dt.datetime
    actor_id: int | None
    due_on: dt.date | None
    notice_id: int | None
    photo_sha256: str | None = Field(None, alias="photo.sha256")
    note: str
    chained: bool


class NoticeOut(Schema):
    id: int
    kind: str
    number: str
    household_id: int | None
    community: str
    issued_on: dt.date
    deadline: dt.date | None
    document_sha256: str | None = Field(None, alias="document.sha256")
    delivery_method: str
    delivered_on: dt.date | None
    tracking_number: str
    recipient: str
    delivery_photo_sha256: str | None = Field(None, alias="delivery_photo.sha256")
    copy_due_at: dt.datetime | None
    copy_received_at: dt.datetime | None
    hazard_ids: list[int]

    @staticmethod
    def resolve_hazard_ids(obj) -> list[int]:
        return sorted(h.pk for h in obj.hazards.all())


class CallOut(Schema):
    id: uuid.UUID
    hazard_id: int
    called_at: dt.datetime
    caller_id: int
    result: str
    notes: str
    recording_sha256: str | None = Field(None, alias="recording.sha256")
    deadline: dt.date | None


class HazardDetailOut(HazardOut):
    steps: list[StepOut]
    notices: list[NoticeOut]
    calls: list[CallOut]
    actions: list[str] = Field(
        default_factory=list,
        description="The ladder's actions (docs/hazards.md) the caller may take on it now",
    )

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return [str(row.action) for row in actions_for(context["request"].user, obj)]

    @staticmethod
    def resolve_steps(obj) -> list:
        return list(obj.steps.select_related("photo").order_by("number"))

    @staticmethod
    def resolve_notices(obj) -> list:
        return list(obj.notices.select_related("document", "delivery_photo"))

    @staticmethod
    def resolve_calls(obj) -> list:
        return list(obj.calls.select_related("recording"))


class QueueSectionOut(Schema):
    key: str
    title: str
    action: str
    count: int
    items: list[HazardOut]


class RateOut(Schema):
    branch_id: int | None
    branch: str
    level: int
    found: int
    rectified: int
    rate: float | None
    target: float
    met: bool | None


class RecheckIn(Schema):
    id: uuid.UUID  # made by the phone: the same re-check sent again is answered, not redone
    rectified: bool
    after_photo: Sha256 | None = None
    note: Note = ""
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class RepairIn(Schema):
    done: bool
    after_photo: Sha256 | None = None
    reason: Note = ""


class AssignIn(Schema):
    repairer_id: ObjectId


class NoteIn(Schema):
    note: Note = ""


class SealIn(Schema):
    photo: Sha256
    note: Note = ""


class OutcomeIn(Schema):
    outcome: Literal["rectified", "supply_terminated", "continuing"]
    note: Note
    photo: Sha256 | None = None


class NoticeIn(Schema):
    kind: Literal["rectify", "rectify_second", "stop_supply", "property_letter"]
    hazard_ids: list[ObjectId] = Field(..., min_length=1, max_length=200)


class DeliveryIn(Schema):
    method: Literal["handed", "posted", "registered_mail", "express"]
    delivered_on: Day | None = None
    photo: Sha256 | None = None
    tracking_number: Annotated[str, StringConstraints(max_length=40, strip_whitespace=True)] = ""
    recipient: Annotated[str, StringConstraints(max_length=100, strip_whitespace=True)] = ""


class CallIn(Schema):
    called_at: Moment
    result: Literal["rectified", "arranged", "promised", "refused", "no_answer", "wrong_number"]
    notes: Note = ""
    recording: Sha256 | None = None
