"""`ruhu plan generate --branch CODE (--month YYYY-MM | --year YYYY)`."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from ruhu.accounts.models import OrgUnit
from ruhu.common.errors import DomainError
from ruhu.inspection.services import plan_generate, plan_generate_year


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"month must be YYYY-MM, not {text!r}") from None


class Command(BaseCommand):
    help = "Draft a branch's monthly inspection plan, or the twelve plans of a year."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        generate = actions.add_parser("generate", help="draft or redraft plans")
        generate.add_argument("--branch", required=True, help="branch code")
        when = generate.add_mutually_exclusive_group(required=True)
        when.add_argument("--month", help="YYYY-MM")
        when.add_argument("--year", type=int, help="the annual plan: every month of YYYY")

    def handle(self, *args, action, branch, month=None, year=None, **options):
        unit = OrgUnit.objects.filter(code=branch, kind=OrgUnit.Kind.BRANCH).first()
        if unit is None:
            raise CommandError(f"no branch with code {branch!r}")
        started = time.perf_counter()
        try:
            if year is not None:
                plans = plan_generate_year(acting_user=None, branch=unit, year=year)
            else:
                plans = [plan_generate(acting_user=None, branch=unit, month=_month(month))]
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for plan in plans:
            summary = plan.summary
            ratio = summary["load_ratio"]
            self.stdout.write(
                f"{plan.month:%Y-%m} {unit.code}: {summary['planned']} planned, "
                f"{summary['kept']} kept, {summary['unplanned']} unplanned; "
                f"{summary['inspectors']} inspectors, {summary['working_days']} working days, "
                f"load {summary['load_min']}–{summary['load_max']}"
                + (f" (ratio {ratio})" if ratio else "")
                + f"; draft #{plan.generation}, awaiting approval"
            )
        self.stdout.write(f"done in {time.perf_counter() - started:.1f} s")
