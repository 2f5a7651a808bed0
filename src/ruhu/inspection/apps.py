from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    name = "ruhu.inspection"
    verbose_name = _("入户安检")

    def ready(self) -> None:
        from ruhu.common.ledger import register_ledger_kind
        from ruhu.inspection import policies  # noqa: F401  (declares the policy keys it reads)
        from ruhu.inspection.evidence import LEDGER_KIND, SHAPE, visit_records

        register_ledger_kind(LEDGER_KIND, visit_records, ranges=SHAPE.ranges)
        _register_citations()


def _register_citations() -> None:
    """A visit's signature and photos are seen by who may see the visit; a community
    notice's PDF and posting photo by who may see the notice (ruhu.common.citations)."""
    from ruhu.accounts.roles import Capability
    from ruhu.common.citations import register_citation
    from ruhu.inspection.models import VisitHazard, VisitPhoto
    from ruhu.inspection.selectors import community_notice_list, visits_visible

    visits = (Capability.VIEW_HOUSEHOLDS,)
    register_citation(
        "inspection.visit",
        capabilities=visits,
        records=lambda user: visits_visible(acting_user=user),
        fields=("signature",),
    )
    register_citation(
        "inspection.visit_photo",
        capabilities=visits,
        records=lambda user: VisitPhoto.objects.filter(visit__in=visits_visible(acting_user=user)),
        fields=("attachment",),
    )
    register_citation(
        "inspection.visit_hazard",
        capabilities=visits,
        records=lambda user: VisitHazard.objects.filter(visit__in=visits_visible(acting_user=user)),
        fields=("before_photo", "after_photo"),
    )
    register_citation(
        "inspection.community_notice",
        capabilities=(Capability.MANAGE_PLANS, Capability.RECORD_VISITS),
        records=lambda user: community_notice_list(acting_user=user),
        fields=("document", "posting_photo"),
    )
