"""Audit trail and attachments API."""

import uuid

from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from ruhu.common import attachments
from ruhu.common.access import requires, signed_in
from ruhu.common.models import Attachment
from ruhu.common.pagination import Pages
from ruhu.common.schemas import (
    AttachmentOut,
    AuditEventOut,
    ErrorOut,
    Text,
    answered,
    attributes,
)
from ruhu.common.selectors import VIEW_AUDIT, attachment_get, audit_list
from ruhu.common.web import attachment_response

router = Router(tags=["audit", "attachments"])


@router.get("/audit", response={200: list[AuditEventOut], 403: ErrorOut})
@paginate(Pages)
@requires(VIEW_AUDIT)
def audit_events(request, action: Text = ""):
    return audit_list(acting_user=request.user, action=action)


@router.post("/attachments", response={201: AttachmentOut, (403, 429, 503): ErrorOut})
@signed_in
def attachment_upload(request, kind: Form[Attachment.Kind], file: File[UploadedFile]):
    """Upload one photo, signature, recording or document; the same file again returns the first.

    The type is checked by content, photos are re-encoded without their metadata after their
    EXIF time and position are kept, and the answer carries the SHA-256 to reference it by.
    Only those who write records citing such files may upload them (403), each within a
    per-user rate (429 with Retry-After); a picture too large to decode safely is a 422.
    """
    attachment = attachments.attachment_upload(
        acting_user=request.user, kind=kind, file=file, branch_id=request.user.branch_id
    )
    return Status(201, attachment)


@router.get("/attachments/{attachment_id}", response={200: AttachmentOut, (403, 404): ErrorOut})
@signed_in
def attachment_detail(request, attachment_id: uuid.UUID):
    attachment = attachment_get(acting_user=request.user, pk=attachment_id)
    return answered(attributes(AttachmentOut, attachment))


@router.get("/attachments/{attachment_id}/content", response={200: None, (403, 404): ErrorOut})
@signed_in
def attachment_content(request, attachment_id: uuid.UUID):
    attachment = attachment_get(acting_user=request.user, pk=attachment_id)
    return attachment_response(attachment)
