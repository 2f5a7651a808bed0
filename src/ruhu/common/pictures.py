"""Pictures as uploads: held to a budget before one pixel is decoded, then decoded under a
ceiling and cleaned.

A picture's width and height come from its header. Before it is decoded they are held to
a pixel budget, and the memory that decoding, shrinking and re-encoding it will hold at
once is estimated (`prepare_decoding`) and held to a memory budget; both are policy
values (docs/decisions/0015-upload-limits.md). A JPEG is decoded at the smallest scale that
still fills MAX_SIDE, so a large phone photo costs little; PNG and WebP have no such
scale, so the memory budget admits them at fewer pixels.

The decoding itself runs in a process of its own (`picture_worker`) whose address space and
CPU time the kernel limits to the budget, so a decoder that takes more than estimated is
refused there and the web worker's memory stays as it was. It reads the capture time and
position from EXIF, drops every piece of metadata (only the colour profile and
transparency survive), scales the picture down and turns it upright.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from ruhu.common import picture_worker
from ruhu.common.errors import ValidationFailed
from ruhu.common.policy import policy_get

MAX_SIDE = 2560
MB = 1024 * 1024
# Pillow's reducing gap in `thumbnail`: it first reduces by whole factors down to at most
# twice the target, then resamples.
REDUCING_GAP = 2
# The encoder's buffers, the EXIF, Pillow's bookkeeping and what the allocator keeps back.
DECODE_OVERHEAD = 32 * MB
# libwebp decodes into a canvas it allocates when the file is opened, copies it into a
# second one for the next frame and hands Pillow a copy of the frame: 4 bytes per pixel
# each, besides Pillow's own picture.
WEBP_BUFFERS = 12
# A WebP's alpha is a second, lossless picture decoded on its own; a noisy one costs up to
# this much more again (measured).
WEBP_ALPHA_BUFFERS = 12
WEBP_ALPHA_OVERHEAD = 32 * MB

# Wall-clock time the worker may take beyond its CPU time (starting, waiting for a core).
WALL_MARGIN_SECONDS = 10


@dataclass(frozen=True)
class Picture:
    data: bytes
    width: int
    height: int
    taken_at: dt.datetime | None
    latitude: Decimal | None
    longitude: Decimal | None


@dataclass(frozen=True)
class Budget:
    """What decoding one picture may cost, known before a single pixel is decoded."""

    pixels: int  # width × height as the file's header states them
    memory: int  # bytes that decoding, shrinking and re-encoding may hold at once
    seconds: int  # CPU time the decoding may take

    @classmethod
    def from_policy(cls, *, branch_id: int | None) -> Budget:
        return cls(
            pixels=int(policy_get("attachments.max_image_pixels", branch=branch_id)),
            memory=int(policy_get("attachments.max_decode_mb", branch=branch_id)) * MB,
            seconds=int(policy_get("attachments.max_decode_seconds", branch=branch_id)),
        )


def _pixel_bytes(mode: str) -> int:
    """Bytes per pixel as Pillow holds a decoded picture: bilevel, grey and palette take one,
    16-bit grey two, every other mode four (RGB is padded to 32 bits)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _jpeg_coefficients(opened: Image.Image) -> int:
    """libjpeg decodes a progressive JPEG in passes over coefficients it keeps for the whole
    picture at full size, whatever the output scale: two bytes per sample of each component."""
    if opened.format != "JPEG" or not opened.info.get("progressive"):
        return 0
    layers = getattr(opened, "layer", None) or [("", 1, 1, 0)] * len(opened.getbands())
    h_max = max(layer[1] for layer in layers)
    v_max = max(layer[2] for layer in layers)
    width, height = opened.size
    samples = sum(
        math.ceil(width * h / h_max / 8) * math.ceil(height * v / v_max / 8) * 64
        for _, h, v, _ in layers
    )
    return 2 * samples


def _shrinking_cost(width: int, height: int, per_pixel: int) -> int:
    """What `thumbnail` allocates besides the decoded picture: the reduced copy, the
    horizontal pass of the resampling and the result."""
    scale = MAX_SIDE / max(width, height)
    if scale >= 1:
        return 0
    target_w, target_h = max(1, round(width * scale)), max(1, round(height * scale))
    factor_x = max(1, int(width / target_w / REDUCING_GAP))
    factor_y = max(1, int(height / target_h / REDUCING_GAP))
    reduced_h = math.ceil(height / factor_y)
    reduced = 0 if factor_x == factor_y == 1 else math.ceil(width / factor_x) * reduced_h
    return (reduced + target_w * reduced_h + target_w * target_h) * per_pixel


def _decoded_cost(opened: Image.Image) -> int:
    width, height = opened.size
    per_pixel = _pixel_bytes(opened.mode)
    decoded = width * height * per_pixel
    if opened.mode in ("LA", "RGBA"):  # resampling works on a premultiplied full-size copy
        decoded *= 2
    if opened.format == "WEBP":
        decoded += WEBP_BUFFERS * width * height
        if "A" in opened.mode:
            decoded += WEBP_ALPHA_BUFFERS * width * height + WEBP_ALPHA_OVERHEAD
    return decoded + _shrinking_cost(width, height, per_pixel) + DECODE_OVERHEAD


def prepare_decoding(opened: Image.Image) -> int:
    """Set a just-opened picture to decode at the smallest scale that still fills MAX_SIDE
    (only a JPEG has such scales) and return the most memory, in bytes, that decoding,
    shrinking and re-encoding it will hold at once: an upper bound measured against
    Pillow 13 on each accepted format and mode (tests/common/test_upload_limits.py
    measures it again)."""
    coefficients = _jpeg_coefficients(opened)  # at full size, so before the draft
    if opened.format == "JPEG":
        opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode big photos at 1/2..1/8
    return _decoded_cost(opened) + coefficients


def _webp_size(data: bytes) -> tuple[int, int]:
    """A WebP's canvas from its first chunk's header: libwebp allocates the canvas as soon
    as Pillow opens the file, so its size is checked before that."""
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = int.from_bytes(data[26:28], "little"), int.from_bytes(data[28:30], "little")
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + (bits >> 14 & 0x3FFF)
    raise ValueError("no WebP image header")


def _check_pixels(size: tuple[int, int], budget: Budget) -> None:
    width, height = size
    if width * height > budget.pixels:
        raise ValidationFailed(
            _(
                "图片像素过多（%(width)s×%(height)s），不能超过 %(megapixels).0f 百万像素，"
                "请降低分辨率后重新上传"
            )
            % {"width": width, "height": height, "megapixels": budget.pixels / 1e6},
            code="attachment_too_many_pixels",
            width=width,
            height=height,
            limit=budget.pixels,
        )


def _check_memory(cost: int, budget: Budget) -> None:
    if cost > budget.memory:
        raise ValidationFailed(
            _("图片尺寸过大，解码所需内存超过上限，请降低分辨率或改用 JPEG 后重新上传"),
            code="attachment_decode_too_large",
            cost=cost,
            limit=budget.memory,
        )


def _check_header(data: bytes, pillow_format: str, budget: Budget) -> None:
    """Hold the picture to the budget from its header, not one pixel decoded."""
    if pillow_format == "WEBP":
        _check_pixels(_webp_size(data), budget)
    with warnings.catch_warnings():  # Pillow's warning of large pictures: the budget decides
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        opened = Image.open(io.BytesIO(data), formats=[pillow_format])
    with opened:
        _check_pixels(opened.size, budget)
        _check_memory(prepare_decoding(opened), budget)


def _decode_too_large(budget: Budget) -> ValidationFailed:
    return ValidationFailed(
        _("图片解码超出内存或时间上限，请降低分辨率或改用 JPEG 后重新上传"),
        code="attachment_decode_too_large",
        limit=budget.memory,
    )


def _unreadable() -> ValidationFailed:
    return ValidationFailed(_("图片文件已损坏或无法读取"), code="attachment_unreadable")


def _decode(data: bytes, pillow_format: str, budget: Budget) -> tuple[dict[str, Any], bytes]:
    """Run `picture_worker` on the picture: its values and the re-encoded bytes."""
    command = [sys.executable, "-I", picture_worker.__file__, pillow_format]
    command += [str(budget.memory), str(budget.seconds), str(MAX_SIDE)]
    try:
        done = subprocess.run(  # noqa: S603 (our own script, arguments we made)
            command,
            input=data,
            capture_output=True,
            env={},
            timeout=budget.seconds + WALL_MARGIN_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _decode_too_large(budget) from None
    if done.returncode == picture_worker.UNREADABLE:
        raise _unreadable()
    if done.returncode != 0:  # out of memory, out of CPU time, or killed for either
        raise _decode_too_large(budget)
    header, _newline, stored = done.stdout.partition(b"\n")
    return json.loads(header), stored


def _exif_offset(raw: Any) -> dt.tzinfo | None:
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", str(raw or "").strip("\x00 "))
    if not match:
        return None
    sign = -1 if match[1] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(match[2]), minutes=int(match[3])))


def _taken_at(raw: str | None, offset: str | None) -> dt.datetime | None:
    """DateTimeOriginal, in its recorded offset or else in the installation's zone."""
    if not isinstance(raw, str):
        return None
    try:
        naive = dt.datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = _exif_offset(offset)
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


def _position(values: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    latitude = _coordinate(values.get("latitude"), values.get("latitude_ref"), "S", 90)
    longitude = _coordinate(values.get("longitude"), values.get("longitude_ref"), "W", 180)
    # Phones without a fix write zeros; 0,0 is in the Gulf of Guinea, not at a customer.
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None, None
    return latitude, longitude


def picture_clean(data: bytes, pillow_format: str, budget: Budget) -> Picture:
    """Hold the picture to `budget`, then decode it under that ceiling: its EXIF time and
    position, and the picture shrunk, upright and without metadata, in `pillow_format`."""
    try:
        _check_header(data, pillow_format, budget)
    except Image.DecompressionBombError:  # Pillow's own ceiling, above any sane policy
        raise ValidationFailed(
            _("图片像素过多，请降低分辨率后重新上传"), code="attachment_too_many_pixels"
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise _unreadable() from None
    values, stored = _decode(data, pillow_format, budget)
    latitude, longitude = _position(values)
    taken_at = _taken_at(values.get("taken"), values.get("offset"))
    return Picture(stored, values["width"], values["height"], taken_at, latitude, longitude)
