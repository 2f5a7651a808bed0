"""Background jobs of the premises app; each is a thin call of a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ruhu.premises.services import import_job_run, import_jobs_sweep


@db_task()
def import_job_task(job_id: str) -> None:
    import_job_run(job_id=job_id)


@db_periodic_task(crontab(minute="10"))
def import_jobs_sweep_task() -> int:
    """Hourly: no uploaded household file outlives its import job."""
    return import_jobs_sweep()
