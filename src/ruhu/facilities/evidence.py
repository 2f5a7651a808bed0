"""A facility check as the ledger chains it, exactly as a visit is (common/evidence.py):
its row, then its photo rows and defect rows, and the SHA-256 of every photo it cites."""

from __future__ import annotations

from ruhu.common.evidence import ChildRows, EvidenceShape, RowTable
from ruhu.common.ledger import LedgerRecord
from ruhu.facilities.models import FacilityCheck, FacilityCheckPhoto, FacilityDefect

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
