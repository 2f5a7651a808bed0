"""Background jobs of the common app: thin wrappers that call the common services.

All are idempotent: dispatching claims each message with a compare-and-swap, so a task
that runs twice, or races the periodic sweep, sends nothing twice; the ledger's head is
exported once a day whatever the number of runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from ruhu.common.importing.jobs import import_jobs_sweep
from ruhu.common.ledger import ledger_head_export
from ruhu.common.notifications import outbox_dispatch, outbox_dispatch_due
from ruhu.common.private_files import scratch_sweep


def local_crontab(**fields: str) -> Callable[[dt.datetime], bool]:
    """A crontab read on the installation's clock (TIME_ZONE), not the queue's UTC one.

    Huey gives periodic checks a naive UTC timestamp (HUEY["utc"]) and its crontab has no
    time zone, so 00:30 there would be 08:30 in Shanghai.
    """
    matches = crontab(**fields)

    def validate(timestamp: dt.datetime) -> bool:
        if HUEY.utc:
            timestamp = timezone.localtime(timestamp.replace(tzinfo=dt.UTC)).replace(tzinfo=None)
        return matches(timestamp)

    return validate


@db_task()
def outbox_dispatch_task(message_id: str) -> bool:
    return outbox_dispatch(message_id)


@db_periodic_task(crontab(minute="*"))
def outbox_dispatch_due_task() -> int:
    """Retries whose backoff ended, and messages queued while the worker was down."""
    return outbox_dispatch_due()


@db_periodic_task(local_crontab(hour="0", minute="30"))
def ledger_head_export_task() -> int:
    """Export the evidence chain's head for safekeeping; returns its seq."""
    return ledger_head_export().seq


@db_periodic_task(crontab(minute="20"))
def scratch_sweep_task() -> int:
    """Hourly: working copies of imports whose worker died do not stay on disk."""
    return scratch_sweep()


@db_periodic_task(crontab(minute="10"))
def import_jobs_sweep_task() -> int:
    """Hourly: no uploaded file outlives its import job, of any kind."""
    return import_jobs_sweep()
