"""A frozen record's ledger bytes built from the rows just written are the bytes its loader
reads back, on this engine, for every shape a visit or a check takes (decision 0025): the
chain is made from the one and verified with the other."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruhu.common.evidence_written import record_as_written, rows_written
from ruhu.common.ledger import ledger_verify
from ruhu.common.models import LedgerEntry
from ruhu.facilities import evidence as check_evidence
from ruhu.facilities.services import facility_check_submit
from ruhu.inspection import evidence as visit_evidence
from ruhu.inspection.models import Visit
from ruhu.inspection.services import visit_submit
from tests.facilities.checking import check_payload
from tests.factories import make_facility
from tests.inspection.visiting import absent, inspected, photo


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def chained_as_loaded(kind: str, shape, record) -> None:
    """The entry chained for `record` hashes what the loader reads now, and the bytes
    built from the rows in hand (as the record was returned) are those very bytes."""
    key = str(record.pk)
    loaded = shape.records([key])[key]
    built = record_as_written(shape, record)
    assert built == loaded
    entry = LedgerEntry.objects.get(kind=kind, record_id=key)
    assert list(entry.attachments) == list(loaded.attachments)
    assert ledger_verify().ok


def visit_of(charlie, household_a, shape: str):
    if shape == "absent, no position":
        return absent(charlie, household_a)
    if shape == "refused":
        evidence = photo(charlie, "grey")
        return absent(
            charlie, household_a, outcome="refused", absent_photo=None, door_number="",
            refusal_reason="用户称没时间\t稍后", refusal_photos=[evidence],
        )  # fmt: skip
    before, after, other = photo(charlie, "red"), photo(charlie, "green"), photo(charlie, "blue")
    checklist = inspected(charlie, household_a).model_dump(mode="json")["checklist"]
    checklist["leak_test"]["photos"] = [other]
    checklist["hose_condition"] = {"state": "hazard", "note": "老化", "photos": [before]}
    hazards = [
        {"hazard_type": "hose_defect", "item": "hose_condition", "level": 1,
         "description": "龟裂\n\"更换\"", "fixed_on_spot": True, "before_photo": before,
         "after_photo": after},
        {"hazard_type": "hose_defect", "item": "", "level": 2, "description": "",
         "fixed_on_spot": False, "before_photo": other},
    ]  # fmt: skip
    return inspected(
        charlie, household_a, checklist=checklist, hazards=hazards, latitude=-0.0000001,
        longitude=179.9999999, meter_reading="0.001", note="备注 \\ / \u2028 \x1f",
        appliances=[
            {"action": "added", "kind": "stove", "brand": "方太", "installed_year": 1990},
            {"action": "added", "kind": "water_heater", "brand": ""},
        ],
    )  # fmt: skip


@pytest.mark.parametrize("shape", ["absent, no position", "refused", "inspected, everything"])
def test_a_visit_is_chained_with_the_bytes_its_loader_reads(charlie, household_a, shape):
    visit, created = visit_submit(
        acting_user=charlie, payload=visit_of(charlie, household_a, shape)
    )
    assert created
    chained_as_loaded("visit", visit_evidence.SHAPE, visit)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    note=st.text(
        st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30
    ),
    reading=st.decimals(min_value=0, max_value=999_999_999, places=3),
    position=st.one_of(st.none(), st.floats(-90, 90), st.sampled_from([-1e-7, -0.0, 0.0])),
    ms=st.integers(0, 999_999),
)
def test_any_visit_is_chained_with_the_bytes_its_loader_reads(
    charlie, household_a, note, reading, position, ms
):
    finished = dt.datetime(2026, 11, 2, 3, 4, 5, ms, tzinfo=dt.UTC)
    payload = inspected(
        charlie, household_a, note=note.strip()[:500], latitude=position, longitude=position,
        meter_reading=str(reading), started_at=(finished - dt.timedelta(minutes=5)).isoformat(),
        finished_at=finished.isoformat(),
    )  # fmt: skip
    visit, _ = visit_submit(acting_user=charlie, payload=payload)
    chained_as_loaded("visit", visit_evidence.SHAPE, visit)


def test_a_check_is_chained_with_the_bytes_its_loader_reads(charlie, org):
    well = make_facility(org.a, "FJ-A-009", "valve_well", last_checked_on=dt.date(2026, 10, 1))
    checklist = check_payload(well).model_dump()["checklist"]
    checklist["standing_water"] = {"state": "defect", "note": "积水", "photos": [photo(charlie)]}
    payload = check_payload(well, checklist=checklist, latitude=30.5, longitude=None)
    check, created = facility_check_submit(acting_user=charlie, payload=payload)
    assert created and check.defects.count() == 1
    chained_as_loaded("facility_check", check_evidence.SHAPE, check)


def test_rows_not_kept_in_hand_are_read(charlie, household_a, django_assert_num_queries):
    visit, _ = visit_submit(acting_user=charlie, payload=visit_of(charlie, household_a, "refused"))
    again = Visit.objects.get(pk=visit.pk)  # nothing in hand: its rows are read
    with django_assert_num_queries(4):  # photos, hazards, appliances, the cited files
        built = record_as_written(visit_evidence.SHAPE, again)
    assert built == visit_evidence.SHAPE.records([str(visit.pk)])[str(visit.pk)]
    rows_written(again, photos=list(visit.photos.all()), hazards=[], appliances=[])
    with django_assert_num_queries(0):
        assert record_as_written(visit_evidence.SHAPE, again) == built
