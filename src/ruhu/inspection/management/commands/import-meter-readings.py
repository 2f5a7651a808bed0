"""`ruhu import-meter-readings PATH`: CSV with columns account, date, reading."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ruhu.common.errors import DomainError
from ruhu.inspection.services.readings import meter_readings_import

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import meter readings (account, date, reading); exit 1 if a row is rejected."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path, **options):
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            result = meter_readings_import(acting_user=None, path=path)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for line, reason in result.errors[:SHOWN_ERRORS]:
            self.stderr.write(f"line {line}: {reason}")
        if len(result.errors) > SHOWN_ERRORS:
            self.stderr.write(f"… {len(result.errors) - SHOWN_ERRORS} more rejected rows")
        self.stdout.write(
            f"{result.read} readings read: {result.imported} imported, "
            f"{result.already} already known, {len(result.errors)} rejected"
        )
        if result.errors:
            sys.exit(1)
