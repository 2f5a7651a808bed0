from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "ruhu.hazards"
    verbose_name = _("隐患整改")

    def ready(self) -> None:
        from ruhu.common.ledger import register_ledger_kind
        from ruhu.hazards import policies  # noqa: F401  (declares the policy keys it reads)
        from ruhu.hazards.evidence import LEDGER_KIND, step_records

        register_ledger_kind(LEDGER_KIND, step_records)
        _register_citations()


def _register_citations() -> None:
    """A hazard's photos and its notices' paper are seen by who may see hazards; the calls'
    recordings and the month-end packages by who may hear them (ruhu.common.citations)."""
    from ruhu.accounts.roles import Capability
    from ruhu.common.citations import register_citation
    from ruhu.hazards.models import HazardStep
    from ruhu.hazards.selectors import (
        HEARERS,
        calls_visible,
        hazards_visible,
        notices_visible,
        packages_visible,
    )

    cases = (Capability.VIEW_HAZARDS,)
    register_citation(
        "hazards.hazard",
        capabilities=cases,
        records=lambda user: hazards_visible(acting_user=user),
        fields=("before_photo",),
    )
    register_citation(
        "hazards.step",
        capabilities=cases,
        records=lambda user: HazardStep.objects.filter(
            hazard__in=hazards_visible(acting_user=user)
        ),
        fields=("photo",),
    )
    register_citation(
        "hazards.notice",
        capabilities=cases,
        records=lambda user: notices_visible(acting_user=user),
        fields=("document", "delivery_photo"),
    )
    register_citation(
        "hazards.call",
        capabilities=HEARERS,
        records=lambda user: calls_visible(acting_user=user),
        fields=("recording",),
    )
    register_citation(
        "hazards.package",
        capabilities=HEARERS,
        records=lambda user: packages_visible(acting_user=user),
        fields=("pdf", "xlsx"),
    )
