"""Downloads: a notice's PDF and its delivery photo, a call's recording, a month-end
package. Each file is reached through a scoped selector, never by its own id alone."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.views.decorators.http import require_GET

from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.web import attachment_response
from ruhu.hazards.selectors import HEARERS, call_get, notice_get, package_file


@require_GET
@requires(Capability.VIEW_HAZARDS)
def notice_pdf(request, pk: int):
    notice = notice_get(acting_user=request.user, pk=pk)
    if notice.document_id is None:
        raise Http404
    return attachment_response(
        notice.document, filename=f"{notice.number}.pdf", content_type="application/pdf"
    )


@require_GET
@requires(Capability.VIEW_HAZARDS)
def notice_photo(request, pk: int):
    """The delivery proof of a notice: the photo of it handed over or on the door."""
    notice = notice_get(acting_user=request.user, pk=pk)
    if notice.delivery_photo_id is None:
        raise Http404
    return attachment_response(notice.delivery_photo)


@require_GET
@requires(*HEARERS)
def call_recording(request, pk):
    call = call_get(acting_user=request.user, pk=pk)
    if call.recording_id is None:
        raise Http404
    recording = call.recording
    called = timezone.localtime(call.called_at)
    return attachment_response(
        recording, filename=f"回访录音-{called:%Y%m%d-%H%M}{recording.extension}"
    )


@require_GET
@requires(*HEARERS)
def package_download(request, pk: int, fmt: str):
    package, attachment = package_file(acting_user=request.user, pk=pk, fmt=fmt)
    name = f"{package.branch.code}-{package.month:%Y%m}-{package.audience}.{fmt}"
    return attachment_response(attachment, filename=name)
