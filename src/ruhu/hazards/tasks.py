"""Background jobs of the rectification loop: thin wrappers around its services."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task, db_task

from ruhu.common.tasks import local_crontab
from ruhu.hazards.services import (
    hazard_clock_run,
    hazard_notice_render,
    monthly_packages_build_due,
)


@db_periodic_task(local_crontab(hour="1", minute="0"))
def hazard_clock_task() -> dict:
    """01:00 Asia/Shanghai: move every case whose deadline has passed (idempotent)."""
    return hazard_clock_run().moved


# A notice that cannot be rendered (the Chinese font missing, say) is tried again for about
# a day: installing the font is enough, nobody has to issue it again.
RENDER_RETRIES = 12
RENDER_RETRY_DELAY = 2 * 60 * 60  # seconds


@db_task(retries=RENDER_RETRIES, retry_delay=RENDER_RETRY_DELAY)
def hazard_notice_render_task(notice_id: int) -> None:
    hazard_notice_render(notice_id=notice_id)


@db_periodic_task(local_crontab(day="28-31", hour="20", minute="0"))
def monthly_packages_task() -> int:
    """The last day of each month, 20:00: each branch's packages (the service checks the
    day, so the 28th of a 31-day month builds nothing)."""
    return monthly_packages_build_due()
