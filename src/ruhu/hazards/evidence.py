"""A hazard step as the ledger chains it: canonical JSON of its row, and the SHA-256 of the
photo it cites and of the notice document (and delivery photo) behind it.

Only steps that prove a human act are chained (`HazardStep.chained`); the loader reads them
back for `ruhu ledger verify`, so a change to any column of the step, or a swapped photo or
document, changes the hash.

A re-check sent from the phone is also a frozen record of common/frozen.py (`RECHECK_KIND`):
idempotent under the phone's id, its photo checked like a visit's; the step that records
it chains and audits itself, as every step of the ladder does.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ruhu.common.frozen import FrozenKind
from ruhu.common.ledger import LedgerRecord, canonical_json
from ruhu.common.models import Attachment
from ruhu.hazards.models import HazardNotice, HazardStep
from ruhu.hazards.schemas import RecheckIn

LEDGER_KIND = "hazard_step"
FIELDS = [field.attname for field in HazardStep._meta.concrete_fields]


def step_records(ids: list[str]) -> dict[str, LedgerRecord]:
    rows = list(HazardStep.objects.filter(pk__in=ids).values(*FIELDS))
    notice_ids = {row["notice_id"] for row in rows if row["notice_id"]}
    notices = {
        n["id"]: n
        for n in HazardNotice.objects.filter(pk__in=notice_ids).values(
            "id", "number", "document_id", "delivery_photo_id", "delivery_method",
            "delivered_on", "tracking_number", "recipient",
        )
    }  # fmt: skip
    wanted = {row["photo_id"] for row in rows} | {
        n[k] for n in notices.values() for k in ("document_id", "delivery_photo_id")
    }
    hashes = dict(Attachment.objects.filter(pk__in=wanted - {None}).values_list("id", "sha256"))
    records = {}
    for row in rows:
        notice = notices.get(row["notice_id"]) if row["notice_id"] else None
        cited = [row["photo_id"]]
        if notice:
            cited += [notice["document_id"], notice["delivery_photo_id"]]
        record = {"step": row, "notice": notice}
        records[str(row["id"])] = LedgerRecord(
            canonical=canonical_json(record),
            attachments=tuple(hashes[a] for a in cited if a is not None and a in hashes),
        )
    return records


def recheck_cites(payload: RecheckIn) -> dict[str, str]:
    return {payload.after_photo: Attachment.Kind.PHOTO} if payload.after_photo else {}


RECHECK_KIND = FrozenKind(
    LEDGER_KIND, HazardStep, submitter="actor", subject="hazard", code="recheck",
    noun=_("复查记录"), cited=recheck_cites, chained_by_write=True,
)  # fmt: skip
