"""Files that may hold personal data: folders 0700, files 0600, and a private scratch folder.

Django's storage writes the media tree with these modes (FILE_UPLOAD_PERMISSIONS and
FILE_UPLOAD_DIRECTORY_PERMISSIONS in settings); what Ruhu writes itself (keys, import
reports, the working copies of imports) goes through here. Working copies live in the
var directory's `tmp` folder rather than the system's, so that a sweep finds what a
worker that died left behind. Only the standard library at module level: settings uses it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path
from typing import IO, Any

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
SCRATCH = "tmp"
# A working copy older than this belongs to a job whose worker died: jobs that use the
# scratch folder finish in minutes, and their own stale limits are no longer than this.
SCRATCH_MAX_AGE_SECONDS = 6 * 3600


def private_dir(path: Path | str) -> Path:
    """`path` as a folder only its owner may enter: made 0700 together with any missing
    parents (`mkdir -p` would give those the umask's mode), tightened if it exists."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    _tighten(path, PRIVATE_DIR_MODE)
    for folder in missing[1:]:
        _tighten(folder, PRIVATE_DIR_MODE)
    return path


def open_private(path: Path | str, mode: str = "w", **options: Any) -> IO:
    """Open `path` for writing as a 0600 file (an existing file is made 0600 too)."""
    if not set(mode) & {"w", "a"}:
        raise ValueError("open_private opens files for writing")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE_MODE)
    os.fchmod(descriptor, PRIVATE_FILE_MODE)
    return os.fdopen(descriptor, mode, **options)


def scratch_dir() -> Path:
    """The private folder for working copies: `<var>/tmp`, 0700."""
    from django.conf import settings

    return private_dir(Path(settings.VAR_DIR) / SCRATCH)


def scratch_sweep() -> int:
    """Remove the working copies left in the scratch folder by workers that died."""
    return remove_older_than(scratch_dir(), seconds=SCRATCH_MAX_AGE_SECONDS)


def remove_older_than(folder: Path, *, seconds: float, pattern: str = "*") -> int:
    """Remove the entries of `folder` matching `pattern` last changed more than `seconds`
    ago (folders with what they hold); how many went."""
    if not folder.is_dir():
        return 0
    cutoff = time.time() - seconds
    removed = 0
    for entry in folder.glob(pattern):
        try:
            if entry.lstat().st_mtime >= cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except FileNotFoundError:  # removed meanwhile by its own job
            continue
        removed += 1
    return removed


def _tighten(path: Path, mode: int) -> None:
    """chmod, when the mode differs and the file is ours: best effort, since a folder of
    another owner or on a read-only mount must not stop the application from starting."""
    status = path.stat()
    if status.st_mode & 0o777 != mode and status.st_uid == os.getuid():
        with contextlib.suppress(OSError):
            os.chmod(path, mode)
