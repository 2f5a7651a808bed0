"""Every write of the facilities domain."""

from ruhu.facilities.services.checks import (
    facility_check_correct,
    facility_check_submit,
    judge,
)
from ruhu.facilities.services.digest import facility_digest_send
from ruhu.facilities.services.importing import IMPORT_MODES, facility_import
from ruhu.facilities.services.registry import (
    facility_create,
    facility_set_active,
    facility_update,
)
from ruhu.facilities.services.repairs import facility_repair_assign, facility_repair_done
from ruhu.facilities.services.tasks import facility_task_cancel, facility_tasks_assign

__all__ = [
    "IMPORT_MODES",
    "facility_check_correct",
    "facility_check_submit",
    "facility_create",
    "facility_digest_send",
    "facility_import",
    "facility_repair_assign",
    "facility_repair_done",
    "facility_set_active",
    "facility_task_cancel",
    "facility_tasks_assign",
    "facility_update",
    "judge",
]
