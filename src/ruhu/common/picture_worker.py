"""Decode, shrink and re-encode one uploaded picture in a process of its own, under limits the
kernel enforces: `python -I picture_worker.py FORMAT MEMORY_BYTES CPU_SECONDS MAX_SIDE`,
the picture on stdin.

Run by `ruhu.common.pictures`, which has already held the picture's header to the budget.
This process adds the ceiling: its address space may grow by at most MEMORY_BYTES and it may
use at most CPU_SECONDS, so a decoder that takes more than estimated fails here, not in the
web worker, whose memory also stays as it was. It imports nothing but the standard library
and Pillow, and answers on stdout with one JSON line (size and the raw EXIF values Ruhu
keeps), then the re-encoded picture. Exit status 2: unreadable; 3: out of memory.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
from typing import Any

from PIL import ExifTags, Image, ImageOps

# The three formats' plugins, loaded before the limits are set (and so that opening a WebP
# does not load every plugin Pillow has).
from PIL import JpegImagePlugin, PngImagePlugin, WebPImagePlugin  # noqa: F401  # isort: skip

UNREADABLE = 2
OUT_OF_MEMORY = 3

SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 85, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85},
}

# Image.info entries that are no one's personal data and change how the picture looks.
KEPT_INFO = ("icc_profile", "transparency")


def _limit(memory: int, cpu_seconds: int) -> None:
    """From here on the address space may grow by `memory` bytes, the CPU time is capped."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    ceiling = pages * os.sysconf("SC_PAGE_SIZE") + memory
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _numbers(value: Any) -> list[float | None] | None:
    try:
        return [_number(part) for part in value]
    except TypeError:
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _exif_values(exif: Image.Exif) -> dict[str, Any]:
    """The EXIF values Ruhu keeps, raw: the capture time and its offset, the position."""
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    return {
        "taken": _text(ifd.get(ExifTags.Base.DateTimeOriginal)),
        "offset": _text(ifd.get(ExifTags.Base.OffsetTimeOriginal)),
        "latitude": _numbers(gps.get(ExifTags.GPS.GPSLatitude)),
        "latitude_ref": _text(gps.get(ExifTags.GPS.GPSLatitudeRef)),
        "longitude": _numbers(gps.get(ExifTags.GPS.GPSLongitude)),
        "longitude_ref": _text(gps.get(ExifTags.GPS.GPSLongitudeRef)),
    }


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


def clean(data: bytes, pillow_format: str, max_side: int) -> tuple[dict[str, Any], bytes]:
    """The picture's EXIF values, then the picture shrunk, upright and without metadata."""
    with Image.open(io.BytesIO(data), formats=[pillow_format]) as opened:
        if pillow_format == "JPEG":
            opened.draft("RGB", (max_side, max_side))  # decode big photos at 1/2..1/8
        values = _exif_values(opened.getexif())
        # Shrink first, then turn upright: turning copies the picture, the small one.
        opened.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        image = ImageOps.exif_transpose(opened)
        stored = _encode(image, pillow_format)
    return {"width": image.width, "height": image.height, **values}, stored


def main(argv: list[str]) -> int:
    pillow_format, memory, cpu_seconds, max_side = argv[0], *map(int, argv[1:4])
    data = sys.stdin.buffer.read()
    Image.MAX_IMAGE_PIXELS = None  # the caller has held the size to its own budget
    _limit(memory, cpu_seconds)
    try:
        values, stored = clean(data, pillow_format, max_side)
    except MemoryError:
        return OUT_OF_MEMORY
    except (OSError, SyntaxError, ValueError):
        return UNREADABLE
    sys.stdout.buffer.write(json.dumps(values).encode() + b"\n" + stored)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
