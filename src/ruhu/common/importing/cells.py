"""The cells of a chunk column by column, which is how an import's checks read them.

Most exports have no quote character at all. Without one, a comma always ends a field and
a newline always ends a record, so plain string methods find exactly the fields
`csv.reader` finds; and when every record of the chunk has the same number of fields, each
column is cut from one flat list of the chunk's fields by slicing, without a Python step
per record (a mark before each newline proves that every record has that number). A chunk
with a quote, a bare carriage return, a NUL, records of different lengths or a record that
may be blank takes the general way: blank records dropped, short records padded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ruhu.common.importing.chunks import Chunk
from ruhu.common.importing.reader import decode

Numbered = list[tuple[int, list[str]]]
END = "\x1e"  # marks the end of each record of a plain chunk (record separator)


def chunk_columns(chunk: Chunk, wanted: Sequence[int]) -> tuple[Sequence[int], list[Sequence[str]]]:
    """Line numbers of the chunk's non-blank records and, for each field index in `wanted`,
    that field of each of them ("" where a record is shorter)."""
    if chunk.rows:
        return _by_records(list(chunk.rows), wanted)
    text = decode(chunk.data, chunk.encoding)
    plain = _plain_text(text)
    if plain is None:
        records = list(csv.reader(io.StringIO(text, newline="")))
        return _by_records(list(enumerate(records, chunk.first_line)), wanted)
    count = plain.count("\n")
    width = plain.count(",", 0, plain.find("\n")) + 1
    # each record ends with END before its newline's comma: when every record has `width`
    # fields, the END of all `count` records lie in the last field of each
    flat = plain.replace("\n", END + ",").split(",")
    flat.pop()  # after the last newline
    lasts = flat[width - 1 :: width]
    if (
        len(flat) != count * width
        or "".join(lasts).count(END) != count
        or _may_be_blank(flat[::width])
    ):
        split = [record.split(",") for record in plain[:-1].split("\n")]
        return _by_records(list(enumerate(split, chunk.first_line)), wanted)
    flat[width - 1 :: width] = [last[:-1] for last in lasts]
    lines = range(chunk.first_line, chunk.first_line + count)
    return lines, [flat[index::width] if index < width else ("",) * count for index in wanted]


def _plain_text(text: str) -> str | None:
    """The chunk's text with each record ended by a newline, when none has a quote, a bare
    CR, a NUL or END."""
    if '"' in text or "\x00" in text or END in text:
        return None
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    return text if not text or text.endswith("\n") else text + "\n"


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


def _may_be_blank(firsts: list[str]) -> bool:
    """False when no record can be blank: none starts with a space, and no first field is
    empty (a blank record has nothing but spaces and commas)."""
    return any(not first or first == END or first.isspace() for first in {f[:1] for f in firsts})
