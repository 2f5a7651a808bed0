"""`ruhu import-facilities PATH --branch CODE [--mode all|valid] [--report PATH]`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ruhu.accounts.models import OrgUnit
from ruhu.common.errors import DomainError
from ruhu.facilities.services.importing import IMPORT_MODES, facility_import

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import the facility registry from CSV (UTF-8 or GB18030) or XLSX; "
        "exit 1 if a row is rejected."
    )

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
        if report and not report.parent.is_dir():
            raise CommandError(f"no directory {report.parent} for the report")
        started = time.perf_counter()
        try:
            result = facility_import(
                acting_user=None, path=path, branch=unit, mode=mode, report=report
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for error in result.errors[:SHOWN_ERRORS]:
            self.stderr.write(f"line {error.line}, {error.column}: {error.reason}")
        if result.error_count > SHOWN_ERRORS:
            self.stderr.write(
                f"… {result.error_count - SHOWN_ERRORS} more errors"
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
