"""Reads of households, scoped to the acting user's branch."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ruhu.accounts.roles import Capability
from ruhu.common.fields import blind_index_for, phone_search_index
from ruhu.common.scoping import get_scoped, require, scope_queryset
from ruhu.premises.models import Household


def household_list(
    *, acting_user, q: str = "", category: str = "", branch_id: int | None = None
) -> QuerySet[Household]:
    require(acting_user, Capability.VIEW_HOUSEHOLDS)
    qs = scope_queryset(Household.objects.select_related("branch"), acting_user=acting_user)
    if category:
        qs = qs.filter(category=category)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    q = q.strip()
    if q:
        condition = Q(account_no=q) | Q(address__icontains=q) | Q(name=q)
        phone_index = phone_search_index(q)
        if phone_index:
            condition |= Q(phone_bidx=phone_index)
        condition |= Q(id_number_bidx=blind_index_for("id_number", q))
        qs = qs.filter(condition)
    return qs.order_by("account_no")


def household_get(*, acting_user, pk: int) -> Household:
    require(acting_user, Capability.VIEW_HOUSEHOLDS)
    return get_scoped(Household.objects.select_related("branch"), pk, acting_user=acting_user)
