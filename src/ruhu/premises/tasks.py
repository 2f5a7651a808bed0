"""Background jobs of the premises app; each is a thin call of a service."""

from huey.contrib.djhuey import db_task

from ruhu.premises.services import import_job_run


@db_task()
def import_job_task(job_id: str) -> None:
    import_job_run(job_id=job_id)
