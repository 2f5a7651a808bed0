"""Writers to SQLite queue on a lock file before BEGIN IMMEDIATE (decision 0024): a second
writer, thread or process, waits while the first holds it and goes on once it lets go, and
an error never leaves the lock taken."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from ruhu.common.models import AuditEvent
from ruhu.common.sqlite_backend.lock import WriteLock

sqlite_only = pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="the write queue is SQLite's"
)


def test_a_second_holder_waits_until_the_first_lets_go(tmp_path):
    path = str(tmp_path / "db.write-lock")
    first, second = WriteLock(path), WriteLock(path)
    assert first.acquire(timeout=1)
    got = threading.Event()
    waiter = threading.Thread(target=lambda: second.acquire(timeout=60) and got.set())
    waiter.start()
    assert not got.wait(0.3)  # still queued: the first holds the lock
    first.release()
    waiter.join(60)
    assert got.is_set() and second.held
    assert not first.acquire(timeout=0.05)  # and now the first must wait
    second.close()
    assert first.acquire(timeout=1)
    first.close()


def test_a_wait_that_times_out_leaves_nothing_taken(tmp_path):
    path = str(tmp_path / "db.write-lock")
    first, second = WriteLock(path), WriteLock(path)
    assert first.acquire(timeout=1)
    assert not second.acquire(timeout=0.1)
    assert not second.held
    first.release()
    # the abandoned wait got the lock and let go at once: both can take it again
    assert second.acquire(timeout=5)
    second.release()
    assert first.acquire(timeout=5)
    first.close()
    second.close()


HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


def test_another_process_holding_it_makes_us_wait(tmp_path):
    path = str(tmp_path / "db.write-lock")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        lock = WriteLock(path)
        assert not lock.acquire(timeout=0.1)
        got = threading.Event()
        waiter = threading.Thread(target=lambda: lock.acquire(timeout=60) and got.set())
        waiter.start()
        holder.stdin.write("go\n")
        holder.stdin.flush()
        holder.wait(30)
        waiter.join(60)
        assert got.is_set()
        lock.close()
    finally:
        holder.kill()
        holder.wait()


def _audit(action: str) -> None:
    AuditEvent.objects.create(action=action, target_id="1")


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_transaction_holds_the_lock_until_it_ends():
    with transaction.atomic():
        _audit("bench.one")
        assert connection.write_lock.held
    assert not connection.write_lock.held
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        _audit("bench.two")
        assert connection.write_lock.held
        1 / 0
    assert not connection.write_lock.held
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["bench.one"]


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_writer_in_another_thread_waits_for_the_commit_and_then_writes():
    order: list[str] = []
    started, done = threading.Event(), threading.Event()

    def other_writer():
        try:
            started.set()
            with transaction.atomic():
                order.append("second")
                _audit("bench.second")
            done.set()
        finally:
            connections.close_all()

    with transaction.atomic():
        _audit("bench.first")
        thread = threading.Thread(target=other_writer)
        thread.start()
        started.wait(30)
        assert not done.wait(0.3)  # queued behind our transaction
        order.append("first")
    thread.join(60)
    assert done.is_set()
    assert order == ["first", "second"]
    assert AuditEvent.objects.filter(action__startswith="bench.").count() == 2


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_writer_that_waits_too_long_hears_the_database_is_locked():
    failures: list[Exception] = []

    def impatient_writer():
        try:
            connection.ensure_connection()
            connection.lock_timeout = 0.1
            with transaction.atomic():
                _audit("bench.never")
        except OperationalError as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        _audit("bench.holder")
        thread = threading.Thread(target=impatient_writer)
        thread.start()
        thread.join(60)
    assert len(failures) == 1 and "locked" in str(failures[0])
    assert not AuditEvent.objects.filter(action="bench.never").exists()


def test_a_forked_child_closing_its_copy_leaves_the_parents_lock_taken(tmp_path):
    import os

    path = str(tmp_path / "db.write-lock")
    lock = WriteLock(path)
    assert lock.acquire(timeout=1)
    child = os.fork()
    if child == 0:  # the child lets go of what it inherited, as closing a connection would
        lock.close()
        os._exit(0)
    os.waitpid(child, 0)
    assert not WriteLock(path).acquire(timeout=0.1)  # still ours
    lock.close()
    again = WriteLock(path)
    assert again.acquire(timeout=1)
    again.close()
