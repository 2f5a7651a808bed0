"""Reads of households, scoped to the acting user's branch."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from ruhu.accounts.roles import Capability
from ruhu.common.fields import blind_index_for, phone_search_index
from ruhu.common.policy import policy_get
from ruhu.common.scoping import get_scoped, require, scope_queryset
from ruhu.premises.models import Appliance, Household, Meter


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


# Appliance kind → policy key of its service life (GB 17905); kinds without one never expire.
SERVICE_LIFE_KEYS = {
    "stove": "appliance.service_life_years.stove",
    "water_heater": "appliance.service_life_years.water_heater",
    "wall_hung_boiler": "appliance.service_life_years.wall_hung_boiler",
    "gas_alarm": "appliance.service_life_years.gas_alarm",
}


def appliance_list(*, household: Household, on: dt.date | None = None) -> list[Appliance]:
    """A household's appliances, each with `past_service_life` set from the branch's policy."""
    on = on or timezone.localdate()
    appliances = list(household.appliances.all())
    for appliance in appliances:
        key = SERVICE_LIFE_KEYS.get(appliance.kind)
        life = policy_get(key, branch=household.branch_id, on=on) if key else None
        appliance.service_life_years = life
        appliance.past_service_life = bool(
            life and appliance.installed_year and on.year - appliance.installed_year >= life
        )
    return appliances


def meter_of(household: Household) -> Meter | None:
    return Meter.objects.filter(household=household).first()
