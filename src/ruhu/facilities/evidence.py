"""A facility check as the ledger chains it, exactly as a visit is (common/evidence.py):
its row, then its photo rows and defect rows, and the SHA-256 of every photo it cites.
`CHECK_KIND` declares it a frozen record of common/frozen.py, with its own photo limit."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ruhu.accounts.roles import Capability
from ruhu.common.evidence import ChildRows, EvidenceShape, RowTable
from ruhu.common.frozen import FrozenKind
from ruhu.common.ledger import LedgerRecord
from ruhu.facilities.models import FacilityCheck, FacilityCheckPhoto, FacilityDefect
from ruhu.facilities.schemas import CheckIn

LEDGER_KIND = "facility_check"

CHECK = RowTable(FacilityCheck, {"frozen", "frozen_at"})
PHOTO = RowTable(FacilityCheckPhoto, {"id"})
DEFECT = RowTable(FacilityDefect, {"id"})
SHAPE = EvidenceShape(
    parent=CHECK,
    children=(
        ChildRows(PHOTO, "check_record_id", ("attachment_id",)),
        ChildRows(DEFECT, "check_record_id"),
    ),
)


def check_records(ids: list[str]) -> dict[str, LedgerRecord]:
    """The ledger loader of kind "facility_check": what the checks are now, by id."""
    return SHAPE.records(ids)


def check_cites(payload: CheckIn) -> dict[str, str]:
    """Every file a check cites: the photos of its items."""
    return {sha: "" for item in payload.checklist.values() for sha in item.photos}


CHECK_KIND = FrozenKind(
    LEDGER_KIND, FacilityCheck, submitter="inspector", subject="facility", code="check",
    noun=_("设施检查记录"), cited=check_cites, photo_limit_key="facility.check_max_photo_count",
    timed=True, corrector=Capability.MANAGE_FACILITIES, correction_clears=("task_id",),
    shape=SHAPE,
)  # fmt: skip
