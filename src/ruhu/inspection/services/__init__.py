"""Writes of the inspection domain; each one leaves its audit event."""

from ruhu.inspection.services.notices import (
    community_notice_record_posting,
    community_notices_issue,
    household_notices_send_due,
)
from ruhu.inspection.services.plans import plan_approve, plan_generate, plan_generate_year
from ruhu.inspection.services.training import training_record_create
from ruhu.inspection.services.visits import task_start, visit_correct, visit_submit

__all__ = [
    "community_notice_record_posting",
    "community_notices_issue",
    "household_notices_send_due",
    "plan_approve",
    "plan_generate",
    "plan_generate_year",
    "task_start",
    "training_record_create",
    "visit_correct",
    "visit_submit",
]
