"""Text stays text in every XLSX and CSV that Ruhu writes: no cell becomes a formula.

openpyxl stores any string that starts with "=" as a formula, and "#N/A" and its kind as
error values; a spreadsheet program runs a CSV field that starts with = + - @, a tab or
a carriage return as a formula (OWASP, "CSV injection"). An address, a community or a
call note typed as `=HYPERLINK(...)` must reach the regulator as the text it was.

- XLSX: `xlsx_row` turns such a string into a text cell (data type "s", with Excel's
  quote prefix, so that editing the cell keeps it text). Other values pass unchanged:
  numbers stay numbers and dates dates.
- CSV: `csv_writer` prefixes such a string with a single quote; numbers pass unchanged.

Files that imitate a billing system's export for the import (`ruhu synth`, the demo)
are import input, not output: their XLSX rows go through `xlsx_row` (types only), their
CSV is left as the importer must read it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_row(sheet, values: Iterable[Any]) -> list[Any]:
    """`values` ready for `sheet.append` (normal or write-only sheet)."""
    from openpyxl.cell.cell import ERROR_CODES, Cell  # not at import: Django starts faster

    def text_cell(text: str) -> Cell:
        cell = Cell(
            sheet, row=1, column=1, value=text
        )  # openpyxl takes it for a formula or an error here…
        cell.data_type = "s"  # …and this says text
        cell.quotePrefix = True
        return cell

    return [
        text_cell(value)
        if isinstance(value, str) and (value.startswith(FORMULA_STARTS) or value in ERROR_CODES)
        else value
        for value in values
    ]


def csv_value(value: Any) -> Any:
    """A CSV field: text a spreadsheet would run gets a leading quote; the rest unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer whose rows go through `csv_value`."""

    def __init__(self, stream, **options: Any):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_value(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **options: Any) -> SafeCsvWriter:
    return SafeCsvWriter(stream, **options)
