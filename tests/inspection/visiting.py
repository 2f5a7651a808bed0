"""Helpers to build visits in tests: photos uploaded first, payloads as the phone sends."""

from __future__ import annotations

import datetime as dt
import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from ruhu.common.attachments import attachment_store
from ruhu.inspection.checklist import applicable_items
from ruhu.inspection.schemas import VisitIn


def photo(user, colour: str = "orange", kind: str = "photo") -> str:
    """Upload a small picture as `user`; the stored SHA-256 the phone then cites."""
    out = io.BytesIO()
    Image.new("RGB", (48, 32), colour).save(out, "PNG" if kind == "signature" else "JPEG")
    upload = SimpleUploadedFile(f"{colour}.img", out.getvalue())
    return attachment_store(
        acting_user=user, kind=kind, file=upload, branch_id=user.branch_id
    ).sha256


def all_fine(household) -> dict:
    items = applicable_items(
        meter_location=household.meter_location, meter_kind=household.meter_kind
    )
    return {item.code: {"state": "ok"} for item in items}


def inspected(user, household, **changes) -> VisitIn:
    finished = timezone.now() - dt.timedelta(minutes=1)
    data = {
        "id": str(uuid.uuid4()),
        "household_id": household.pk,
        "outcome": "inspected",
        "started_at": (finished - dt.timedelta(minutes=12)).isoformat(),
        "finished_at": finished.isoformat(),
        "checklist": all_fine(household),
        "meter_reading": "1234.5",
        "leaflet_given": True,
        "signature": photo(user, "black", kind="signature"),
        "signer_name": "王伟",
    }
    data.update(changes)
    return VisitIn(**data)


def absent(user, household, **changes) -> VisitIn:
    finished = timezone.now() - dt.timedelta(minutes=1)
    data = {
        "id": str(uuid.uuid4()),
        "household_id": household.pk,
        "outcome": "absent",
        "started_at": (finished - dt.timedelta(minutes=3)).isoformat(),
        "finished_at": finished.isoformat(),
        "absent_photo": photo(user, "white"),
        "door_number": "1幢1单元101",
    }
    data.update(changes)
    return VisitIn(**data)
