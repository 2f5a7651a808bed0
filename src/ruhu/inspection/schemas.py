"""Input and output of the visit API; the phone page posts the same JSON."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from ruhu.common.schemas import Moment, ObjectId, Payload
from ruhu.common.selectors import ledger_seq

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, StringConstraints(max_length=300, strip_whitespace=True)]


class ItemIn(Payload):
    state: Literal["ok", "hazard", "na"]
    note: ShortText = ""
    photos: list[Sha256] = Field(default_factory=list, max_length=10)


class HazardIn(Payload):
    hazard_type: Annotated[str, StringConstraints(max_length=40)]
    item: Annotated[str, StringConstraints(max_length=40)] = ""
    level: int = Field(ge=1, le=3)
    description: ShortText = ""
    fixed_on_spot: bool
    # not fixed on the spot: to the repair line or a notice to the customer; unset, the
    # catalogue's fixer decides
    remedy: Literal["repair", "notice"] | None = None
    before_photo: Sha256
    after_photo: Sha256 | None = None


class ApplianceIn(Payload):
    appliance_id: ObjectId | None = None
    action: Literal["confirmed", "added", "updated", "removed"]
    kind: Literal["stove", "water_heater", "wall_hung_boiler", "gas_alarm", "other"]
    brand: Annotated[str, StringConstraints(max_length=50, strip_whitespace=True)] = ""
    model: Annotated[str, StringConstraints(max_length=50, strip_whitespace=True)] = ""
    flue_type: Literal["", "balanced", "forced", "flue", "direct"] = ""
    installed_year: int | None = Field(None, ge=1950, le=2100)


class VisitIn(Payload):
    """One visit as the phone made it; `id` is the phone's UUID for it."""

    id: uuid.UUID
    household_id: ObjectId
    task_id: ObjectId | None = None
    reviewed_visit_id: uuid.UUID | None = None
    outcome: Literal["inspected", "absent", "refused"]
    started_at: Moment
    finished_at: Moment
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    checklist: dict[str, ItemIn] = Field(default_factory=dict)
    meter_reading: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=3)
    appliances: list[ApplianceIn] = Field(default_factory=list, max_length=20)
    hazards: list[HazardIn] = Field(default_factory=list, max_length=30)
    leaflet_given: bool = False
    customer_needs: Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)] = ""
    signature: Sha256 | None = None
    signer_name: Annotated[str, StringConstraints(max_length=60, strip_whitespace=True)] = ""
    absent_photo: Sha256 | None = None
    door_number: Annotated[str, StringConstraints(max_length=60, strip_whitespace=True)] = ""
    refusal_reason: ShortText = ""
    refusal_photos: list[Sha256] = Field(default_factory=list, max_length=10)
    note: Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)] = ""


class VisitOut(Schema):
    id: uuid.UUID
    household_id: int
    inspector_id: int
    task_id: int | None
    outcome: str
    started_at: dt.datetime
    finished_at: dt.datetime
    received_at: dt.datetime
    frozen: bool
    payload_sha256: str
    ledger_seq: int | None = None

    @staticmethod
    def resolve_ledger_seq(obj) -> int | None:
        from ruhu.inspection.evidence import LEDGER_KIND  # evidence imports these schemas

        carried = getattr(obj, "ledger_seq", None)  # set on the visit as it was chained
        return carried if carried is not None else ledger_seq(kind=LEDGER_KIND, record_id=obj.pk)


def visit_answer(visit) -> dict:
    """What `VisitOut` answers for `visit`, read off it without the schema's validation pass
    (`common.schemas.answered`, decision 0033)."""
    fields = {name: getattr(visit, name) for name in VisitOut.model_fields if name != "ledger_seq"}
    return fields | {"ledger_seq": VisitOut.resolve_ledger_seq(visit)}


class TaskOut(Schema):
    id: int
    day: dt.date
    sequence: int
    status: str
    household_id: int
    account_no: str = Field(alias="household.account_no")
    name: str = Field(alias="household.name")
    community: str = Field(alias="household.community")
    building: str = Field(alias="household.building")
    unit: str = Field(alias="household.unit")
    room: str = Field(alias="household.room")
    meter_location: str = Field(alias="household.meter_location")
    meter_kind: str = Field(alias="household.meter_kind")
    overdue: bool
    vulnerable: bool


class CorrectionIn(Schema):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
    visit: VisitIn
