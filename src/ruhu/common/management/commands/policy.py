"""Policy declarations: `ruhu policy docs` writes the table of docs/policy.md from them
(`--check` only says whether it is up to date); `ruhu policy seed` writes them into the
policy tables, as every `migrate` does (decision 0018)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ruhu.common.policy_docs import policy_docs_path, policy_docs_written
from ruhu.common.policy_seed import policy_seed


class Command(BaseCommand):
    help = "Write docs/policy.md's table from the policy declarations, or seed the declared keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        docs = sub.add_parser("docs", help="write the table of docs/policy.md")
        docs.add_argument("--check", action="store_true", help="fail if it is out of date")
        sub.add_parser("seed", help="give every declared key without a value its default")

    def handle(self, *args, action, **options):
        if action == "seed":
            seeded = policy_seed()
            self.stdout.write(f"{len(seeded)} keys given their default: {', '.join(seeded)}")
            return
        path = policy_docs_path()
        current = path.read_text(encoding="utf-8")
        written = policy_docs_written(current)
        if options["check"]:
            if written != current:
                raise CommandError(f"{path} is out of date: run `ruhu policy docs`")
            self.stdout.write(f"{path} is up to date")
            return
        path.write_text(written, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
