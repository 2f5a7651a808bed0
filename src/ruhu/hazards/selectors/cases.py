"""Reads of one case and what it cites, each scoped to the acting user (DESIGN rule 6)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.errors import NotFound
from ruhu.common.models import Attachment
from ruhu.common.scoping import require, scope_queryset
from ruhu.hazards.models import FollowUpCall, Hazard, HazardNotice, HazardType
from ruhu.hazards.workflow import notice_kind_for


def hazard_types_by_code(*, active_only: bool = True) -> dict[str, HazardType]:
    types = HazardType.objects.all()
    if active_only:
        types = types.filter(active=True)
    return {t.code: t for t in types}


def hazards_visible(*, acting_user) -> QuerySet[Hazard]:
    """Every hazard the user may see: head office all, a branch its own."""
    require(acting_user, Capability.VIEW_HAZARDS)
    return scope_queryset(Hazard.objects.all(), acting_user=acting_user)


def hazard_for_user(*, acting_user, pk: int) -> Hazard | None:
    return (
        hazards_visible(acting_user=acting_user)
        .select_related("hazard_type", "household", "found_by", "assignee")
        .filter(pk=pk)
        .first()
    )


def notices_visible(*, acting_user) -> QuerySet[HazardNotice]:
    require(acting_user, Capability.VIEW_HAZARDS)
    return scope_queryset(HazardNotice.objects.all(), acting_user=acting_user)


def hazard_get(*, acting_user, pk: int) -> Hazard:
    """One hazard in the caller's scope, or NotFound (404): another branch's id leaks nothing."""
    hazard = hazard_for_user(acting_user=acting_user, pk=pk)
    if hazard is None:
        raise NotFound(_("未找到该隐患"), code="not_found")
    return hazard


def notice_get(*, acting_user, pk: int) -> HazardNotice:
    notice = (
        notices_visible(acting_user=acting_user)
        .select_related("household", "delivered_by", "issued_by")
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise NotFound(_("未找到该文书"), code="not_found")
    return notice


def notice_batch(*, acting_user, hazard: Hazard) -> list[Hazard]:
    """The hazards one notice for `hazard` covers: those of its household (for a property
    letter, of its community) in its branch that wait for the same notice."""
    kind = notice_kind_for(hazard.state)
    if kind is None:
        return [hazard]
    same = hazards_visible(acting_user=acting_user).filter(
        branch_id=hazard.branch_id, state=hazard.state
    )
    if kind == HazardNotice.Kind.PROPERTY_LETTER:
        if not hazard.household.community:
            return [hazard]
        same = same.filter(household__community=hazard.household.community)
    else:
        same = same.filter(household_id=hazard.household_id)
    return list(same.select_related("household").order_by("pk"))


def pending_notices(*, hazard_ids, kinds) -> dict[int, HazardNotice]:
    """For each hazard, the notice of one of `kinds` issued for it but not yet delivered
    (one query; the hazards come from a scoped list)."""
    links = (
        HazardNotice.hazards.through.objects.filter(
            hazard_id__in=list(hazard_ids),
            hazardnotice__kind__in=list(kinds),
            hazardnotice__delivered_on__isnull=True,
        )
        .select_related("hazardnotice")
        .order_by("hazardnotice__issued_on", "hazardnotice_id")
    )
    return {link.hazard_id: link.hazardnotice for link in links}


def hazard_steps(*, hazard: Hazard) -> QuerySet:
    """The full history of a hazard the caller has already fetched through `hazard_get`."""
    return hazard.steps.select_related("actor", "notice", "notice__delivered_by").order_by("number")


def hazard_notices(*, hazard: Hazard) -> QuerySet[HazardNotice]:
    return hazard.notices.select_related("delivered_by", "issued_by", "copy_received_by").order_by(
        "issued_on", "pk"
    )


def hazard_calls(*, hazard: Hazard) -> QuerySet[FollowUpCall]:
    return hazard.calls.select_related("caller").order_by("-called_at")


def hazard_attachment(*, hazard: Hazard, attachment_id, with_recordings: bool):
    """An attachment the hazard's record cites (its photos, its notices' documents and
    delivery photos, and, for those who may hear them, its calls' recordings); else 404."""
    cited = {hazard.before_photo_id}
    cited |= set(hazard.steps.exclude(photo=None).values_list("photo_id", flat=True))
    for document, delivery in hazard.notices.values_list("document_id", "delivery_photo_id"):
        cited |= {document, delivery}
    if with_recordings:
        cited |= set(hazard.calls.exclude(recording=None).values_list("recording_id", flat=True))
    cited.discard(None)
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None or attachment.pk not in cited:
        raise NotFound(_("未找到该附件"), code="not_found")
    return attachment


def repairers_for(*, hazard: Hazard) -> QuerySet:
    """The repairers a lead may assign the hazard to: active, of its branch."""
    return User.objects.filter(
        role=Role.REPAIRER, branch_id=hazard.branch_id, is_active=True
    ).order_by("full_name", "username")
