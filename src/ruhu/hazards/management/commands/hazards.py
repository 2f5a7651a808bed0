"""`ruhu hazards clock [--date D]`, `ruhu hazards package --month YYYY-MM`, `ruhu hazards
retally` and `ruhu hazards workflow`: the loop's daily clock and month-end packages by hand
(both are also scheduled jobs), the rates' monthly tally counted again from the cases
(after a bulk load), and the ladder's table as docs/hazards.md shows it."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ruhu.accounts.models import OrgUnit
from ruhu.hazards.ladder_doc import ladder_markdown
from ruhu.hazards.models import MonthlyPackage
from ruhu.hazards.services import hazard_clock_run, monthly_package_build
from ruhu.hazards.services.tally import hazard_tally_rebuild


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from None


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"not a month (YYYY-MM): {text}") from None


class Command(BaseCommand):
    help = "Run the hazard clock for a day, or build a month's packages."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        clock = sub.add_parser("clock", help="move every case due by the day (default today)")
        clock.add_argument("--date", type=_date)
        package = sub.add_parser("package", help="build each branch's packages for a month")
        package.add_argument("--month", type=_month, required=True)
        package.add_argument("--branch", help="branch code (default: every branch)")
        sub.add_parser("retally", help="count the rates' monthly tally again from the cases")
        sub.add_parser("workflow", help="print the ladder's table (markdown, for docs/hazards.md)")

    def handle(self, *args, action, **options):
        if action == "clock":
            day = options["date"] or timezone.localdate()
            if day > timezone.localdate():
                raise CommandError("the clock does not run ahead of today")
            run = hazard_clock_run(today=day)
            moved = ", ".join(f"{k} {v}" for k, v in run.moved.items())
            self.stdout.write(f"hazard clock for {day}: {moved}")
            return
        if action == "workflow":
            self.stdout.write(ladder_markdown(), ending="")
            return
        if action == "retally":
            self.stdout.write(f"hazard tally: {hazard_tally_rebuild()} rows")
            return
        branches = OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH, is_active=True)
        if options["branch"]:
            branches = branches.filter(code=options["branch"])
            if not branches.exists():
                raise CommandError(f"no branch {options['branch']}")
        for branch in branches:
            for audience in MonthlyPackage.Audience.values:
                package = monthly_package_build(
                    branch=branch, month=options["month"], audience=audience
                )
                self.stdout.write(
                    f"{branch.code} {package.month:%Y-%m} {audience}: {package.cases} cases, "
                    f"{package.recordings} recordings"
                )
