"""A visit as the ledger chains it (common/evidence.py gives the format): its row, then its
photo, hazard and appliance rows, and the SHA-256 of every attachment it cites (signature,
then photos, then hazard photos). The visit's columns are part of the format: a new
column changes every visit's hash, so it needs a new ledger kind or a chain migration.
"""

from __future__ import annotations

from ruhu.common.evidence import ChildRows, EvidenceShape, RowTable, reference_json
from ruhu.common.ledger import LedgerRecord
from ruhu.inspection.models import Visit, VisitAppliance, VisitHazard, VisitPhoto

LEDGER_KIND = "visit"
UNFROZEN = {"frozen", "frozen_at"}  # set after the record is built: not part of it

VISIT = RowTable(Visit, UNFROZEN)
PHOTO = RowTable(VisitPhoto, {"id"})
HAZARD = RowTable(VisitHazard, {"id"})
APPLIANCE = RowTable(VisitAppliance, {"id"})
SHAPE = EvidenceShape(
    parent=VISIT,
    attachment_columns=("signature_id",),
    children=(
        ChildRows(PHOTO, "visit_id", ("attachment_id",)),
        ChildRows(HAZARD, "visit_id", ("before_photo_id", "after_photo_id")),
        ChildRows(APPLIANCE, "visit_id"),
    ),
)

__all__ = ["APPLIANCE", "HAZARD", "LEDGER_KIND", "PHOTO", "VISIT", "reference_json"]


def visit_records(ids: list[str]) -> dict[str, LedgerRecord]:
    """The ledger loader of kind "visit": what the visits are now, by id."""
    return SHAPE.records(ids)
