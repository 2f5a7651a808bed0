"""Writes of the inspection domain; each one leaves its audit event."""

from ruhu.inspection.services.plans import plan_approve, plan_generate, plan_generate_year
from ruhu.inspection.services.training import training_record_create

__all__ = ["plan_approve", "plan_generate", "plan_generate_year", "training_record_create"]
