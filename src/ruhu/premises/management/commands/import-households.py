"""`ruhu import-households PATH --branch CODE [--mode all|valid] [--report PATH]`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ruhu.accounts.models import OrgUnit
from ruhu.common.errors import DomainError
from ruhu.premises.services import IMPORT_MODES, household_import

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import households from CSV (UTF-8 or GB18030) or XLSX; exit 1 if a row is rejected."
    # The system checks load every URL and API route: a second or more of CPU on a 2-core
    # machine, more than a tenth of importing a million rows. `ruhu serve` and `migrate` run
    # them; an import does not need them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--branch", required=True, help="branch code")
        parser.add_argument(
            "--mode",
            choices=IMPORT_MODES,
            default="all",
            help="all: write nothing if any row is bad (default); valid: write the good rows",
        )
        parser.add_argument("--report", type=Path, help="write every rejected row to this CSV")

    def handle(self, *args, path, branch, mode, report, **options):
        unit = OrgUnit.objects.filter(code=branch, kind=OrgUnit.Kind.BRANCH).first()
        if unit is None:
            raise CommandError(f"no branch with code {branch!r}")
        started = time.perf_counter()
        progress = self._progress_bar if sys.stderr.isatty() else None
        try:
            result = household_import(
                acting_user=None,
                path=path,
                branch=unit,
                mode=mode,
                report=report,
                progress=progress,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if progress:
            sys.stderr.write("\n")
        for error in result.errors[:SHOWN_ERRORS]:
            self.stderr.write(f"line {error.line}, {error.column}: {error.reason}")
        if result.rejected > SHOWN_ERRORS:
            self.stderr.write(
                f"… {result.rejected - SHOWN_ERRORS} more rejected rows"
                + (f" (see {report})" if report else " (use --report PATH)")
            )
        seconds = time.perf_counter() - started
        outcome = "written" if result.written else "nothing written (mode all and rejected rows)"
        self.stdout.write(
            f"{result.read} rows read in {seconds:.1f} s: {result.inserted} inserted, "
            f"{result.updated} updated, {result.unchanged} unchanged, "
            f"{result.rejected} rejected; {outcome}"
        )
        if result.rejected:
            sys.exit(1)

    def _progress_bar(self, rows: int) -> None:
        sys.stderr.write(f"\r  {rows:,} rows read")
        sys.stderr.flush()
