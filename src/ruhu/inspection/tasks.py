"""Background jobs of the inspection app: thin wrappers around the notice services.

Both are idempotent (the outbox's dedupe keys, `PlanTask.notified_at`, one notice per
community and first day), so a job that runs twice, or late, sends nothing twice.
"""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_periodic_task, db_task

from ruhu.common.errors import DomainError
from ruhu.common.pdf import render_failure
from ruhu.common.tasks import local_crontab
from ruhu.inspection.models import Plan
from ruhu.inspection.services.notices import community_notices_issue, household_notices_send_due

logger = logging.getLogger(__name__)


# A run that fails (the notice PDF's Chinese font missing, say) is tried again for about a
# day; communities already issued are skipped, so a retry sends nothing twice.
@db_task(retries=12, retry_delay=2 * 60 * 60)
def community_notices_issue_task(plan_id: int) -> int:
    """Issue the community notices of a plan just approved; returns how many it has."""
    plan = Plan.objects.filter(pk=plan_id, status=Plan.Status.APPROVED).first()
    if plan is None:  # redrafted (or gone) before the job ran: its next approval issues them
        return 0
    try:
        issued = community_notices_issue(acting_user=None, plan=plan)
    except DomainError:
        raise
    except Exception as failure:  # the plan's page says why until a retry succeeds
        reason = str(render_failure(failure))[:300]
        Plan.objects.filter(pk=plan_id).update(notices_error=reason)
        raise
    if plan.notices_error:
        Plan.objects.filter(pk=plan_id).update(notices_error="")
    if issued.late:
        logger.warning(
            "plan %s: %d communities too late for a community notice", plan_id, len(issued.late)
        )
    return len(issued)


@db_periodic_task(local_crontab(hour="18", minute="0"))
def household_notices_task() -> int:
    """Every evening: the SMS to households visited in the next days; returns how many."""
    return household_notices_send_due()
