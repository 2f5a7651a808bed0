"""An import chunk's cells, column by column: the plain-string way for quote-free CSV finds
exactly what csv.reader finds (blank records dropped, short records padded)."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from ruhu.common.importing.cells import chunk_columns
from ruhu.common.importing.chunks import Chunk

WANTED = [0, 1, 3]


def expected(text: str, first_line: int) -> tuple[list[int], list[list[str]]]:
    records = enumerate(csv.reader(io.StringIO(text, newline="")), first_line)
    kept = [(line, cells) for line, cells in records if "".join(cells).strip()]
    return [line for line, _ in kept], [
        [cells[index] if index < len(cells) else "" for _, cells in kept] for index in WANTED
    ]


def got(text: str, first_line: int) -> tuple[list[int], list[list[str]]]:
    lines, columns = chunk_columns(
        Chunk(first_line=first_line, encoding="utf-8", data=text.encode()), WANTED
    )
    return list(lines), [list(column) for column in columns]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a", "王", ",", "\n", " ", "\u3000", "\t", "\r\n", "\r", '"', "\x00", "\x1e"]
        )
    ).map("".join),
    st.integers(2, 9),
)
def test_the_cells_of_a_chunk_are_those_csv_reader_finds(text, first_line):
    assert got(text, first_line) == expected(text, first_line)


def test_a_plain_chunk_of_equal_records_is_cut_into_columns():
    text = "A1,王伟,x,13800000000\r\nA2,李娜,y,\r\nA3,张,z,1\r\n"
    assert got(text, 2) == (
        [2, 3, 4],
        [["A1", "A2", "A3"], ["王伟", "李娜", "张"], ["13800000000", "", "1"]],
    )


def test_short_records_and_blank_ones_in_a_plain_chunk():
    text = "A1,王伟\n,,,\n\nA2,李娜,y,9,extra\n  \n"
    assert got(text, 2) == ([2, 5], [["A1", "A2"], ["王伟", "李娜"], ["", "9"]])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "王", ",", "\n", " ", "\u3000", "\t", "\r\n", "b,c", "d\n"])))
def test_the_plain_way_agrees_with_csv_reader(parts):
    text = "".join(parts)
    assert got(text, 2) == expected(text, 2)
