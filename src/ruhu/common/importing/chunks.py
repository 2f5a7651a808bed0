"""Cutting an import file into chunks of whole records that worker processes check alone.

A CSV is cut as bytes, never parsed here: a cut goes after a newline that has an even
number of quote characters before it (so it is not inside a quoted field). That holds for
UTF-8 and GB18030 alike, whose multi-byte characters never contain a newline or a quote
byte. Each chunk knows the number of its first record, the line a person sees in a
spreadsheet (the header is line 1). An XLSX is read by openpyxl here and sent in batches.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from ruhu.common.errors import ValidationFailed
from ruhu.common.importing.reader import (
    decode,
    detect_encoding,
    is_xlsx,
    refuse_old_excel,
    xlsx_rows,
)

CHUNK_BYTES = 1 << 20
XLSX_BATCH = 5000


@dataclass(frozen=True)
class Chunk:
    first_line: int
    encoding: str = ""
    data: bytes = b""  # CSV: whole records
    rows: tuple[tuple[int, list[str]], ...] = ()  # XLSX: (line, cells)


def records_in(data: bytes) -> int:
    """How many records csv.reader yields for `data` (whole records, quotes balanced)."""
    newlines = data.count(b"\n")
    if b'"' in data:
        newlines -= sum(part.count(b"\n") for part in data.split(b'"')[1::2])
    return newlines + (0 if not data or data.endswith(b"\n") else 1)


def _cut(buffer: bytes, final: bool) -> int:
    """Length of the longest prefix of `buffer` that ends with a whole record."""
    if final:
        return len(buffer)
    end = buffer.rfind(b"\n")
    if b'"' not in buffer:
        return end + 1
    while end >= 0 and buffer.count(b'"', 0, end) % 2:
        end = buffer.rfind(b"\n", 0, end)
    return end + 1


def csv_chunks(path: Path) -> tuple[list[str], Iterator[Chunk]]:
    """The header cells, and the data records in chunks."""
    encoding = detect_encoding(path)
    fh = open(path, "rb")  # noqa: SIM115 - closed by the generator below
    buffer = fh.read(CHUNK_BYTES)
    if encoding == "utf-8-sig":
        buffer, encoding = buffer[len(codecs.BOM_UTF8) :], "utf-8"
    while True:
        end = _cut(buffer, final=False)
        more = b"" if end else fh.read(CHUNK_BYTES)
        if end or not more:
            break
        buffer += more
    header_end = buffer.find(b"\n") + 1 if end else len(buffer)
    while buffer.count(b'"', 0, header_end) % 2 and header_end < len(buffer):
        header_end = buffer.find(b"\n", header_end) + 1 or len(buffer)
    header_rows = list(csv.reader(io.StringIO(decode(buffer[:header_end], encoding), newline="")))
    header = header_rows[0] if header_rows else []

    def chunks() -> Iterator[Chunk]:
        rest, line = buffer[header_end:], 2
        try:
            while True:
                more = fh.read(CHUNK_BYTES)
                rest += more
                end = _cut(rest, final=not more)
                if end:
                    data, rest = rest[:end], rest[end:]
                    yield Chunk(first_line=line, encoding=encoding, data=data)
                    line += records_in(data)
                if not more:
                    return
        finally:
            fh.close()

    return header, chunks()


def xlsx_chunks(path: Path) -> tuple[list[str], Iterator[Chunk]]:
    rows = xlsx_rows(path)
    try:
        _line, header = next(rows)
    except StopIteration:
        header = []

    def chunks() -> Iterator[Chunk]:
        batch: list[tuple[int, list[str]]] = []
        for line, cells in rows:
            batch.append((line, cells))
            if len(batch) >= XLSX_BATCH:
                yield Chunk(first_line=batch[0][0], rows=tuple(batch))
                batch = []
        if batch:
            yield Chunk(first_line=batch[0][0], rows=tuple(batch))

    return header, chunks()


def file_chunks(path: Path) -> tuple[list[str], Iterator[Chunk]]:
    if not path.exists():
        raise ValidationFailed(
            _("文件不存在：%(name)s") % {"name": path.name}, code="import_missing"
        )
    if is_xlsx(path):
        return xlsx_chunks(path)
    refuse_old_excel(path)
    return csv_chunks(path)
