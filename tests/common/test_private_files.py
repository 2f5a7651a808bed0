"""Folders 0700 and files 0600 for what may hold personal data: the helpers, the keys and
the secret made on first start, the media tree, and the scratch folder's sweep."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from ruhu.common import crypto
from ruhu.common.private_files import (
    SCRATCH_MAX_AGE_SECONDS,
    open_private,
    private_dir,
    remove_older_than,
    scratch_dir,
    scratch_sweep,
)
from ruhu.settings import secret_file

RUHU = str(Path(sys.executable).with_name("ruhu"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_it_makes_a_folder_and_its_missing_parents_0700(tmp_path):
    folder = private_dir(tmp_path / "a" / "b" / "c")
    assert folder.is_dir()
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", folder)] == [0o700] * 3


def test_it_tightens_a_folder_that_exists(tmp_path):
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    os.chmod(loose, 0o755)
    private_dir(loose)
    assert mode(loose) == 0o700


def test_it_writes_files_0600_even_over_a_loose_one(tmp_path):
    fresh = tmp_path / "fresh.txt"
    with open_private(fresh, "w", encoding="utf-8") as fh:
        fh.write("x")
    loose = tmp_path / "loose.txt"
    loose.write_text("old")
    os.chmod(loose, 0o644)
    with open_private(loose, "a", encoding="utf-8") as fh:
        fh.write("+")
    assert (mode(fresh), mode(loose)) == (0o600, 0o600)
    assert loose.read_text() == "old+"
    with pytest.raises(ValueError):
        open_private(fresh, "r")


def test_it_removes_only_what_is_older_than_the_limit(tmp_path):
    old_file, old_dir, new_file = tmp_path / "a.csv", tmp_path / "job", tmp_path / "b.csv"
    old_file.write_text("x")
    old_dir.mkdir()
    (old_dir / "inside.csv").write_text("y")
    new_file.write_text("z")
    long_ago = time.time() - 7200
    for path in (old_file, old_dir):
        os.utime(path, (long_ago, long_ago))
    assert remove_older_than(tmp_path, seconds=3600) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv"]
    assert remove_older_than(tmp_path / "missing", seconds=1) == 0


def test_the_scratch_sweep_removes_working_copies_a_dead_worker_left(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    scratch = scratch_dir()
    assert scratch == tmp_path / "var" / "tmp" and mode(scratch) == 0o700
    left = scratch / "import-abc"
    left.mkdir()
    (left / "households.csv").write_text("13912345678")
    running = scratch / "import-def"
    running.mkdir()
    long_ago = time.time() - SCRATCH_MAX_AGE_SECONDS - 60
    os.utime(left, (long_ago, long_ago))
    assert scratch_sweep() == 1
    assert not left.exists() and running.exists()


def test_generated_keys_and_secret_are_0600_in_a_0700_folder(settings, tmp_path):
    settings.RUHU_FIELD_KEYS = ""
    settings.RUHU_BLIND_INDEX_KEY = ""
    settings.RUHU_FIELD_KEYS_FILE = str(tmp_path / "var" / "keys" / "field.keys")
    settings.RUHU_BLIND_INDEX_KEY_FILE = str(tmp_path / "var" / "keys" / "blind.key")
    crypto.keyring_reload()
    try:
        crypto.keyring()
        crypto.add_key_to_file()
    finally:
        crypto.keyring_reload()
    secret_file(tmp_path / "var" / "keys" / "secret_key", lambda: "s" * 64)
    keys = tmp_path / "var" / "keys"
    assert (mode(tmp_path / "var"), mode(keys)) == (0o700, 0o700)
    assert {p.name: mode(p) for p in keys.iterdir()} == {
        "field.keys": 0o600,
        "blind.key": 0o600,
        "secret_key": 0o600,
    }


def test_the_media_storage_writes_0600_files_in_0700_folders(settings, tmp_path):
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
    assert settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700
    storage = FileSystemStorage(location=tmp_path / "media")
    name = storage.save("imports/1234/households.csv", ContentFile(b"x"))
    stored = Path(storage.path(name))
    assert mode(stored) == 0o600
    assert [mode(p) for p in (stored.parent, stored.parent.parent, tmp_path / "media")] == [
        0o700
    ] * 3


def test_a_fresh_installation_makes_its_var_folder_and_keys_private(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"}
        and not k.startswith("RUHU_")
    }
    env["RUHU_VAR_DIR"] = str(tmp_path / "var")
    result = subprocess.run(
        [RUHU, "check"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    var = tmp_path / "var"
    assert (mode(var), mode(var / "keys"), mode(var / "keys" / "secret_key")) == (
        0o700,
        0o700,
        0o600,
    )
