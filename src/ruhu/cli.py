"""`ruhu`: every Django management command plus the project's own (serve, demo, keys, …)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruhu.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "ruhu"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
