"""Attachments: photos, signatures, recordings and documents, kept by their SHA-256.

The type is decided by the file's content, never by its name. Images are re-encoded: the
capture time and position are read from EXIF first, then every piece of metadata is
dropped (only the colour profile and transparency survive) and the picture is turned
upright and scaled down. `original_sha256` is the hash of what was uploaded, `sha256` of
what is stored, so the ledger can chain the stored bytes and `attachment_verify` can tell
whether they changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps

from ruhu.common.audit import audit_record, diff, snapshot
from ruhu.common.errors import ValidationFailed
from ruhu.common.models import Attachment

Kind = Attachment.Kind

MAX_SIDE = 2560
MAX_PIXELS = 120_000_000
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

ACCEPTED_LABELS: dict[str, str] = {
    Kind.PHOTO: "JPEG、PNG 或 WebP 图片",
    Kind.SIGNATURE: "PNG 图片",
    Kind.RECORDING: "MP3、M4A、MP4、3GP、WAV、AMR 或 OGG 录音",
    Kind.DOCUMENT: "PDF 或 XLSX 文件",
}

SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 85, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85},
}

# Image.info entries that are no one's personal data and change how the picture looks.
KEPT_INFO = ("icc_profile", "transparency")


@dataclass(frozen=True)
class Picture:
    data: bytes
    width: int
    height: int
    taken_at: dt.datetime | None
    latitude: Decimal | None
    longitude: Decimal | None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_kind(kind: str) -> str:
    if kind not in ACCEPTED:
        raise ValidationFailed("不支持的附件类别", code="attachment_bad_kind", kind=kind)
    return kind


def _too_large(limit: int) -> ValidationFailed:
    return ValidationFailed(
        f"文件过大：不能超过 {limit / 1024 / 1024:.0f} MB",
        code="attachment_too_large",
        limit=limit,
    )


def _read_upload(file: IO[bytes]) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise _too_large(limit)
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise ValidationFailed("文件为空", code="attachment_empty")
    return data


def _detect(kind: str, data: bytes) -> Format:
    guess = filetype.guess(data)
    accepted = ACCEPTED[kind]
    if guess is None or guess.mime not in accepted:
        found = guess.extension.upper() if guess else "无法识别的格式"
        raise ValidationFailed(
            f"{Kind(kind).label}只接受{ACCEPTED_LABELS[kind]}（按文件内容识别，此文件为{found}）",
            code="attachment_type_refused",
            kind=kind,
        )
    return accepted[guess.mime]


def _exif_offset(raw: Any) -> dt.tzinfo | None:
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", str(raw or "").strip("\x00 "))
    if not match:
        return None
    sign = -1 if match[1] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(match[2]), minutes=int(match[3])))


def _taken_at(exif: Image.Exif) -> dt.datetime | None:
    """DateTimeOriginal, in its recorded offset or else in the installation's zone."""
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    raw = ifd.get(ExifTags.Base.DateTimeOriginal)
    if not isinstance(raw, str):
        return None
    try:
        naive = dt.datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = _exif_offset(ifd.get(ExifTags.Base.OffsetTimeOriginal))
    return naive.replace(tzinfo=zone or timezone.get_default_timezone())


def _coordinate(value: Any, ref: Any, negative_ref: str, bound: int) -> Decimal | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    number = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(number) or not 0 <= number <= bound:
        return None
    if str(ref or "").strip("\x00 ").upper() == negative_ref:
        number = -number
    return Decimal(number).quantize(Decimal("0.000001"))


def _position(exif: Image.Exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude = _coordinate(
        gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S", 90
    )
    longitude = _coordinate(
        gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W", 180
    )
    # Phones without a fix write zeros; 0,0 is in the Gulf of Guinea, not at a customer.
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None, None
    return latitude, longitude


def _encodable(image: Image.Image, pillow_format: str) -> Image.Image:
    if pillow_format == "JPEG" and image.mode not in ("L", "RGB"):
        return image.convert("RGB")
    if pillow_format == "WEBP" and image.mode not in ("RGB", "RGBA"):
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    return image


def _encode(image: Image.Image, pillow_format: str) -> bytes:
    image = _encodable(image, pillow_format)
    image.info = {key: image.info[key] for key in KEPT_INFO if image.info.get(key) is not None}
    out = io.BytesIO()
    image.save(out, pillow_format, **SAVE_OPTIONS[pillow_format])
    return out.getvalue()


def _picture(data: bytes, fmt: Format) -> Picture:
    assert fmt.pillow is not None
    try:
        with Image.open(io.BytesIO(data), formats=[fmt.pillow]) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise ValidationFailed(
                    "图片像素过多，请降低分辨率后重新上传", code="attachment_too_many_pixels"
                )
            exif = opened.getexif()
            taken_at, (latitude, longitude) = _taken_at(exif), _position(exif)
            if fmt.pillow == "JPEG":
                opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode big photos at 1/2..1/8
            image = ImageOps.exif_transpose(opened)
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            stored = _encode(image, fmt.pillow)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed("图片文件已损坏或无法读取", code="attachment_unreadable") from None
    return Picture(stored, image.width, image.height, taken_at, latitude, longitude)


def _build(kind: str, data: bytes, fmt: Format) -> tuple[Attachment, bytes]:
    attachment = Attachment(
        kind=kind,
        original_sha256=_sha256(data),
        content_type=fmt.content_type,
        extension=fmt.extension,
    )
    stored = data
    if fmt.pillow:
        picture = _picture(data, fmt)
        stored = picture.data
        attachment.width, attachment.height = picture.width, picture.height
        attachment.taken_at = picture.taken_at
        attachment.latitude, attachment.longitude = picture.latitude, picture.longitude
    attachment.sha256, attachment.size = _sha256(stored), len(stored)
    return attachment, stored


@transaction.atomic
def attachment_store(
    *, acting_user, kind: str, file: IO[bytes], branch_id: int | None = None
) -> Attachment:
    """Check, clean and store an uploaded file; the same upload again returns the first.

    Nothing is written until the file has passed every check. Uploads are deduplicated
    per branch as well as per kind so that an attachment never lands outside the scope
    of the branch that sent it.
    """
    kind = _check_kind(kind)
    data = _read_upload(file)
    existing = Attachment.objects.filter(
        kind=kind, original_sha256=_sha256(data), branch_id=branch_id
    ).first()
    if existing is not None:
        return existing
    attachment, stored = _build(kind, data, _detect(kind, data))
    attachment.branch_id = branch_id
    attachment.uploaded_by = acting_user if getattr(acting_user, "pk", None) else None
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
