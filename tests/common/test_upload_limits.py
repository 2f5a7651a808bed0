"""Upload limits: pictures held to a decoding budget before they are decoded, sizes per kind,
uploads only for those whose records cite files, and a per-user rate."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from ruhu.accounts.roles import CAPABILITIES, Capability, Role
from ruhu.common import pictures
from ruhu.common.attachments import UPLOADERS, attachment_store
from ruhu.common.errors import ValidationFailed
from ruhu.common.models import Attachment
from ruhu.common.pictures import Budget, _webp_size, picture_clean, prepare_decoding
from ruhu.common.policy import policy_set
from tests.common.crafted import png_of_one_colour
from tests.common.test_attachments_api import bearer, upload
from tests.conftest import make_user

START = dt.datetime(2026, 12, 1, 10, 0, 5, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def decoded(monkeypatch):
    """Every picture decoded, here (ImageFile.load is where Pillow decodes pixels) or in a
    decoding process."""
    seen: list[object] = []
    load, run = ImageFile.ImageFile.load, subprocess.run

    def spy_load(self):
        seen.append(self.size)
        return load(self)

    def spy_run(command, *args, **kwargs):
        seen.append(command)
        return run(command, *args, **kwargs)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    monkeypatch.setattr(subprocess, "run", spy_run)
    return seen


def jpeg(size=(64, 48), colour="orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def set_policy(key: str, value) -> None:
    policy_set(acting_user=None, key=key, value=value, effective_from=dt.date(2001, 1, 1))


# ── pictures: held to a budget before decoding ──────────────────────────────────────────


def test_it_refuses_a_10900_pixel_square_png_before_decoding_it(client, charlie, decoded):
    bomb = png_of_one_colour(10900, 10900)
    assert len(bomb) < 400_000  # small on disk, 119 million pixels, ~475 MB decoded
    response = upload(client, charlie, bomb, name="bomb.png")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "attachment_decode_too_large"
    assert body["extra"]["limit"] == 320 * 1024 * 1024 < body["extra"]["cost"]
    assert decoded == []
    assert not Attachment.objects.exists()


def test_it_refuses_too_many_pixels_from_the_header_in_every_format(db, decoded):
    big_png = png_of_one_colour(12000, 11000, "L")  # 132 Mpx, though only 132 MB decoded
    with pytest.raises(ValidationFailed) as error:
        attachment_store(acting_user=None, kind="photo", file=io.BytesIO(big_png))
    assert error.value.code == "attachment_too_many_pixels"
    assert error.value.extra["limit"] == 120_000_000

    # a WebP's canvas is allocated when Pillow opens it: its header is read first
    small = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(small, "WEBP", lossless=True)
    header = bytearray(small.getvalue())
    header[21:25] = (16383 - 1 | (16383 - 1) << 14).to_bytes(4, "little")
    with pytest.raises(ValidationFailed) as error:
        attachment_store(acting_user=None, kind="photo", file=io.BytesIO(bytes(header)))
    assert error.value.code == "attachment_too_many_pixels"
    assert decoded == []
    assert not Attachment.objects.exists()


def test_it_reads_the_canvas_of_every_kind_of_webp_header():
    for options, mode in (({"quality": 80}, "RGB"), ({"lossless": True}, "RGB")):
        out = io.BytesIO()
        Image.new(mode, (1234, 567), "red").save(out, "WEBP", **options)
        assert _webp_size(out.getvalue()) == (1234, 567)
    out = io.BytesIO()  # an ICC profile makes the extended (VP8X) header
    Image.new("RGB", (321, 99), "red").save(out, "WEBP", icc_profile=b"\0" * 128)
    assert out.getvalue()[12:16] == b"VP8X"
    assert _webp_size(out.getvalue()) == (321, 99)


def test_it_accepts_a_12_megapixel_phone_photo(client, charlie):
    response = upload(client, charlie, jpeg((4032, 3024)))
    assert response.status_code == 201
    assert (response.json()["width"], response.json()["height"]) == (2560, 1920)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_it_accepts_a_108_megapixel_jpeg_decoded_at_a_reduced_scale(db):
    data = jpeg((12000, 9000), "grey")
    with Image.open(io.BytesIO(data)) as opened:
        prepare_decoding(opened)
        assert opened.size == (6000, 4500)  # half scale: a quarter of the pixels
    attachment = attachment_store(acting_user=None, kind="photo", file=io.BytesIO(data))
    assert (attachment.width, attachment.height) == (2560, 1920)


def test_it_takes_the_pixel_and_memory_budgets_from_policy(db):
    picture = png_of_one_colour(3000, 3000, "RGBA")  # ~115 MB to decode and shrink
    set_policy("attachments.max_decode_mb", 64)
    with pytest.raises(ValidationFailed) as error:
        attachment_store(acting_user=None, kind="photo", file=io.BytesIO(picture))
    assert error.value.code == "attachment_decode_too_large"
    set_policy("attachments.max_decode_mb", 320)
    set_policy("attachments.max_image_pixels", 8_000_000)
    with pytest.raises(ValidationFailed) as error:
        attachment_store(acting_user=None, kind="photo", file=io.BytesIO(picture))
    assert error.value.code == "attachment_too_many_pixels"
    set_policy("attachments.max_image_pixels", 9_000_000)
    assert attachment_store(acting_user=None, kind="photo", file=io.BytesIO(picture)).width == 2560


def test_it_decodes_under_a_ceiling_the_kernel_enforces(db, monkeypatch):
    """Were the estimate ever too low, the decoding process runs out of room, not the web
    worker: the picture is refused and nothing is stored."""
    picture = png_of_one_colour(4000, 3000, "RGB")  # ~100 MB to decode and shrink
    monkeypatch.setattr(pictures, "prepare_decoding", lambda opened: 0)
    set_policy("attachments.max_decode_mb", 24)
    with pytest.raises(ValidationFailed) as error:
        attachment_store(acting_user=None, kind="photo", file=io.BytesIO(picture))
    assert error.value.code == "attachment_decode_too_large"
    assert not Attachment.objects.exists()

    set_policy("attachments.max_decode_mb", 320)
    assert attachment_store(acting_user=None, kind="photo", file=io.BytesIO(picture)).width == 2560


def test_the_estimate_covers_what_decoding_holds_in_every_format_and_mode():
    """The estimate admits what the ceiling lets through: each picture decodes in a worker
    whose address space may grow by no more than the estimate."""
    noise = Image.effect_noise((1500, 1000), 40)
    rgba = Image.merge("RGBA", [noise, noise, noise, noise])
    cases = [
        (png_of_one_colour(3000, 2000, "RGB"), "PNG"),
        (png_of_one_colour(3000, 2000, "L"), "PNG"),
        (_encoded(rgba, "PNG"), "PNG"),
        (_encoded(noise.convert("RGB"), "WEBP", quality=80), "WEBP"),
        (_encoded(rgba, "WEBP", quality=80), "WEBP"),
        (_encoded(rgba, "WEBP", lossless=True), "WEBP"),
        (_encoded(noise.convert("RGB").resize((6000, 4000)), "JPEG"), "JPEG"),
        (_encoded(noise.convert("RGB"), "JPEG", progressive=True), "JPEG"),
        (_encoded(noise.convert("CMYK"), "JPEG"), "JPEG"),
    ]
    for data, pillow_format in cases:
        with Image.open(io.BytesIO(data)) as opened:
            estimate = prepare_decoding(opened)
        budget = Budget(pixels=10**9, memory=estimate, seconds=30)
        assert picture_clean(data, pillow_format, budget).width > 0


def _encoded(image: Image.Image, pillow_format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, pillow_format, **options)
    return out.getvalue()


# ── sizes per kind ──────────────────────────────────────────────────────────────────────


def test_it_holds_each_kind_to_its_own_size(db):
    pdf = b"%PDF-1.4\n" + bytes(2 * 1024 * 1024)
    assert attachment_store(acting_user=None, kind="document", file=io.BytesIO(pdf)).size
    signature = png_of_one_colour(40, 20) + bytes(1024 * 1024)  # a PNG padded past 1 MB
    with pytest.raises(ValidationFailed) as error:
        attachment_store(acting_user=None, kind="signature", file=io.BytesIO(signature))
    assert error.value.code == "attachment_too_large"
    assert error.value.extra["limit"] == 1024 * 1024
    set_policy("attachments.max_mb.document", 1)
    with pytest.raises(ValidationFailed) as error:
        attachment_store(acting_user=None, kind="document", file=io.BytesIO(pdf + b"1"))
    assert error.value.code == "attachment_too_large"


# ── who may upload ──────────────────────────────────────────────────────────────────────


def test_it_names_only_real_capabilities_as_uploaders():
    assert set(UPLOADERS) == set(Attachment.Kind.values)
    assert set().union(*UPLOADERS.values()) <= set(Capability.values)


@pytest.mark.parametrize(
    "role", [Role.CLEANER, Role.RECEPTION, Role.SECURITY, Role.HOST, Role.INSTALLER]
)
def test_it_refuses_uploads_to_roles_that_cite_no_files(client, org, role):
    user = make_user("someone", role, org.a)
    for kind, data in (("photo", jpeg()), ("signature", png_of_one_colour(40, 20))):
        response = upload(client, user, data, kind=kind)
        assert response.status_code == 403
        assert response.json()["code"] == "attachment_upload_refused"
    assert not Attachment.objects.exists()


def test_it_lets_each_kind_be_uploaded_only_by_who_cites_it(
    client, org, charlie, alice, lena, cathy
):
    lead, service = lena, cathy
    recording = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A isommp42" + bytes(64)
    assert upload(client, charlie, recording, kind="recording").status_code == 403
    assert upload(client, service, recording, kind="recording").status_code == 403
    assert upload(client, lead, recording, kind="recording").status_code == 201
    assert upload(client, service, jpeg(), kind="photo").status_code == 403
    assert upload(client, lead, jpeg(), kind="photo").status_code == 201
    assert upload(client, charlie, png_of_one_colour(40, 20), kind="signature").status_code == 201
    # documents are made by Ruhu: not even the administrator uploads one
    response = upload(client, alice, b"%PDF-1.4\n%%EOF\n", kind="document")
    assert response.status_code == 403
    assert Attachment.objects.count() == 3


def test_every_role_that_writes_records_with_photos_may_upload_one():
    photo_takers = {
        role for role, capabilities in CAPABILITIES.items() if capabilities & UPLOADERS["photo"]
    }
    assert photo_takers == {
        Role.INSPECTOR,
        Role.REPAIRER,
        Role.REVIEWER,
        Role.INSPECTION_LEAD,
        Role.SAFETY_SUPERVISION,
        Role.MANAGER,
        Role.ADMIN,
    }


# ── the rate ────────────────────────────────────────────────────────────────────────────


def test_it_answers_429_after_the_uploads_a_minute_allows_and_recovers(client, charlie):
    set_policy("attachments.rate.uploads_per_minute", 3)
    with time_machine.travel(START, tick=False) as clock:
        for colour in ("red", "green", "blue"):
            assert upload(client, charlie, jpeg(colour=colour)).status_code == 201
        refused = upload(client, charlie, jpeg(colour="white"))
        assert refused.status_code == 429
        # the window slides in 4-second steps: the three leave it once 10:00:08 is a minute old
        assert refused["Retry-After"] == "63"
        body = refused.json()
        assert body["code"] == "rate_limited" and body["extra"]["retry_after"] == 63
        assert set(body) == {"message", "code", "extra"}
        assert Attachment.objects.count() == 3

        clock.shift(dt.timedelta(seconds=62))
        assert upload(client, charlie, jpeg(colour="white")).status_code == 429
        clock.shift(dt.timedelta(seconds=1))
        assert upload(client, charlie, jpeg(colour="white")).status_code == 201


def test_it_counts_each_user_on_their_own(client, org, charlie):
    other = make_user("carl", Role.INSPECTOR, org.team_a)
    set_policy("attachments.rate.uploads_per_minute", 1)
    with time_machine.travel(START, tick=False):
        assert upload(client, charlie, jpeg(colour="red")).status_code == 201
        assert upload(client, charlie, jpeg(colour="blue")).status_code == 429
        assert upload(client, other, jpeg(colour="blue")).status_code == 201


def test_it_limits_the_bytes_an_hour(client, charlie):
    set_policy("attachments.rate.mb_per_hour", 1)
    padded = png_of_one_colour(40, 20) + bytes(600 * 1024)  # readers stop at the PNG's end
    with time_machine.travel(START, tick=False) as clock:
        assert upload(client, charlie, padded, name="a.png").status_code == 201
        again = upload(client, charlie, padded + b"1", name="b.png")
        assert again.status_code == 429
        # 4-minute steps: the first upload's step (10:00–10:04) leaves the hour at 11:04
        assert again["Retry-After"] == str(3600 + 240 - 5)
        clock.shift(dt.timedelta(seconds=3600 + 240 - 5))
        assert upload(client, charlie, padded + b"1", name="b.png").status_code == 201


def test_it_refuses_uploads_when_the_counter_cannot_be_reached(client, charlie, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", down)
    response = upload(client, charlie, jpeg())
    assert response.status_code == 503
    assert response.json()["code"] == "rate_limit_unavailable"
    assert response["Retry-After"] == "60"
    assert not Attachment.objects.exists()


def test_a_refused_role_uses_none_of_its_rate(client, org, charlie):
    cleaner = make_user("cleo", Role.CLEANER, org.team_a)
    set_policy("attachments.rate.uploads_per_minute", 1)
    with time_machine.travel(START, tick=False):
        assert upload(client, cleaner, jpeg()).status_code == 403
        assert (
            client.post(
                "/api/v1/attachments",
                {"kind": "photo", "file": SimpleUploadedFile("p.jpg", jpeg())},
                **bearer(charlie),
            ).status_code
            == 201
        )
