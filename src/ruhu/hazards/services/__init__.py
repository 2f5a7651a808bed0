"""Every write of the rectification loop (DESIGN rule 1)."""

from ruhu.hazards.services.calls import followup_call_record
from ruhu.hazards.services.cases import (
    hazard_mark_arranged,
    hazard_outcome_record,
    hazard_recheck,
    hazard_recheck_submit,
)
from ruhu.hazards.services.catalogue import hazard_type_save
from ruhu.hazards.services.clock import hazard_clock_run
from ruhu.hazards.services.found import (
    FoundHazard,
    default_route,
    hazard_dispatch,
    hazards_record_found,
    hazards_withdraw_for_visit,
)
from ruhu.hazards.services.notices import (
    hazard_notice_copy_receive,
    hazard_notice_deliver,
    hazard_notice_issue,
    hazard_notice_render,
)
from ruhu.hazards.services.packages import monthly_package_build, monthly_packages_build_due
from ruhu.hazards.services.repairs import (
    hazard_assign,
    hazard_repair_done,
    hazard_repair_fail,
    hazard_seal,
)
from ruhu.hazards.services.supply import hazard_limit_apply, hazard_supply_restore

__all__ = [
    "FoundHazard",
    "default_route",
    "followup_call_record",
    "hazard_assign",
    "hazard_clock_run",
    "hazard_dispatch",
    "hazard_limit_apply",
    "hazard_mark_arranged",
    "hazard_notice_copy_receive",
    "hazard_notice_deliver",
    "hazard_notice_issue",
    "hazard_notice_render",
    "hazard_outcome_record",
    "hazard_recheck",
    "hazard_recheck_submit",
    "hazard_repair_done",
    "hazard_repair_fail",
    "hazard_seal",
    "hazard_supply_restore",
    "hazard_type_save",
    "hazards_record_found",
    "hazards_withdraw_for_visit",
    "monthly_package_build",
    "monthly_packages_build_due",
]
