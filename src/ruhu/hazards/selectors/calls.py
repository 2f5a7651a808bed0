"""Follow-up calls, their recordings and the month-end packages: for the leads and safety
supervision (§5 ⑥)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.accounts.roles import Capability
from ruhu.common.errors import NotFound
from ruhu.common.scoping import require, scope_queryset
from ruhu.hazards.models import FollowUpCall, MonthlyPackage

# who may hear the calls' recordings and receive the month-end packages (§5 ⑥)
HEARERS = (Capability.MANAGE_HAZARDS, Capability.SUPERVISE_HAZARDS)


def may_hear_recordings(user) -> bool:
    return any(user.can(capability) for capability in HEARERS)


def calls_visible(*, acting_user) -> QuerySet[FollowUpCall]:
    """Follow-up calls and their recordings: for the leads and safety supervision (§5 ⑥)."""
    if not may_hear_recordings(acting_user):
        require(acting_user, Capability.SUPERVISE_HAZARDS)
    return scope_queryset(FollowUpCall.objects.all(), acting_user=acting_user)


def call_get(*, acting_user, pk) -> FollowUpCall:
    call = calls_visible(acting_user=acting_user).select_related("recording").filter(pk=pk).first()
    if call is None:
        raise NotFound(_("未找到该回访记录"), code="not_found")
    return call


def calls_in_month(*, acting_user, month: dt.date) -> QuerySet[FollowUpCall]:
    """The month's calls (Asia/Shanghai), with or without a recording, oldest first."""
    start = timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time.min))
    following = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    end = timezone.make_aware(dt.datetime.combine(following, dt.time.min))
    return (
        calls_visible(acting_user=acting_user)
        .filter(called_at__gte=start, called_at__lt=end)
        .select_related("caller", "hazard", "hazard__hazard_type", "hazard__household")
        .order_by("called_at", "pk")
    )


def packages_visible(*, acting_user) -> QuerySet[MonthlyPackage]:
    """Month-end packages: for the leads and safety supervision, newest first."""
    if not may_hear_recordings(acting_user):
        require(acting_user, Capability.SUPERVISE_HAZARDS)
    return scope_queryset(
        MonthlyPackage.objects.select_related("branch", "pdf", "xlsx"), acting_user=acting_user
    ).order_by("-month", "branch__code", "audience")


def package_file(*, acting_user, pk: int, fmt: str):
    package = packages_visible(acting_user=acting_user).filter(pk=pk).first()
    if package is None or fmt not in ("pdf", "xlsx"):
        raise NotFound(_("未找到该报送包"), code="not_found")
    return package, getattr(package, fmt)
