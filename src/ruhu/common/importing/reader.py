"""Reading an import file: the encoding of a CSV, the rows of an XLSX.

`xlsx_rows` yields (line number, list of cell texts), header first, without holding the
workbook in memory. Line numbers are the ones a person sees in a spreadsheet (the header
is line 1). A large CSV is cut into chunks as bytes by `chunks`; a small file is read
whole by `file_rows`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from ruhu.common.errors import ValidationFailed

SNIFF_BYTES = 1 << 20
XLSX_MAGIC = b"PK\x03\x04"  # an XLSX workbook is a zip file
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (an OLE compound file)


def is_xlsx(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == XLSX_MAGIC


def refuse_old_excel(path: Path) -> None:
    with open(path, "rb") as fh:
        if fh.read(len(XLS_MAGIC)) == XLS_MAGIC:
            raise ValidationFailed(
                _("不支持 Excel 97-2003（.xls）文件，请另存为 XLSX 或 CSV"), code="import_file_type"
            )


def decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ValidationFailed(
            _("文件编码错误：按 %(encoding)s 无法读取，请另存为 UTF-8 或 GB18030")
            % {"encoding": encoding},
            code="import_encoding",
        ) from None


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the first megabyte decodes as such, else GB18030."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises several kinds for a file that is not a workbook
        raise ValidationFailed(_("无法读取该 XLSX 文件"), code="import_unreadable") from None
    try:
        sheet = workbook.worksheets[0]
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell_text(value) for value in row]
    finally:
        workbook.close()


def file_rows(path: Path, *, max_csv_bytes: int) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of every record of a small file, header first: an XLSX row by row, a
    CSV of at most `max_csv_bytes` decoded whole."""
    if not path.exists():
        raise ValidationFailed(
            _("文件不存在：%(name)s") % {"name": path.name}, code="import_missing"
        )
    if is_xlsx(path):
        return xlsx_rows(path)
    refuse_old_excel(path)
    if path.stat().st_size > max_csv_bytes:
        raise ValidationFailed(_("文件过大，请分成几个文件导入"), code="import_too_large")
    return _csv_records(decode(path.read_bytes(), detect_encoding(path)))


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    except csv.Error as exc:
        raise ValidationFailed(
            _("CSV 格式错误：%(problem)s") % {"problem": exc}, code="import_csv"
        ) from None


def file_sha256(path: Path) -> str:
    """What an import's audit event records of its file: its SHA-256, never its rows."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
