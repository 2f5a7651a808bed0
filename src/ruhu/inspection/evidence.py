"""A visit as the ledger chains it (common/evidence.py gives the format): its row, then its
photo, hazard and appliance rows, and the SHA-256 of every attachment it cites (signature,
then photos, then hazard photos). The visit's columns are part of the format: a new
column changes every visit's hash, so it needs a new ledger kind or a chain migration.

`VISIT_KIND` declares it a frozen record of common/frozen.py: sent by its inspector about
a household, citing the files `visit_cites` lists, corrected by a plan approver too.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ruhu.accounts.roles import Capability
from ruhu.common.evidence import ChildRows, EvidenceShape, RowTable, reference_json
from ruhu.common.frozen import FrozenKind
from ruhu.common.ledger import LedgerRecord
from ruhu.common.models import Attachment
from ruhu.inspection.models import Visit, VisitAppliance, VisitHazard, VisitPhoto
from ruhu.inspection.schemas import VisitIn

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

__all__ = [
    "APPLIANCE", "HAZARD", "LEDGER_KIND", "PHOTO", "VISIT", "VISIT_KIND", "reference_json",
]  # fmt: skip


def visit_records(ids: list[str]) -> dict[str, LedgerRecord]:
    """The ledger loader of kind "visit": what the visits are now, by id."""
    return SHAPE.records(ids)


def visit_cites(payload: VisitIn) -> dict[str, str]:
    """Every file a visit cites: its photos, and its signature, which must be one."""
    photos = {sha for item in payload.checklist.values() for sha in item.photos}
    for hazard in payload.hazards:
        photos |= {sha for sha in (hazard.before_photo, hazard.after_photo) if sha}
    photos |= {sha for sha in (payload.absent_photo, *payload.refusal_photos) if sha}
    cited = dict.fromkeys(photos, "")
    if payload.signature:
        cited[payload.signature] = Attachment.Kind.SIGNATURE
    return cited


VISIT_KIND = FrozenKind(
    LEDGER_KIND, Visit, submitter="inspector", subject="household", code="visit",
    noun=_("入户记录"), cited=visit_cites, photo_limit_key="inspection.visit_max_photo_count",
    timed=True, corrector=Capability.APPROVE_PLANS, correction_clears=("task_id",),
    shape=SHAPE,
)  # fmt: skip
