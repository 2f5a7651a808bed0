"""Reads of households, scoped to the acting user's branch."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.accounts.roles import Capability
from ruhu.common.errors import NotFound
from ruhu.common.fields import blind_index_for, phone_search_index
from ruhu.common.importing import selectors as jobs
from ruhu.common.models import ImportJob
from ruhu.common.pagination import sort_after_fetch
from ruhu.common.policy import policy_get
from ruhu.common.rows import PkReader
from ruhu.common.scoping import get_scoped, in_scope, require, scope_queryset
from ruhu.premises.due import Cycles, due_by
from ruhu.premises.importing import HOUSEHOLD_IMPORT
from ruhu.premises.models import Appliance, Household


@dataclass(frozen=True)
class HouseholdFilter:
    """Every list filter of the households page and API; empty means "any"."""

    q: str = ""
    branch_id: int | None = None
    category: str = ""
    community: str = ""
    supply_status: str = ""
    vulnerable: bool | None = None
    group_rental: bool | None = None
    long_term_absent: bool | None = None
    first_conversion: bool | None = None
    key_customer: bool | None = None
    overdue: bool | None = None


FLAG_FIELDS = {
    "vulnerable": "vulnerable",
    "group_rental": "group_rental",
    "long_term_absent": "long_term_absent",
    "first_conversion": "first_conversion",
    "key_customer": "is_key_customer",
}


def household_list(
    *, acting_user, filters: HouseholdFilter | None = None, **simple
) -> QuerySet[Household]:
    """Scoped households matching `filters` (or the same fields given as keywords)."""
    require(acting_user, Capability.VIEW_HOUSEHOLDS)
    f = filters or HouseholdFilter(**simple)
    qs = scope_queryset(Household.objects.select_related("branch"), acting_user=acting_user)
    exact = {
        "branch_id": f.branch_id,
        "category": f.category,
        "community": f.community.strip(),
        "supply_status": f.supply_status,
    }
    qs = qs.filter(**{field: value for field, value in exact.items() if value})
    for name, field in FLAG_FIELDS.items():
        if getattr(f, name) is not None:
            qs = qs.filter(**{field: getattr(f, name)})
    if f.overdue is not None:
        branches = list(qs.order_by().values_list("branch_id", flat=True).distinct())
        condition = overdue_condition(branches, timezone.localdate())
        qs = qs.filter(condition) if f.overdue else qs.exclude(condition)
    if f.q.strip():
        qs = qs.filter(_search(f.q.strip()))
    if f.q.strip() or f.community.strip():
        return sort_after_fetch(qs, MATCHES_IN_ACCOUNT_ORDER)
    branch_id = f.branch_id or (None if acting_user.is_head_office else acting_user.branch_id)
    if branch_id:
        qs = qs.filter(account_no__gte=_first_account(branch_id))
    return qs.order_by("account_no")


def _first_account(branch_id: int) -> Subquery:
    # a range, not an equality: the planner drops a sort column held equal to a constant, and
    # then took the account index for this probe too, walking the same way
    within = Household.objects.filter(branch_id__gte=branch_id, branch_id__lte=branch_id)
    return Subquery(within.order_by("branch_id", "account_no").values("account_no")[:1])


# Ordered by the bare column, a narrow list (a search term, a community) lets the planner
# walk the account index from the first account, filtering row by row until a page is
# full: seconds at ten million households. Ordered by an expression no index gives (the
# same order), it fetches the few matches through their own indexes and sorts them. A flag
# held by a few percent (key customers) fills a page sooner by the walk: it keeps the column.
# A branch's list in account order may still be read by walking the account index, which
# the planner costs as if the branch's accounts were spread evenly: from the first account
# of all, the walk passed every earlier branch's (1.2 s for the last of eight branches at
# 2,000,000 households). So it starts at the branch's first account (one index probe of
# (branch, account_no)): the same rows, the walk from there (decision 0032).
MATCHES_IN_ACCOUNT_ORDER = Concat("account_no", Value(""))


def _search(q: str) -> Q:
    """A phone or ID number matches exactly through its blind index (an index lookup, so it
    stays fast at millions of rows); other text matches account number, name or community
    exactly, or (three characters or more) a fragment of the address."""
    phone_index = phone_search_index(q)
    if phone_index:
        return Q(phone_bidx=phone_index) | Q(account_no=q)
    if ID_NUMBER.fullmatch(q.upper()):
        return Q(id_number_bidx=blind_index_for("id_number", q)) | Q(account_no=q)
    exact = Q(account_no=q) | Q(name=q) | Q(community=q)
    return exact | Q(address__icontains=q) if len(q) >= TRIGRAM else exact


# An address fragment is matched from three characters on: the trigram index (PostgreSQL)
# answers nothing shorter, so a two-character name such as 王芳 read every address in the
# table; such a fragment would match half a city anyway (decision 0028).
TRIGRAM = 3


ID_NUMBER = re.compile(r"\d{17}[\dX]")


def overdue_condition(branch_ids: list[int], today: dt.date) -> Q:
    """Households past their inspection due date on `today`, by each branch's policy
    (`ruhu.premises.due`: never inspected counts as overdue)."""
    yesterday = today - dt.timedelta(days=1)
    condition = Q(pk__in=[])
    for branch_id in branch_ids:
        condition |= due_by(branch_id, yesterday, Cycles.of_branch(branch_id, today))
    return condition


def household_get(*, acting_user, pk: int) -> Household:
    require(acting_user, Capability.VIEW_HOUSEHOLDS)
    return get_scoped(Household.objects.select_related("branch"), pk, acting_user=acting_user)


# read by primary key in a statement built once (ruhu.common.rows): the busiest read of all
_households_for_visits = PkReader(
    Household, defer=("phone", "id_number", "phone_bidx", "id_number_bidx")
)


def household_for_visit(*, acting_user, pk: int) -> Household:
    """The household a visit is recorded for, without its personal fields: a visit never
    shows them, and decrypting them on each of thousands of visits an hour is waste."""
    require(acting_user, Capability.VIEW_HOUSEHOLDS)
    household = _households_for_visits.get(pk)
    if household is None or not in_scope(household, acting_user=acting_user):
        raise NotFound(_("未找到该记录"), code="not_found")
    return household


# Appliance kind → policy key of its service life (GB 17905); kinds without one never expire.
SERVICE_LIFE_KEYS = {
    "stove": "appliance.service_life_years.stove",
    "water_heater": "appliance.service_life_years.water_heater",
    "wall_hung_boiler": "appliance.service_life_years.wall_hung_boiler",
    "gas_alarm": "appliance.service_life_years.gas_alarm",
}


@dataclass(frozen=True)
class ApplianceRow:
    """An appliance as pages and the API show it: with its service life from the branch's
    policy and whether it is past it. Reads the appliance's own fields through to it."""

    appliance: Appliance
    service_life_years: int | None
    past_service_life: bool

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "appliance":  # copying, pickling
            raise AttributeError(name)
        return getattr(self.appliance, name)

    def __str__(self) -> str:
        return str(self.appliance)


def appliance_list(*, household: Household, on: dt.date | None = None) -> list[ApplianceRow]:
    """A household's appliances, each judged against the service life its branch's policy
    gives its kind on `on`."""
    on = on or timezone.localdate()
    rows = []
    for appliance in household.appliances.all():
        life = service_life_years(kind=appliance.kind, branch_id=household.branch_id, on=on)
        past = bool(
            life and appliance.installed_year and on.year - appliance.installed_year >= life
        )
        rows.append(ApplianceRow(appliance, life, past))
    return rows


def service_life_years(*, kind: str, branch_id: int, on: dt.date) -> int | None:
    """Years an appliance of this kind may be used (policy); None for kinds without one."""
    key = SERVICE_LIFE_KEYS.get(kind)
    return int(policy_get(key, branch=branch_id, on=on)) if key else None


def import_job_list(*, acting_user) -> QuerySet[ImportJob]:
    return jobs.import_job_list(
        acting_user=acting_user, kind=HOUSEHOLD_IMPORT, capability=Capability.IMPORT_HOUSEHOLDS
    )


def import_job_get(*, acting_user, pk) -> ImportJob:
    """The household import job; while it runs, with the rows read so far."""
    return jobs.import_job_get(
        acting_user=acting_user,
        pk=pk,
        kind=HOUSEHOLD_IMPORT,
        capability=Capability.IMPORT_HOUSEHOLDS,
    )
