"""The chain's head, exported once a day for safekeeping outside the database, and read
back from such files (see ruhu.common.ledger: `ruhu ledger verify --head FILE`).
`ruhu.common.ledger` re-exports the public names of this module.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ruhu.common.audit import audit_record
from ruhu.common.ledger_chain import HEX64, ZERO_HASH, ledger_head, lock_chain
from ruhu.common.models import LedgerHeadExport


@dataclass(frozen=True)
class ExportedHead:
    """A head that was exported: the chain must still have this hash at this seq."""

    seq: int
    entry_hash: str
    kind: str = ""
    record_id: str = ""


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _free_path(folder: Path, day: dt.date) -> Path:
    """head-DAY.json, or head-DAY.2.json … when a file of that day is already there.

    An existing file is never overwritten: if the database was put back to an older state,
    the file written before is the evidence of what the chain was.
    """
    path = folder / f"head-{day:%Y-%m-%d}.json"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"head-{day:%Y-%m-%d}.{number}.json"
    return path


@transaction.atomic
def ledger_head_export(*, on: dt.date | None = None) -> LedgerHeadExport:
    """Write the chain's head to a file for safekeeping and record it; once a day.

    A second call for the same day returns that day's export and writes nothing.
    """
    day = on or timezone.localdate()
    lock_chain()
    existing = LedgerHeadExport.objects.filter(exported_on=day).first()
    if existing is not None:
        return existing
    head = ledger_head()
    now = timezone.now()
    seq, entry_hash = (head.seq, head.entry_hash) if head else (0, ZERO_HASH)
    content = {
        "seq": seq,
        "entry_hash": entry_hash,
        "exported_at": timezone.localtime(now).isoformat(),
        "kind": head.kind if head else "",
        "record_id": head.record_id if head else "",
    }
    folder = Path(settings.RUHU_LEDGER_EXPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = _free_path(folder, day)
    _write_atomically(path, json.dumps(content, ensure_ascii=False, indent=2).encode() + b"\n")
    export = LedgerHeadExport.objects.create(
        exported_on=day,
        seq=seq,
        entry_hash=entry_hash,
        path=str(path),
        exported_at=now,
    )
    audit_record(
        acting_user=None,
        action="ledger.export_head",
        target=export,
        changes={"seq": [None, export.seq], "entry_hash": [None, export.entry_hash]},
    )
    return export


def read_head_file(path: Path) -> ExportedHead:
    """An exported head file; ValueError if it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        head = ExportedHead(
            seq=int(data["seq"]),
            entry_hash=str(data["entry_hash"]),
            kind=str(data.get("kind", "")),
            record_id=str(data.get("record_id", "")),
        )
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path}: not a ledger head file ({exc})") from None
    if head.seq < 0 or not HEX64.fullmatch(head.entry_hash):
        raise ValueError(f"{path}: not a ledger head file (bad seq or entry_hash)")
    return head


def exported_heads(files: Iterable[Path]) -> list[ExportedHead]:
    """Every recorded export, the file each one wrote if it is still there, and `files`."""
    heads = []
    for seq, entry_hash, path in LedgerHeadExport.objects.values_list("seq", "entry_hash", "path"):
        heads.append(ExportedHead(seq, entry_hash))
        if path and Path(path).exists():
            try:
                heads.append(read_head_file(Path(path)))
            except ValueError:
                heads.append(ExportedHead(seq, "", "", ""))  # a damaged head file is a finding too
    heads.extend(read_head_file(Path(path)) for path in files)
    return heads
