"""A visit as the ledger chains it: canonical JSON of its row and its child rows, and the
SHA-256 of every attachment it cites (signature, then photos, then hazard photos).

The same loader builds the record when the visit is frozen and when `ruhu ledger verify`
reads it back, so any change to a column of the visit or of a child row, or to which
attachment a row cites, changes the hash.
"""

from __future__ import annotations

from collections import defaultdict

from ruhu.common.ledger import LedgerRecord, canonical_json
from ruhu.inspection.models import Visit, VisitAppliance, VisitHazard, VisitPhoto

LEDGER_KIND = "visit"
VISIT_FIELDS = tuple(
    field.attname
    for field in Visit._meta.concrete_fields
    if field.attname not in {"frozen", "frozen_at"}
)
PHOTO_FIELDS = ("visit_id", "position", "purpose", "item", "attachment_id", "attachment__sha256")
HAZARD_FIELDS = (
    "visit_id", "position", "hazard_type", "item", "level", "description", "fixed_on_spot",
    "before_photo_id", "before_photo__sha256", "after_photo_id", "after_photo__sha256",
)  # fmt: skip
APPLIANCE_FIELDS = (
    "visit_id", "position", "appliance_ref", "action", "kind", "brand", "model", "flue",
    "installed_year", "past_service_life",
)  # fmt: skip


def visit_records(ids: list[str]) -> dict[str, LedgerRecord]:
    """The ledger loader of kind "visit": what the visits are now, by id."""
    rows = Visit.objects.filter(pk__in=ids).values_list(*VISIT_FIELDS, "signature__sha256")
    children: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for name, model, fields in (
        ("photos", VisitPhoto, PHOTO_FIELDS),
        ("hazards", VisitHazard, HAZARD_FIELDS),
        ("appliances", VisitAppliance, APPLIANCE_FIELDS),
    ):
        for row in model.objects.filter(visit_id__in=ids).values_list(*fields):
            children[str(row[0])][name].append(row[1:])
    records = {}
    for row in rows:
        key = str(row[0])
        own = children[key]
        for rows_of in own.values():
            rows_of.sort()  # by position
        document = {
            "visit": dict(zip(VISIT_FIELDS, row[:-1], strict=True)),
            "photos": [dict(zip(PHOTO_FIELDS[1:], r, strict=True)) for r in own["photos"]],
            "hazards": [dict(zip(HAZARD_FIELDS[1:], r, strict=True)) for r in own["hazards"]],
            "appliances": [
                dict(zip(APPLIANCE_FIELDS[1:], r, strict=True)) for r in own["appliances"]
            ],
        }
        attachments = [row[-1]] if row[-1] else []
        attachments += [photo[-1] for photo in own["photos"]]
        for hazard in own["hazards"]:
            attachments += [sha for sha in (hazard[7], hazard[9]) if sha]
        records[key] = LedgerRecord(canonical_json(document), tuple(attachments))
    return records
