"""The queue in front of SQLite's write lock: an exclusive `flock` on a file beside the
database (decision 0024).

SQLite lets one writer in at a time; the others poll its busy handler, sleeping 1, 2, 5 …
100 ms between tries, so a writer often sleeps on after the lock came free. Blocked on
`flock` instead, a waiter is woken by the kernel the moment the holder lets go. Each
holder opens the file itself: locks taken through different open files conflict, so two
threads of one process queue as two processes do. The kernel drops a dead process's lock.
"""

from __future__ import annotations

import fcntl
import os
import threading


def _wait(fd: int, timeout: float) -> bool:
    """Block on the lock in a helper thread, at most `timeout` seconds (flock itself cannot
    time out). On a timeout the helper keeps `fd`: it closes it, and so lets go, as soon as
    it gets the lock. True if the lock is ours."""
    granted = threading.Event()
    guard = threading.Lock()
    abandoned = False

    def take() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            with guard:
                if abandoned:
                    os.close(fd)
            return
        with guard:
            if abandoned:
                os.close(fd)  # closing the file lets go of the lock nobody waits for
                return
            granted.set()

    threading.Thread(target=take, name="sqlite-write-queue", daemon=True).start()
    if granted.wait(timeout):
        return True
    with guard:
        if granted.is_set():
            return True
        abandoned = True
    return False


class WriteLock:
    """One connection's place in the queue of writers to one database file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.held = False
        self._fd: int | None = None
        self._pid = os.getpid()

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self, timeout: float) -> bool:
        """Take the lock, waiting at most `timeout` seconds; False if it stayed taken."""
        if self.held:
            raise RuntimeError("this connection already holds the write lock")
        fd = self._file()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not _wait(fd, timeout):
                self._fd = None  # the helper thread owns that file now
                return False
        self.held = True
        return True

    def release(self) -> None:
        if self.held:
            self.held = False
            # a forked child shares its parent's open file, lock included: only the process
            # that took the lock lets go of it (the child's copy closes without unlocking)
            if self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Let go and close the file (a connection closing)."""
        self.release()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
