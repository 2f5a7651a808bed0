"""`ruhu demo`: the whole demo company, app by app. It loads every app's demo, so it lives
in the app on top of the chain (reports), which may import them all."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ruhu.facilities.demo import demo_facilities_load
from ruhu.inspection.demo import demo_hazards_load, demo_inspection_load
from ruhu.premises.demo import DEMO_PASSWORD, demo_load, demo_logins


class Command(BaseCommand):
    help = "Load the demo company (idempotent) and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the logins")

    def handle(self, *args, quiet_logins=False, **options):
        if settings.PRODUCTION:
            raise CommandError("refusing to load demo data with RUHU_ENV=production")
        created = demo_load()
        work = demo_inspection_load()
        hazards = demo_hazards_load()
        facilities = demo_facilities_load()
        self.stdout.write(
            f"demo data: {created['users']} staff and {created['households']} households created; "
            f"{work['tasks']} visits for today, {work['plans']} monthly plans and "
            f"{hazards} hazards found; {facilities} station facilities"
        )
        if not quiet_logins:
            self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
            for username, role, where in demo_logins():
                self.stdout.write(f"  {username:<28} {role:<10} {where}")
