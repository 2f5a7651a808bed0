"""Attachments: photos, signatures, recordings and documents, kept by their SHA-256.

The type is decided by the file's content, never by its name. Each kind has its size limit
(policy). Images are checked against a decoding budget, then re-encoded without their
metadata (common/pictures.py). `original_sha256` is the hash of what was uploaded,
`sha256` of what is stored, so the ledger can chain the stored bytes and
`attachment_verify` can tell whether they changed.

`attachment_upload` takes a file from a person: only someone who writes records that cite
such a file may upload one, within a per-user rate (policy). `attachment_store` keeps any
file, also those Ruhu makes itself (notices, packages).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ruhu.common.actors import Actor
from ruhu.common.audit import audit_record, diff, snapshot
from ruhu.common.errors import PermissionRefused, RateLimited, Unavailable, ValidationFailed
from ruhu.common.models import Attachment
from ruhu.common.pictures import MB, Budget, picture_clean
from ruhu.common.policy import policy_get
from ruhu.common.ratelimit import StoreUnavailable, window_take, window_wait

Kind = Attachment.Kind

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Format:
    content_type: str
    extension: str
    pillow: str | None = None  # the Pillow format to re-encode with; None stores the bytes


JPEG = Format("image/jpeg", ".jpg", "JPEG")
PNG = Format("image/png", ".png", "PNG")
WEBP = Format("image/webp", ".webp", "WEBP")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# kind → MIME type as `filetype` detects it → how it is stored
ACCEPTED: dict[str, dict[str, Format]] = {
    Kind.PHOTO: {"image/jpeg": JPEG, "image/png": PNG, "image/webp": WEBP},
    Kind.SIGNATURE: {"image/png": PNG},
    Kind.RECORDING: {
        "audio/mpeg": Format("audio/mpeg", ".mp3"),
        "audio/mp4": Format("audio/mp4", ".m4a"),
        "video/mp4": Format("audio/mp4", ".mp4"),
        "video/3gpp": Format("audio/3gpp", ".3gp"),
        "audio/x-wav": Format("audio/wav", ".wav"),
        "audio/amr": Format("audio/amr", ".amr"),
        "audio/ogg": Format("audio/ogg", ".ogg"),
    },
    Kind.DOCUMENT: {
        "application/pdf": Format("application/pdf", ".pdf"),
        XLSX_MIME: Format(XLSX_MIME, ".xlsx"),
    },
}

ACCEPTED_LABELS: dict[str, Promise] = {
    Kind.PHOTO: gettext_lazy("JPEG、PNG 或 WebP 图片"),
    Kind.SIGNATURE: gettext_lazy("PNG 图片"),
    Kind.RECORDING: gettext_lazy("MP3、M4A、MP4、3GP、WAV、AMR 或 OGG 录音"),
    Kind.DOCUMENT: gettext_lazy("PDF 或 XLSX 文件"),
}

# Who may upload a file of each kind: the holders of a capability whose records cite one
# (accounts.roles.Capability values; common cannot import accounts).
UPLOADERS: dict[str, frozenset[str]] = {
    Kind.PHOTO: frozenset(
        {
            "visits.record",  # visits, rechecks, seals, notice deliveries and postings
            "visits.review",  # review visits
            "hazards.repair",  # repairs and seals
            "hazards.manage",  # property-letter deliveries
            "hazards.supervise",  # outcomes of handed-over cases
            "plans.manage",  # community notice postings
            "facilities.check",  # facility checks
            "facilities.repair",  # facility repairs
        }
    ),
    Kind.SIGNATURE: frozenset({"visits.record", "visits.review"}),
    Kind.RECORDING: frozenset({"hazards.manage"}),  # follow-up calls
    Kind.DOCUMENT: frozenset(),  # notices and packages are made by Ruhu, never uploaded
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_kind(kind: str) -> str:
    if kind not in ACCEPTED:
        raise ValidationFailed(_("不支持的附件类别"), code="attachment_bad_kind", kind=kind)
    return kind


def _too_large(limit: int) -> ValidationFailed:
    return ValidationFailed(
        _("文件过大：不能超过 %(mb).0f MB") % {"mb": limit / 1024 / 1024},
        code="attachment_too_large",
        limit=limit,
    )


def _size_limit(kind: str, branch_id: int | None) -> int:
    """The kind's limit (policy), never above the installation's upload limit."""
    by_kind = int(policy_get(f"attachments.max_mb.{kind}", branch=branch_id)) * MB
    return min(by_kind, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _read_upload(file: IO[bytes], limit: int) -> bytes:
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise _too_large(limit)
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise ValidationFailed(_("文件为空"), code="attachment_empty")
    return data


def _detect(kind: str, data: bytes) -> Format:
    guess = filetype.guess(data)
    accepted = ACCEPTED[kind]
    if guess is None or guess.mime not in accepted:
        found = guess.extension.upper() if guess else _("无法识别的格式")
        raise ValidationFailed(
            _("%(kind)s只接受%(accepted)s（按文件内容识别，此文件为%(found)s）")
            % {"kind": Kind(kind).label, "accepted": ACCEPTED_LABELS[kind], "found": found},
            code="attachment_type_refused",
            kind=kind,
        )
    return accepted[guess.mime]


def _build(kind: str, data: bytes, fmt: Format, branch_id: int | None) -> tuple[Attachment, bytes]:
    attachment = Attachment(
        kind=kind,
        original_sha256=_sha256(data),
        content_type=fmt.content_type,
        extension=fmt.extension,
    )
    stored = data
    if fmt.pillow:
        picture = picture_clean(data, fmt.pillow, Budget.from_policy(branch_id=branch_id))
        stored = picture.data
        attachment.width, attachment.height = picture.width, picture.height
        attachment.taken_at = picture.taken_at
        attachment.latitude, attachment.longitude = picture.latitude, picture.longitude
    attachment.sha256, attachment.size = _sha256(stored), len(stored)
    return attachment, stored


@transaction.atomic
def attachment_store(
    *, acting_user: Actor | None, kind: str, file: IO[bytes], branch_id: int | None = None
) -> Attachment:
    """Check, clean and store an uploaded file; the same upload again returns the first.

    Nothing is written until the file has passed every check. Uploads are deduplicated
    per branch as well as per kind so that an attachment never lands outside the scope
    of the branch that sent it.
    """
    kind = _check_kind(kind)
    data = _read_upload(file, _size_limit(kind, branch_id))
    existing = Attachment.objects.filter(
        kind=kind, original_sha256=_sha256(data), branch_id=branch_id
    ).first()
    if existing is not None:
        return existing
    attachment, stored = _build(kind, data, _detect(kind, data), branch_id)
    attachment.branch_id = branch_id
    attachment.uploaded_by_id = getattr(acting_user, "pk", None)
    attachment.file.save(
        f"{attachment.sha256}{attachment.extension}", ContentFile(stored), save=False
    )
    try:
        attachment.save(force_insert=True)
    except Exception:
        attachment.file.delete(save=False)
        raise
    fields = ["kind", "sha256", "original_sha256", "size", "content_type", "taken_at"]
    audit_record(
        acting_user=acting_user,
        action="attachment.store",
        target=attachment,
        changes=diff({}, snapshot(attachment, fields)),
    )
    return attachment


def attachment_upload(
    *, acting_user: Actor, kind: str, file: IO[bytes], branch_id: int | None
) -> Attachment:
    """A file a person uploads: refused (403, nothing stored) unless they write records
    that cite files of this kind, and held to their upload rate (429) before it is read."""
    kind = _check_kind(kind)
    if not any(acting_user.can(capability) for capability in UPLOADERS[kind]):
        raise PermissionRefused(
            _("您没有上传此类文件的权限"), code="attachment_upload_refused", kind=kind
        )
    _take_upload_allowance(acting_user, getattr(file, "size", None) or 0, branch_id)
    return attachment_store(acting_user=acting_user, kind=kind, file=file, branch_id=branch_id)


UPLOADS_WINDOW, BYTES_WINDOW = 60, 3600


def _take_upload_allowance(acting_user: Actor, size: int, branch_id: int | None) -> None:
    """Count the upload and its bytes in the user's sliding windows (common/ratelimit.py),
    or refuse it (429, nothing counted) saying when it would fit; fail closed (503)."""
    per_minute = int(policy_get("attachments.rate.uploads_per_minute", branch=branch_id))
    mb_per_hour = int(policy_get("attachments.rate.mb_per_hour", branch=branch_id))
    windows = [
        (f"uploads:{acting_user.pk}", UPLOADS_WINDOW, per_minute, 1),
        (f"upload-bytes:{acting_user.pk}", BYTES_WINDOW, mb_per_hour * MB, size),
    ]
    try:
        wait = max(window_wait(*window) for window in windows)
        if not wait:
            for window in windows:
                window_take(*window)
    except StoreUnavailable:
        raise Unavailable(
            _("暂时无法核对上传限额，请稍后再试"), code="rate_limit_unavailable", retry_after=60
        ) from None
    if wait:
        raise RateLimited(
            _(
                "上传过于频繁：每分钟最多 %(files)s 个文件、每小时最多 %(mb)s MB，"
                "请 %(seconds)s 秒后再试"
            )
            % {"files": per_minute, "mb": mb_per_hour, "seconds": wait},
            retry_after=wait,
        )


def attachment_open(attachment: Attachment) -> IO[bytes]:
    """The stored bytes, opened for reading; the caller closes it."""
    return attachment.file.storage.open(attachment.file.name, "rb")


def attachment_verify(attachment: Attachment) -> bool:
    """Whether the stored file still hashes to the SHA-256 recorded when it was stored."""
    digest = hashlib.sha256()
    try:
        with attachment_open(attachment) as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return False
    return digest.hexdigest() == attachment.sha256
