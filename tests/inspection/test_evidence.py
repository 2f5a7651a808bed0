"""The visit record the ledger hashes: the SQL of this engine writes exactly what the
Python reference writes, so a chain verifies on either engine."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruhu.inspection.evidence import (
    APPLIANCE,
    HAZARD,
    PHOTO,
    VISIT,
    reference_json,
    visit_records,
)
from ruhu.inspection.models import Visit
from ruhu.inspection.services import visit_submit
from tests.inspection.visiting import inspected, photo


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def expected_record(visit: Visit) -> bytes:
    parts = [reference_json(visit, VISIT)]
    for rows, part in (
        (visit.photos.all(), PHOTO), (visit.hazards.all(), HAZARD),
        (visit.appliances.all(), APPLIANCE),
    ):  # fmt: skip
        parts.append("[" + ",".join(reference_json(row, part) for row in rows) + "]")
    return ("[" + ",".join(parts) + "]").encode()


TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    note=TEXT,
    reading=st.decimals(min_value=0, max_value=999_999, places=3),
    ms=st.integers(0, 999_999),
)
def test_the_database_writes_the_record_exactly_as_the_reference(
    charlie, household_a, note, reading, ms
):
    finished = dt.datetime(2026, 11, 2, 3, 4, 5, ms, tzinfo=dt.UTC)
    before, after = photo(charlie, "red"), photo(charlie, "green")
    hazard = {
        "hazard_type": "hose_defect", "item": "hose_condition", "level": 1, "description": note,
        "fixed_on_spot": True, "before_photo": before, "after_photo": after,
    }  # fmt: skip
    payload = inspected(
        charlie, household_a, note=note.strip()[:500], meter_reading=str(reading),
        started_at=(finished - dt.timedelta(minutes=5)).isoformat(),
        finished_at=finished.isoformat(), latitude=30.123456, longitude=-120.5,
        checklist={
            **inspected(charlie, household_a).model_dump(mode="json")["checklist"],
            "hose_condition": {"state": "hazard", "note": note.strip()[:300], "photos": [before]},
        },
        hazards=[hazard],
        appliances=[{"action": "added", "kind": "stove", "brand": "方太", "installed_year": 2010}],
    )  # fmt: skip
    visit, _ = visit_submit(acting_user=charlie, payload=payload)
    visit = Visit.objects.get(pk=visit.pk)
    record = visit_records([str(visit.pk)])[str(visit.pk)]
    assert record.canonical == expected_record(visit)
    document = json.loads(record.canonical)
    assert document[0][VISIT.names.index("note")] == visit.note
    assert record.attachments[0] == visit.signature.sha256 and len(record.attachments) == 4
