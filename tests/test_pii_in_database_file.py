"""No plaintext phone or ID number reaches the SQLite files (database, WAL, shared memory).

Runs the real commands in a subprocess against a fresh var directory: migrate, the cache
table, the demo company. Always on SQLite in a temporary directory, so it runs on both CI legs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RUHU = str(Path(sys.executable).with_name("ruhu"))


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [RUHU, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_it_writes_no_plaintext_personal_data_to_the_database_files(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        and not k.startswith("RUHU_")
    }
    env.update(
        {
            "RUHU_VAR_DIR": str(tmp_path),
            # the hashing cost is not what this test is about
            "RUHU_PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher",
        }
    )
    outputs = [
        run(["migrate", "--no-input"], env),
        run(["demo"], env),
    ]
    dump = run(
        [
            "shell",
            "-c",
            "import json; from ruhu.premises.demo import demo_pii_values; "
            "print(json.dumps(demo_pii_values()))",
        ],
        env,
    )
    values = set(json.loads(dump.stdout.strip().splitlines()[-1]))
    phones = {v for v in values if v.startswith("+86")}
    ids = {v for v in values if len(v) == 18}
    assert len(phones) > 300 and len(ids) > 150
    assert {p.removeprefix("+86") for p in phones} <= values  # both forms are checked

    files = [p for p in tmp_path.rglob("*") if ".sqlite3" in p.name and p.is_file()]
    assert any(p.name == "ruhu.sqlite3" for p in files)
    blob = b"".join(p.read_bytes() for p in files)
    assert len(blob) > 100_000
    leaked = sorted(v for v in values if v.encode() in blob)
    assert leaked == []
    # the demo's own account numbers are there in plain text: the check does see the data
    assert b"EAST000001" in blob and b"WEST000150" in blob
    for output in outputs:
        text = output.stdout + output.stderr
        assert [v for v in values if v in text] == []
