from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "ruhu.facilities"
    verbose_name = _("场站设施")

    def ready(self) -> None:
        from ruhu.common.ledger import register_ledger_kind
        from ruhu.facilities.evidence import LEDGER_KIND, check_records

        register_ledger_kind(LEDGER_KIND, check_records)
