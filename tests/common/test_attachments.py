from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from ruhu.common.attachments import attachment_open, attachment_store, attachment_verify
from ruhu.common.errors import ValidationFailed
from ruhu.common.models import Attachment, AuditEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def jpeg_with_exif(*, size=(64, 32), orientation=1, offset: str | None = None) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "ShouldBeStripped"
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = "2025:03:04 14:25:36"
    if offset:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 15.0, 36.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (120.0, 9.0, 18.0)
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, "JPEG", exif=exif, comment=b"13812348000")
    return out.getvalue()


def png(size=(40, 20), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "blue").save(out, "PNG")
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def read_stored(attachment: Attachment) -> bytes:
    with attachment_open(attachment) as fh:
        return fh.read()


def test_it_reads_exif_time_and_gps_then_strips_every_tag(db, charlie, org):
    original = jpeg_with_exif()
    attachment = attachment_store(
        acting_user=charlie, kind="photo", file=upload(original), branch_id=org.a.pk
    )
    assert attachment.taken_at == dt.datetime(2025, 3, 4, 14, 25, 36, tzinfo=SHANGHAI)
    assert attachment.latitude == Decimal("30.260000")
    assert attachment.longitude == Decimal("120.155000")
    assert (attachment.width, attachment.height) == (64, 32)
    assert (attachment.content_type, attachment.extension) == ("image/jpeg", ".jpg")
    assert attachment.original_sha256 == hashlib.sha256(original).hexdigest()

    stored = read_stored(attachment)
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert attachment.size == len(stored)
    assert attachment.file.name.endswith(f"{attachment.sha256}.jpg")
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        assert "exif" not in image.info and "comment" not in image.info
    assert b"ShouldBeStripped" not in stored and b"13812348000" not in stored

    event = AuditEvent.objects.get(action="attachment.store")
    assert (event.actor, event.target_id, event.branch_id) == (
        charlie,
        str(attachment.pk),
        org.a.pk,
    )
    assert event.changes["sha256"] == [None, attachment.sha256]


def test_it_honours_the_recorded_utc_offset(db):
    attachment = attachment_store(
        acting_user=None, kind="photo", file=upload(jpeg_with_exif(offset="+00:00"))
    )
    assert attachment.taken_at == dt.datetime(2025, 3, 4, 14, 25, 36, tzinfo=dt.UTC)


def test_it_turns_the_photo_upright_and_caps_the_long_side(db):
    sideways = jpeg_with_exif(size=(4000, 1000), orientation=6)
    attachment = attachment_store(acting_user=None, kind="photo", file=upload(sideways))
    assert (attachment.width, attachment.height) == (640, 2560)
    with Image.open(io.BytesIO(read_stored(attachment))) as image:
        assert image.size == (640, 2560)


def test_it_stores_a_png_named_jpg_as_png(db):
    attachment = attachment_store(acting_user=None, kind="photo", file=upload(png(), "x.jpg"))
    assert (attachment.content_type, attachment.extension) == ("image/png", ".png")
    assert attachment.file.name.endswith(".png")
    assert attachment.taken_at is None and attachment.latitude is None
    with Image.open(io.BytesIO(read_stored(attachment))) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (40, 20))


def test_it_refuses_a_text_file_named_photo_jpg_and_writes_nothing(db, media):
    with pytest.raises(ValidationFailed) as error:
        attachment_store(acting_user=None, kind="photo", file=upload(b"just some text\n" * 20))
    assert error.value.code == "attachment_type_refused"
    assert "照片只接受" in error.value.message
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action="attachment.store").exists()
    assert stored_files(media) == []


def test_it_refuses_a_jpeg_as_a_signature(db, media):
    with pytest.raises(ValidationFailed, match="签名只接受PNG"):
        attachment_store(acting_user=None, kind="signature", file=upload(jpeg_with_exif()))
    assert stored_files(media) == []


def test_it_refuses_a_broken_image(db, media):
    truncated = png(size=(200, 200), mode="RGB")[:60]
    with pytest.raises(ValidationFailed) as error:
        attachment_store(acting_user=None, kind="signature", file=upload(truncated, "s.png"))
    assert error.value.code == "attachment_unreadable"
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_it_refuses_a_file_over_the_size_limit(db, settings, media):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    data = b"%PDF-1.4\n" + b"0" * 4096
    with pytest.raises(ValidationFailed) as error:
        attachment_store(acting_user=None, kind="document", file=io.BytesIO(data))
    assert error.value.code == "attachment_too_large"
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_it_refuses_an_empty_file_and_an_unknown_kind(db):
    with pytest.raises(ValidationFailed):
        attachment_store(acting_user=None, kind="photo", file=upload(b""))
    with pytest.raises(ValidationFailed):
        attachment_store(acting_user=None, kind="video", file=upload(png()))
    assert not Attachment.objects.exists()


def test_it_keeps_documents_and_recordings_byte_for_byte(db):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    document = attachment_store(acting_user=None, kind="document", file=upload(pdf, "a.bin"))
    assert (document.content_type, document.extension) == ("application/pdf", ".pdf")
    assert read_stored(document) == pdf
    assert document.sha256 == document.original_sha256 == hashlib.sha256(pdf).hexdigest()

    m4a = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A isommp42" + bytes(64)
    recording = attachment_store(acting_user=None, kind="recording", file=upload(m4a, "r"))
    assert (recording.content_type, recording.extension) == ("audio/mp4", ".m4a")
    assert read_stored(recording) == m4a


def test_it_returns_the_existing_attachment_for_the_same_upload(db, media):
    original = jpeg_with_exif()
    first = attachment_store(acting_user=None, kind="photo", file=upload(original))
    again = attachment_store(acting_user=None, kind="photo", file=upload(original, "copy.jpg"))
    assert again.pk == first.pk
    assert Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1
    assert AuditEvent.objects.filter(action="attachment.store").count() == 1


def test_it_does_not_share_an_attachment_across_kinds_or_branches(db, org):
    signature = png()
    as_photo = attachment_store(acting_user=None, kind="photo", file=upload(signature))
    as_signature = attachment_store(acting_user=None, kind="signature", file=upload(signature))
    in_branch = attachment_store(
        acting_user=None, kind="signature", file=upload(signature), branch_id=org.a.pk
    )
    assert len({as_photo.pk, as_signature.pk, in_branch.pk}) == 3
    assert all(attachment_verify(a) for a in (as_photo, as_signature, in_branch))


def test_it_verifies_the_stored_file_and_detects_tampering(db):
    attachment = attachment_store(acting_user=None, kind="photo", file=upload(jpeg_with_exif()))
    assert attachment_verify(attachment) is True
    path = attachment.file.path
    with open(path, "r+b") as fh:
        fh.seek(-3, io.SEEK_END)
        fh.write(b"\x00\x00\x00")
    assert attachment_verify(attachment) is False


def test_it_reports_a_missing_file_as_not_verified(db):
    attachment = attachment_store(acting_user=None, kind="signature", file=upload(png()))
    attachment.file.storage.delete(attachment.file.name)
    assert attachment_verify(attachment) is False
