"""The cells of a chunk column by column, which is how an import's checks read them.

Most exports have no quote character at all. Without one, a comma always ends a field and
a newline always ends a record, so plain string methods find exactly the fields
`csv.reader` finds; and when every record of the chunk has the same number of fields, each
column is cut from one flat list of the chunk's fields by slicing, without a Python step
per record. A chunk with a quote, a bare carriage return, a NUL or a record that may be
blank takes the general way: `csv.reader`, blank records dropped, short records padded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from itertools import repeat

from ruhu.common.importing.chunks import Chunk
from ruhu.common.importing.reader import decode

Numbered = list[tuple[int, list[str]]]


def chunk_columns(chunk: Chunk, wanted: Sequence[int]) -> tuple[Sequence[int], list[Sequence[str]]]:
    """Line numbers of the chunk's non-blank records and, for each field index in `wanted`,
    that field of each of them ("" where a record is shorter)."""
    if chunk.rows:
        return _by_records(list(chunk.rows), wanted)
    text = decode(chunk.data, chunk.encoding)
    plain = _plain_records(text)
    if plain is None:
        records = list(csv.reader(io.StringIO(text, newline="")))
        return _by_records(list(enumerate(records, chunk.first_line)), wanted)
    if _may_be_blank(plain) or len(set(map(str.count, plain, repeat(",")))) > 1:
        split = [record.split(",") for record in plain]
        return _by_records(list(enumerate(split, chunk.first_line)), wanted)
    count = len(plain)
    lines = range(chunk.first_line, chunk.first_line + count)
    if not count:
        return lines, [() for _ in wanted]
    width = plain[0].count(",") + 1
    flat = ",".join(plain).split(",")
    return lines, [flat[index::width] if index < width else ("",) * count for index in wanted]


def _plain_records(text: str) -> list[str] | None:
    """The records of a chunk as lines, when none has a quote, a bare CR or a NUL."""
    if '"' in text or "\x00" in text:
        return None
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    if not text:
        return []
    return (text[:-1] if text.endswith("\n") else text).split("\n")


def _by_records(numbered: Numbered, wanted: Sequence[int]) -> tuple[list[int], list[Sequence[str]]]:
    kept = [
        (line, cells)
        for line, cells in numbered
        if (joined := "".join(cells)) and not joined.isspace()
    ]
    lines = [line for line, _ in kept]
    if not kept:
        return lines, [() for _ in wanted]
    width = max(wanted, default=-1) + 1
    rows = [cells for _, cells in kept]
    if min(map(len, rows)) < width:
        rows = [cells + [""] * (width - len(cells)) for cells in rows]
    transposed = list(zip(*rows, strict=False))
    return lines, [transposed[index] for index in wanted]


def _may_be_blank(records: list[str]) -> bool:
    """False when no record can be blank: none starts with a comma or a space, and none is
    empty (a blank record has nothing but these)."""
    return any(not first or first == "," or first.isspace() for first in {r[:1] for r in records})
