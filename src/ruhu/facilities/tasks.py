"""Background jobs of the facilities domain: thin wrappers around its services."""

from __future__ import annotations

from huey.contrib.djhuey import db_periodic_task, db_task

from ruhu.common.tasks import local_crontab
from ruhu.facilities.services import facility_digest_send
from ruhu.facilities.services.importing import facility_import_job_run


@db_periodic_task(local_crontab(hour="7", minute="30"))
def facility_digest_task() -> int:
    """07:30 Asia/Shanghai: each lead hears what in their branch is late (once a day)."""
    return facility_digest_send()


@db_task()
def facility_import_job_task(job_id: str) -> None:
    facility_import_job_run(job_id=job_id)
