"""`ruhu ledger verify` exits 0 on a database holding visits, facility checks, their
corrections and a re-check after `ruhu migrate`, which brings the one policy key the
shared frozen-record mechanism added (decision 0018 seeds declared keys after every
migrate; the mechanism adds no migration), run on each engine's leg. The records hash to
the bytes they had before the mechanism: test_frozen_golden holds that."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command

from ruhu.common.models import LedgerEntry, PolicyKey, PolicyValue
from ruhu.facilities.models import FacilityKind
from ruhu.facilities.services import facility_check_correct
from ruhu.hazards.models import Hazard
from ruhu.hazards.schemas import RecheckIn
from ruhu.hazards.services import hazard_recheck_submit
from ruhu.inspection.services import visit_correct, visit_submit
from tests.facilities.checking import check_payload, submit
from tests.facilities.conftest import make_facility
from tests.inspection.visiting import inspected, photo

ADDED = ["facility.check_max_photo_count"]


def records(charlie, household, facility) -> None:
    before = photo(charlie, "red")
    hazard = {
        "hazard_type": "hose_defect", "item": "hose_condition", "level": 2, "remedy": "repair",
        "before_photo": before, "fixed_on_spot": False,
    }  # fmt: skip
    checklist = inspected(charlie, household).model_dump(mode="json")["checklist"]
    checklist["hose_condition"] = {"state": "hazard", "photos": [before]}
    visit, _ = visit_submit(
        acting_user=charlie,
        payload=inspected(charlie, household, checklist=checklist, hazards=[hazard]),
    )
    [case] = Hazard.objects.filter(found_visit=visit)
    sent = RecheckIn(id=uuid.uuid4(), rectified=True, after_photo=photo(charlie, "green"))
    hazard_recheck_submit(acting_user=charlie, hazard=case, payload=sent)
    visit_correct(
        acting_user=charlie, visit=visit, payload=inspected(charlie, household), reason="抄错"
    )
    answers = check_payload(facility).model_dump(mode="json")["checklist"]
    answers["standing_water"] = {"state": "defect", "photos": [photo(charlie, "blue")]}
    check = submit(charlie, facility, checklist=answers)
    facility_check_correct(
        acting_user=charlie, check=check, payload=check_payload(facility), reason="看错"
    )


@pytest.mark.django_db(transaction=True)
def test_ledger_verify_exits_0_after_migrate_on_a_database_with_frozen_records(
    charlie, household_a, org, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUHU_LEDGER_EXPORT_DIR = tmp_path / "ledger"
    records(charlie, household_a, make_facility(org.a, "FJ-A-900", FacilityKind.VALVE_WELL))
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert {"visit", "facility_check", "hazard_step"} <= kinds
    PolicyValue.objects.filter(key__in=ADDED).delete()  # as on the previous release
    PolicyKey.objects.filter(key__in=ADDED).delete()
    call_command("migrate", verbosity=0)
    assert PolicyValue.objects.filter(key__in=ADDED).count() == len(ADDED)
    out = io.StringIO()
    call_command("ledger", "verify", "--workers", "2", stdout=out)  # exit 1 would raise
    assert out.getvalue().startswith(f"ledger ok: {LedgerEntry.objects.count()} entries")
