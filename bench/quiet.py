"""Figures from a quiet machine only: every benchmark runs inside `quiet_machine()`.

On start it prints the load average and waits (BENCH_QUIET_WAIT seconds, default 120) for
the one-minute load to fall to BENCH_MAX_LOAD (default 0.3 per core); on a machine that
stays busy it refuses to run. On the way out it prints the load average again and how much
of the machine's CPU processes other than the benchmark's own took during the run; above
BENCH_MAX_FOREIGN (default 0.10, a tenth of all cores) the figures above it are declared
void and the command exits with status 3. BENCH_ALLOW_LOAD=1 reports them anyway, marked.

The load average alone cannot judge the run: the benchmark's own processes raise it. What
others took is the machine's busy time (/proc/stat) less this process tree's CPU time and
the database servers' (PostgreSQL and Redis work for the benchmark; any other client of
theirs goes unseen) and the kernel's own threads (children of kthreadd, pid 2): writing back
the pages the benchmark dirtied and reclaiming its memory is work done for it, and a 1,000,000
row import was once voided for the 16 % that writeback took.

A process whose parent exits before it is re-parented, and its CPU time with it: the import's
forkserver (and the pool workers it reaps) outlives the import command. So the benchmark
makes itself the child subreaper of its tree (Linux prctl): orphans of its descendants
become its own children, counted while they live or wait as zombies, reaped at the end.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

VOID_EXIT = 3
TICKS = os.sysconf("SC_CLK_TCK")
SERVERS = {"postgres", "redis-server"}
KTHREADD = "2"  # the parent of every kernel thread
PR_SET_CHILD_SUBREAPER = 36


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    return float(raw) if raw else default


def allowed() -> bool:
    return os.environ.get("BENCH_ALLOW_LOAD", "") not in ("", "0")


def max_load() -> float:
    return _env_float("BENCH_MAX_LOAD", 0.3 * (os.cpu_count() or 1))


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idle and iowait since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process, its reaped children and its living descendants."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15]) / TICKS
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def helpers_cpu_seconds() -> float:
    """CPU seconds of the local PostgreSQL and Redis processes, reaped backends included,
    and of the kernel's threads."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            head, rest = stat.read_text().rsplit(")", 1)
            fields = rest.split()
            if (
                head.split("(", 1)[1] in SERVERS
                or fields[1] == KTHREADD
                or stat.parent.name == KTHREADD
            ):
                total += sum(int(v) for v in fields[11:15]) / TICKS
    return total


def _own_seconds() -> float:
    return tree_cpu_seconds(os.getpid()) + helpers_cpu_seconds()


def _wait_for_quiet(out) -> bool:
    limit, deadline = max_load(), time.monotonic() + _env_float("BENCH_QUIET_WAIT", 120)
    load = os.getloadavg()[0]
    out.write(f"load average {load:.2f} at start on {os.cpu_count()} CPUs (limit {limit:.2f})\n")
    while load > limit and time.monotonic() < deadline:
        time.sleep(5)
        load = os.getloadavg()[0]
    if load > limit:
        out.write(f"the machine is busy: load average {load:.2f} > {limit:.2f}\n")
        return False
    return True


def adopt_orphans() -> None:
    """Make this process the subreaper of its descendants (a no-op where prctl is missing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_orphans() -> None:
    """Wait for the adopted descendants that have ended, so their time joins ours."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


class Run:
    """What the guard measured; `foreign` is the share of all cores others took."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.busy = machine_busy_seconds()
        self.own = _own_seconds()
        self.foreign = 0.0

    def finish(self) -> float:
        reap_orphans()
        wall = time.monotonic() - self.started
        busy = machine_busy_seconds() - self.busy
        own = _own_seconds() - self.own
        cores = os.cpu_count() or 1
        self.foreign = max(0.0, busy - own) / (wall * cores) if wall > 0 else 0.0
        return self.foreign


@contextlib.contextmanager
def quiet_machine(out=sys.stdout) -> Iterator[Run]:
    if not _wait_for_quiet(out) and not allowed():
        out.write("refused: no figure is taken on a busy machine (BENCH_ALLOW_LOAD=1 to force)\n")
        raise SystemExit(VOID_EXIT)
    adopt_orphans()
    run = Run()
    yield run
    foreign = run.finish()
    limit = _env_float("BENCH_MAX_FOREIGN", 0.10)
    out.write(
        f"load average {os.getloadavg()[0]:.2f} at end; other processes took "
        f"{foreign:.0%} of the machine during the run (limit {limit:.0%})\n"
    )
    if foreign > limit:
        if not allowed():
            out.write("VOID: the figures above were taken on a busy machine; run again\n")
            out.flush()
            raise SystemExit(VOID_EXIT)
        out.write("⚠ the figures above were taken on a busy machine (BENCH_ALLOW_LOAD=1)\n")
    out.flush()
