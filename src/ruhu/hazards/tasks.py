"""Background jobs of the rectification loop: thin wrappers around its services."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task, db_task

from ruhu.common.tasks import local_crontab
from ruhu.hazards.services import hazard_clock_run, hazard_notice_render


@db_periodic_task(local_crontab(hour="1", minute="0"))
def hazard_clock_task() -> dict:
    """01:00 Asia/Shanghai: move every case whose deadline has passed (idempotent)."""
    return hazard_clock_run().moved


@db_task()
def hazard_notice_render_task(notice_id: int) -> None:
    hazard_notice_render(notice_id=notice_id)
