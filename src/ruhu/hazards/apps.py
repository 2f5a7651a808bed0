from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "ruhu.hazards"
    verbose_name = _("隐患整改")

    def ready(self) -> None:
        from ruhu.common.ledger import register_ledger_kind
        from ruhu.hazards.evidence import LEDGER_KIND, step_records

        register_ledger_kind(LEDGER_KIND, step_records)
