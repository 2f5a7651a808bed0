"""Crafted pictures for the upload-limit tests: large in pixels, small on disk, cheap to make."""

from __future__ import annotations

import functools
import struct
import zlib

PNG_COLOUR_TYPES = {"L": (0, 1), "RGB": (2, 3), "RGBA": (6, 4)}
ROWS_PER_SEGMENT = 100


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def png_of_one_colour(width: int, height: int, mode: str = "RGB") -> bytes:
    """A valid PNG of black pixels whose image data inflates to width × height pixels.

    Rather than deflating every row, one segment of rows is deflated once with a full flush
    (so it refers to nothing before it) and repeated; the zlib checksum is of the whole."""
    colour_type, channels = PNG_COLOUR_TYPES[mode]
    row = bytes(1 + width * channels)  # filter byte 0 and black samples
    segments, rest = divmod(height, ROWS_PER_SEGMENT)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = deflate.compress(row * ROWS_PER_SEGMENT) + deflate.flush(zlib.Z_FULL_FLUSH)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = deflate.compress(row * rest) + deflate.flush()
    checksum = 1
    for _ in range(height):
        checksum = zlib.adler32(row, checksum)
    stream = b"\x78\xda" + segment * segments + tail + struct.pack(">I", checksum)
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", stream)
        + _chunk(b"IEND", b"")
    )
