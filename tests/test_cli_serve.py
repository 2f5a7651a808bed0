"""`ruhu serve` runs gunicorn and the Huey worker together and stops both on a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

RUHU = [sys.executable, "-m", "ruhu.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["RUHU_VAR_DIR"] = str(tmp_path)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


@pytest.fixture
def migrated(tmp_path):
    env = _env(tmp_path)
    subprocess.run([*RUHU, "migrate", "-v", "0"], env=env, check=True, timeout=180)
    return env


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_it_serves_the_login_page_and_stops_web_and_worker_together(migrated, stop_signal):
    port = _free_port()
    proc = subprocess.Popen(
        [*RUHU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=migrated,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/accounts/login/", timeout=2
                ) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert 'name="password"' in body
        children = _children(proc.pid)
        assert len(children) == 2, "expected gunicorn and the huey consumer"
        proc.send_signal(stop_signal)
        assert proc.wait(timeout=30) == 0
        time.sleep(0.5)
        assert not [pid for pid in children if _alive(pid)]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def test_it_fails_when_the_worker_dies(migrated):
    port = _free_port()
    proc = subprocess.Popen(
        [*RUHU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=migrated,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        worker = max(_children(proc.pid))  # started second
        os.kill(worker, signal.SIGKILL)
        assert proc.wait(timeout=30) == 1
        assert b"exited unexpectedly" in proc.communicate(timeout=10)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
