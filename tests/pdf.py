"""Reading the text back out of the PDFs the application prints."""

from __future__ import annotations

import base64
import re
import zlib


def pdf_text(data: bytes) -> str:
    """The text of a ReportLab PDF, read back through each font's ToUnicode map (the PDF
    draws glyph codes of a font subset, never the characters themselves)."""
    objects = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}

    def stream(body: bytes) -> bytes:
        head, _, rest = body.partition(b"stream")
        raw = rest.split(b"endstream")[0].strip(b"\r\n")
        if b"/ASCII85Decode" in head:
            raw = base64.a85decode(raw.strip().removesuffix(b"~>"))
        return zlib.decompress(raw) if b"/FlateDecode" in head else raw

    maps: dict[bytes, dict[int, str]] = {}
    for body in objects.values():
        font = re.search(rb"/Name /(\S+).*?/ToUnicode (\d+) 0 R", body, re.S)
        if b"/Type /Font" in body and font:
            cmap = stream(objects[int(font.group(2))])
            pairs = re.findall(rb"<([0-9a-fA-F]{2})>\s*<([0-9a-fA-F]{4,})>", cmap)
            maps[font.group(1)] = {
                int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
                for code, text in pairs
            }
    contents = [int(n) for n in re.findall(rb"/Contents (\d+) 0 R", data)]
    text, current = [], {}
    token = re.compile(rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)", re.S)
    for number in contents:
        for match in token.finditer(stream(objects[number])):
            if match.group(1):
                current = maps.get(match.group(1), {})
                continue
            raw = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m.group(1), 8)]) if m.group(1).isdigit() else m.group(1),
                match.group(2),
            )
            text.append("".join(current.get(byte, "") for byte in raw))
    return "".join(text)
