from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    name = "ruhu.inspection"
    verbose_name = _("入户安检")

    def ready(self) -> None:
        from ruhu.common.ledger import register_ledger_kind
        from ruhu.inspection.evidence import LEDGER_KIND, visit_records

        register_ledger_kind(LEDGER_KIND, visit_records)
