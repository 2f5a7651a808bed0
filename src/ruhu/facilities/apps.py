from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "ruhu.facilities"
    verbose_name = _("场站设施")

    def ready(self) -> None:
        from ruhu.common.ledger import register_ledger_kind
        from ruhu.facilities import policies  # noqa: F401  (declares the policy keys it reads)
        from ruhu.facilities.evidence import LEDGER_KIND, SHAPE, check_records

        register_ledger_kind(LEDGER_KIND, check_records, ranges=SHAPE.ranges)
        _register_citations()


def _register_citations() -> None:
    """A check's photos and a repair's photo are seen by who may see the facilities
    (ruhu.common.citations)."""
    from ruhu.accounts.roles import Capability
    from ruhu.common.citations import register_citation
    from ruhu.facilities.models import FacilityCheckPhoto
    from ruhu.facilities.selectors import checks_visible, repairs_on_record_cards

    register_citation(
        "facilities.check_photo",
        capabilities=(Capability.VIEW_FACILITIES,),
        records=lambda user: FacilityCheckPhoto.objects.filter(
            check_record__in=checks_visible(acting_user=user)
        ),
        fields=("attachment",),
    )
    register_citation(
        "facilities.repair",
        capabilities=(Capability.VIEW_FACILITIES,),
        records=lambda user: repairs_on_record_cards(acting_user=user),
        fields=("after_photo",),
    )
