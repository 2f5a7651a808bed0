"""`ruhu synth households --count N --out PATH`: a synthetic household file for the import.

Touches no database: the file is made from the seed alone, so the same seed gives the
same bytes. See `docs/import.md` for the columns.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from ruhu.premises import synth


class Command(BaseCommand):
    help = "Write a synthetic households file (CSV or XLSX) for trying the bulk import."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["households"], help="what to generate")
        parser.add_argument("--count", type=int, required=True, help="number of rows")
        parser.add_argument("--out", required=True, help="file to write (.csv or .xlsx)")
        parser.add_argument("--seed", type=int, default=0, help="same seed, same file")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=synth.FORMATS,
            help="csv or xlsx (default: from --out)",
        )
        parser.add_argument(
            "--encoding", choices=synth.ENCODINGS, default="utf-8", help="CSV text encoding"
        )
        parser.add_argument(
            "--header", choices=["en", "zh"], default="en", help="column names or 中文 labels"
        )

    def handle(self, *args, kind, count, out, seed, file_format, encoding, header, **options):
        if not 0 <= count <= synth.MAX_COUNT:
            raise CommandError(f"--count must be between 0 and {synth.MAX_COUNT}")
        try:
            file_format = file_format or synth.format_for(out)
            if file_format == "xlsx" and encoding != "utf-8":
                raise CommandError("--encoding applies to CSV only")
            started = time.perf_counter()
            rows = synth.write_households(
                out, count, seed, file_format=file_format, encoding=encoding, labels=header
            )
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        rate = rows / seconds if seconds else 0
        self.stdout.write(
            f"synth {kind}: {rows} rows, {seconds:.2f} s ({rate:,.0f} rows/s), "
            f"seed {seed}, {file_format} → {out}"
        )
