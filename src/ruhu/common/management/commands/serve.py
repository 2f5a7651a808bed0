"""Run the web server (gunicorn) and the background worker (Huey) together.

Ctrl-C or SIGTERM stops both; if either exits on its own the other is stopped too and the
command fails, so a supervisor sees the problem instead of half a service. Gunicorn logs
through `ruhu.common.access_log.MaskingLogger`, which blanks personal values in its lines.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand
from django.db import connection


def default_workers(vendor: str) -> int:
    """Gunicorn sync workers for the engine (decision 0024). SQLite: one per CPU: its writes
    go one at a time, and more processes than cores only preempt the one holding the write
    lock. PostgreSQL: two per CPU, so a worker waiting on the database leaves the CPU to
    another."""
    cpus = os.cpu_count() or 1
    return cpus if vendor == "sqlite" else 2 * cpus


class Command(BaseCommand):
    help = "Serve Ruhu: gunicorn web workers and the Huey job consumer."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="gunicorn worker processes (default: one per CPU on SQLite, two on PostgreSQL)",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the job consumer"
        )

    def handle(self, *args, bind, workers, no_worker, **options):
        python = sys.executable
        workers = workers or default_workers(connection.vendor)
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "ruhu.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "--logger-class",
                "ruhu.common.access_log.MaskingLogger",
                "--graceful-timeout",
                "10",
            ],
        }
        if not no_worker:
            commands["worker"] = [python, "-m", "ruhu.cli", "run_huey", "--flush-locks"]
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(
            f"Ruhu serving on http://{bind}/ with {workers} workers (database: {connection.vendor})"
        )
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        failed = None
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    failed = name
                    stopping = True
            time.sleep(0.3)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if failed:
            self.stderr.write(f"{failed} exited unexpectedly; stopped the rest")
            sys.exit(1)
