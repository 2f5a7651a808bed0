"""`make bench`: run every benchmark against a scratch database and print figures and ratios.

Each benchmark times Ruhu's code path and the raw database engine doing the same work in the
same run, so the ratio, not the absolute time, is what to compare across machines.
"""

from __future__ import annotations

import os
import sys
import tempfile


def main() -> None:
    scratch = tempfile.mkdtemp(prefix="ruhu-bench-")
    os.environ.setdefault("RUHU_VAR_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruhu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from bench import platform
    from bench.quiet import quiet_machine

    with quiet_machine(sys.stdout):
        platform.run(sys.stdout)


if __name__ == "__main__":
    main()
