"""Golden records: a fixed visit and its correction, a facility check and its correction,
and a hazard re-check, as the ledger hashes them.

The hashes below were computed with the submission code as it stood before visits,
checks and re-checks went through one mechanism (common/frozen.py). They hold every later
change of that code to the same bytes: records already chained must keep verifying. The
world is built with fixed ids (sequences set, attachments and UUIDs given) and a fixed
checklist and labels, so that only the record's own format and the way it is written can
move a hash. A change here means stored chains no longer verify: it needs a new ledger kind
or a migration of the chain, never a new golden value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Role
from ruhu.accounts.services import org_unit_create
from ruhu.common.models import Attachment, LedgerEntry
from ruhu.facilities.models import Facility, FacilityKind
from ruhu.facilities.schemas import CheckIn
from ruhu.facilities.services import checks as check_services
from ruhu.facilities.services import facility_check_correct, facility_check_submit
from ruhu.hazards.models import Hazard, HazardStep
from ruhu.inspection.schemas import VisitIn
from ruhu.inspection.services import visit_correct, visit_submit
from ruhu.inspection.services import visits as visit_services
from ruhu.premises.models import Household
from ruhu.premises.services import household_create
from tests.conftest import make_user

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
JSON = "application/json"


def number_from(model, start: int) -> None:
    """The next row of `model` gets id `start` (then start + 1 …), on either engine."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, start]
            )
        else:
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start - 1]
            )


def sha(n: int) -> str:
    return hashlib.sha256(f"golden {n}".encode()).hexdigest()


def upload(n: int, user, kind: str = Attachment.Kind.PHOTO) -> str:
    """An upload with a fixed id and hash (no picture: nothing here reads the bytes)."""
    Attachment.objects.create(
        id=uuid.UUID(int=n), kind=kind, file=f"golden/{n}.jpg", sha256=sha(n), size=100 + n,
        content_type="image/jpeg", extension="jpg", uploaded_by=user, branch_id=user.branch_id,
    )  # fmt: skip
    return sha(n)


@pytest.fixture
def world(db, monkeypatch):
    with time_machine.travel(NOW, tick=False):
        for model, start in (
            (OrgUnit, 910_001), (User, 920_001), (Household, 930_001), (Hazard, 940_001)
        ):  # fmt: skip
            number_from(model, start)
        company = org_unit_create(acting_user=None, kind="company", code="g", name="金样燃气")
        branch = org_unit_create(
            acting_user=None, kind="branch", code="g1", name="金样项目公司", parent=company
        )
        team = org_unit_create(
            acting_user=None, kind="team", code="g11", name="金样一班", parent=branch
        )
        inspector = make_user("goldie", Role.INSPECTOR, team, badge_no="G-001")
        household = household_create(
            acting_user=None, branch=branch, account_no="G000001", name="金样",
            category="residential", address="金样小区1幢1单元101室",
        )  # fmt: skip
        facility = Facility.objects.create(
            id=950_001, branch=branch, code="FJ-G-001", kind=FacilityKind.VALVE_WELL,
            location="金样小区北侧", community="金样小区", registered_on=dt.date(2026, 1, 5),
            last_checked_on=dt.date(2026, 10, 1),
        )  # fmt: skip
        items = [SimpleNamespace(code="hose_condition"), SimpleNamespace(code="meter_leak")]
        monkeypatch.setattr(visit_services, "applicable_items", lambda **_: items)
        wells = [SimpleNamespace(code="standing_water"), SimpleNamespace(code="numbered")]
        monkeypatch.setattr(check_services, "items_for", lambda kind: wells)
        monkeypatch.setattr(
            check_services, "ITEM_LABELS", {"standing_water": "井内无积水", "numbered": "已编号"}
        )
        yield SimpleNamespace(inspector=inspector, household=household, facility=facility)


def visit_payload(world, n: int, **changes) -> VisitIn:
    user = world.inspector
    finished = NOW - dt.timedelta(minutes=5)
    data = {
        "id": str(uuid.UUID(int=n)),
        "household_id": world.household.pk,
        "outcome": "inspected",
        "started_at": (finished - dt.timedelta(minutes=20, microseconds=250)).isoformat(),
        "finished_at": finished.isoformat(),
        "latitude": 30.123456789,
        "longitude": 120.5,
        "checklist": {
            "hose_condition": {
                "state": "hazard", "note": "软管老化", "photos": [upload(n + 1, user)]
            },
            "meter_leak": {"state": "ok", "photos": [upload(n + 2, user)]},
        },
        "meter_reading": "1234.5",
        "leaflet_given": True,
        "customer_needs": "希望周末上门",
        "hazards": [
            {
                "hazard_type": "hose_defect", "item": "hose_condition", "level": 2,
                "description": "软管老化开裂", "fixed_on_spot": False, "remedy": "repair",
                "before_photo": upload(n + 3, user),
            }
        ],
        "appliances": [
            {"action": "added", "kind": "stove", "brand": "方太", "model": "JZT-1",
             "installed_year": 2010},
            {"action": "added", "kind": "water_heater", "flue_type": "balanced",
             "installed_year": 2020},
        ],
        "signature": upload(n + 4, user, Attachment.Kind.SIGNATURE),
        "signer_name": "金样",
        "note": "备注：门口有狗",
    }  # fmt: skip
    data.update(changes)
    return VisitIn(**data)


def check_payload(world, n: int, **changes) -> CheckIn:
    user = world.inspector
    finished = NOW - dt.timedelta(minutes=30)
    data = {
        "id": str(uuid.UUID(int=n)),
        "facility_id": world.facility.pk,
        "started_at": (finished - dt.timedelta(minutes=15)).isoformat(),
        "finished_at": finished.isoformat(),
        "latitude": 30.5,
        "longitude": 120.25,
        "checklist": {
            "standing_water": {
                "state": "defect", "note": "积水约10cm", "photos": [upload(n + 1, user)]
            },
            "numbered": {"state": "ok", "photos": [upload(n + 2, user), upload(n + 3, user)]},
        },
        "note": "雨后检查",
    }  # fmt: skip
    data.update(changes)
    return CheckIn(**data)


def entry(record) -> tuple[tuple[str, str], list[str]]:
    """(payload digest, record SHA-256) of a stored record, and its attachment hashes."""
    found = LedgerEntry.objects.get(record_id=str(record.pk))
    return (record.payload_sha256, found.record_sha256), found.attachments


# (payload digest, record SHA-256), computed before the mechanism was shared
GOLDEN = {
    "visit": (
        "c99647abe052a4b49ade2ae8eed00bf0968db2b699be2319605fceba5077169f",
        "a2020ed719050d88be20021d3fca491277f1d46cd290e3e2eb6f16718c9f071e",
    ),
    "visit correction": (
        "72e3f40444553d9cb60b33a56126cc01a7a27564b6421bc7180ca4a9c014cac1",
        "60cf09c3914ddded8830c667e5e8a2ba15b8743fa090e015ca2ece5053fb039a",
    ),
    "check": (
        "2a44bd8b530d780679f290171b395d9af8e9de87644743f8d21b2ff227c86c35",
        "3cc62983c0b298538b5ec4fbae3a811fe6f1752f3f4547955829592d79451393",
    ),
    "check correction": (
        "fcc0705d08fdb1eab186d9d66c62baaad63d1e4dd8ad6ffff1d6f951441bc540",
        "2e3187ba1643f891f2cd0777af98df0d0ba9dc771fbdd84492147f039f6f0ef1",
    ),
    "re-check": (
        "ea81ec9f1243fa517b2f6dc073731473d2c87d7cf4fe0bf72724ca4023ef015f",
        "9957ee23cdabbf2deadc980cf172c6f5e6fce58d4a50d68840a71b9d9ae7f802",
    ),
}


def test_it_writes_a_visit_and_its_correction_to_the_same_bytes_as_before(world):
    with time_machine.travel(NOW, tick=False):
        visit, created = visit_submit(
            acting_user=world.inspector, payload=visit_payload(world, 100)
        )
        corrected = visit_correct(
            acting_user=world.inspector,
            visit=visit,
            payload=visit_payload(world, 200, meter_reading="1234.6"),
            reason="读数抄错",
        )
    assert created
    # the signature, then the item photos, then the hazard's photos
    assert entry(visit) == (GOLDEN["visit"], [sha(104), sha(101), sha(102), sha(103)])
    assert entry(corrected) == (
        GOLDEN["visit correction"],
        [sha(204), sha(201), sha(202), sha(203)],
    )


def test_it_writes_a_facility_check_and_its_correction_to_the_same_bytes_as_before(world):
    with time_machine.travel(NOW, tick=False):
        check, created = facility_check_submit(
            acting_user=world.inspector, payload=check_payload(world, 300)
        )
        corrected = facility_check_correct(
            acting_user=world.inspector,
            check=check,
            payload=check_payload(world, 400, note="雨后复查"),
            reason="备注写错",
        )
    assert created
    # the photos in the order of their items' codes
    assert entry(check) == (GOLDEN["check"], [sha(302), sha(303), sha(301)])
    assert entry(corrected) == (GOLDEN["check correction"], [sha(402), sha(403), sha(401)])


def test_it_writes_a_recheck_to_the_same_bytes_as_before(world, client):
    with time_machine.travel(NOW, tick=False):
        visit, _ = visit_submit(acting_user=world.inspector, payload=visit_payload(world, 100))
    [hazard] = Hazard.objects.filter(found_visit=visit)
    assert hazard.pk == 940_001
    with time_machine.travel(NOW + dt.timedelta(days=2, hours=3), tick=False):
        client.force_login(world.inspector)
        body = {
            "id": str(uuid.UUID(int=500)), "rectified": True,
            "after_photo": upload(501, world.inspector), "note": "已更换软管",
            "latitude": 30.25, "longitude": 120.125,
        }  # fmt: skip
        response = client.post(f"/api/v1/hazards/{hazard.pk}/rechecks", body, content_type=JSON)
    assert response.status_code == 201, response.content
    step = HazardStep.objects.get(pk=body["id"])
    assert entry(step) == (GOLDEN["re-check"], [sha(501)])
