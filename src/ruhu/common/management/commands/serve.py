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

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Ruhu: gunicorn web workers and the Huey job consumer."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument(
            "--workers",
            type=int,
            default=2 * (os.cpu_count() or 1) + 1,
            help="gunicorn worker processes (default: 2 × CPUs + 1, gunicorn's advice)",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the job consumer"
        )

    def handle(self, *args, bind, workers, no_worker, **options):
        python = sys.executable
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
            f"Ruhu serving on http://{bind}/ (database: "
            f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
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
