"""Background jobs of the common app: thin wrappers that call the notification services.

Both are idempotent: dispatching claims each message with a compare-and-swap, so a task
that runs twice, or races the periodic sweep, sends nothing twice.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ruhu.common.notifications import outbox_dispatch, outbox_dispatch_due


@db_task()
def outbox_dispatch_task(message_id: str) -> bool:
    return outbox_dispatch(message_id)


@db_periodic_task(crontab(minute="*"))
def outbox_dispatch_due_task() -> int:
    """Retries whose backoff ended, and messages queued while the worker was down."""
    return outbox_dispatch_due()
