"""Writes to households, their appliances and their import, each through one audited
service: `households`, `appliances` and `importing` (the bulk import checks rows with the
same normalisers as the single writes)."""

from ruhu.common.importing.jobs import (
    IMPORT_EXPIRED,
    IMPORT_INTERRUPTED,
    IMPORT_MODES,
    import_jobs_sweep,
)
from ruhu.premises.services.appliances import APPLIANCE_FIELDS, appliance_record, appliance_remove
from ruhu.premises.services.households import (
    HOUSEHOLD_DETAILS,
    VISIT_FACTS,
    household_create,
    household_record_visit,
    household_set_supply,
    household_update,
)
from ruhu.premises.services.importing import (
    HOUSEHOLD_IMPORT,
    household_import,
    import_job_create,
    import_job_run,
)

__all__ = [
    "APPLIANCE_FIELDS",
    "HOUSEHOLD_DETAILS",
    "HOUSEHOLD_IMPORT",
    "IMPORT_EXPIRED",
    "IMPORT_INTERRUPTED",
    "IMPORT_MODES",
    "VISIT_FACTS",
    "appliance_record",
    "appliance_remove",
    "household_create",
    "household_import",
    "household_record_visit",
    "household_set_supply",
    "household_update",
    "import_job_create",
    "import_job_run",
    "import_jobs_sweep",
]
