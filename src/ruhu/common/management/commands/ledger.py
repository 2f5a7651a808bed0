"""The evidence chain: `ruhu ledger verify [--head FILE …]`, `ruhu ledger export-head`,
`ruhu ledger head`.

`verify` exits 1 when the chain is broken, naming the first wrong entry and the problem,
so a cron job or monitor can alert on the exit status alone.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ruhu.common.ledger import (
    ZERO_HASH,
    default_workers,
    ledger_head,
    ledger_head_export,
    ledger_verify,
)


class Command(BaseCommand):
    help = "Verify the evidence hash chain, export its head, or show its head."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check every entry; exit 1 if one is wrong")
        verify.add_argument(
            "--head",
            dest="heads",
            type=Path,
            action="append",
            default=[],
            metavar="FILE",
            help="an exported head file kept elsewhere to hold the chain to (repeatable)",
        )
        verify.add_argument("--batch-size", type=int, default=5000, help=HELP_BATCH)
        verify.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes checking stretches of the chain side by side (default: one on "
            "SQLite, one per CPU up to 8 on PostgreSQL)",
        )
        sub.add_parser("export-head", help="write today's head file (once a day)")
        sub.add_parser("head", help="print the last entry's seq and hash")

    def handle(self, *args, action, **options):
        if action == "verify":
            self.verify(options["heads"], options["batch_size"], options["workers"])
        elif action == "export-head":
            self.stdout.write(ledger_head_export().path)
        else:
            head = ledger_head()
            seq, entry_hash = (head.seq, head.entry_hash) if head else (0, ZERO_HASH)
            self.stdout.write(f"{seq} {entry_hash}")

    def verify(self, heads: list[Path], batch_size: int, workers: int) -> None:
        progress = self._progress if sys.stderr.isatty() else None
        started = time.perf_counter()
        if workers is None:
            workers = default_workers()
        try:
            result = ledger_verify(
                batch_size=batch_size, progress=progress, heads=heads, workers=workers
            )
        except ValueError as exc:  # a --head file that is not one, a batch size below 1
            raise CommandError(str(exc)) from None
        seconds = time.perf_counter() - started
        if progress:
            sys.stderr.write("\n")
        if result.broken is not None:
            b = result.broken
            self.stderr.write(
                f"ledger broken at entry #{b.seq} ({b.kind} {b.record_id}): {b.problem}"
            )
            sys.exit(1)
        rate = result.checked / seconds if seconds > 0 else 0
        self.stdout.write(
            f"ledger ok: {result.checked} entries verified in {seconds:.2f} s "
            f"({rate:.0f} entries/s)"
        )

    def _progress(self, checked: int) -> None:
        sys.stderr.write(f"\r  {checked:,} entries verified")
        sys.stderr.flush()


HELP_BATCH = "entries read (and records loaded) per query"
