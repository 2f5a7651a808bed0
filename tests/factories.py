"""Builders of the company, its staff, households, facilities, training and plans.

Everything but facilities is built through the services, as in production: audited,
personal data encrypted and blind-indexed, plans generated and approved by a lead. The
personas (tests/conftest.py) are fixtures made with these builders; a test that needs more
people or households calls them directly. (No factory_boy: a factory would have to route
each `create` to a service, leaving it only defaults and sequences, which keyword arguments
and a counter give.)
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.services import org_unit_create, user_create
from ruhu.facilities.models import Facility, FacilityKind
from ruhu.inspection.models import Plan, TrainingTopic
from ruhu.inspection.services import plan_approve, plan_generate, training_record_create
from ruhu.premises.models import Household
from ruhu.premises.services import household_create

PASSWORD = "correct-horse-battery-9"
TRAINED_ON = dt.date(2026, 6, 1)

_account_numbers = itertools.count(1)


@dataclass(frozen=True)
class Org:
    """The company with two branches, A (east) and B (west), and a team in each."""

    company: OrgUnit
    a: OrgUnit
    b: OrgUnit
    team_a: OrgUnit
    team_b: OrgUnit


def make_org() -> Org:
    def unit(kind: str, code: str, name: str, parent: OrgUnit | None = None) -> OrgUnit:
        return org_unit_create(acting_user=None, kind=kind, code=code, name=name, parent=parent)

    company = unit("company", "acme", "示范燃气")
    a, b = (
        unit("branch", "a", "东城项目公司", company),
        unit("branch", "b", "西城项目公司", company),
    )
    team_a, team_b = unit("team", "a1", "东城一班", a), unit("team", "b1", "西城一班", b)
    return Org(company=company, a=a, b=b, team_a=team_a, team_b=team_b)


def make_user(username: str, role: str, unit: OrgUnit | None, **extra) -> User:
    """A member of staff who signs in with PASSWORD."""
    return user_create(
        acting_user=None,
        username=username,
        full_name=username.title(),
        role=role,
        org_unit=unit,
        password=PASSWORD,
        **extra,
    )


def make_household(branch: OrgUnit, *, account_no: str = "", **fields) -> Household:
    """A residential household of `branch`; the account number is the branch code and a
    running number unless given."""
    fields.setdefault("name", "王伟")
    fields.setdefault("category", "residential")
    account_no = account_no or f"{branch.code.upper()}{next(_account_numbers):06d}"
    return household_create(acting_user=None, branch=branch, account_no=account_no, **fields)


def make_facility(branch: OrgUnit, code: str, kind: str = FacilityKind.REGULATOR_BOX, **extra):
    """A facility of `branch`, written straight to its table so that a test can give it a
    history (last check, last cleaning, safety valve) that only checks would give it."""
    fields = {
        "location": "翠苑小区3幢北侧",
        "community": "翠苑小区",
        "registered_on": dt.date(2026, 1, 5),
        **extra,
    }
    return Facility.objects.create(branch=branch, code=code, kind=kind, **fields)


def make_households(
    branch: OrgUnit,
    community: str,
    count: int,
    start: int,
    *,
    building: str = "1幢",
    phone: bool = False,
    **fields,
) -> list[Household]:
    """`count` households in one building of a community, rooms 0101, 0201, …, with the
    account numbers `<branch><start>` onwards (and a mobile number each when `phone`)."""
    return [
        make_household(
            branch,
            account_no=f"{branch.code.upper()}{start + n:06d}",
            name=f"住户{start + n}",
            community=community,
            building=building,
            room=f"{n + 1:02d}01",
            phone=f"1391234{start + n:04d}" if phone else "",
            **fields,
        )
        for n in range(count)
    ]


def make_training(lead: User, *inspectors: User, on: dt.date = TRAINED_ON) -> None:
    """`inspectors` trained in every topic on `on`, so plans may give them households."""
    training_record_create(
        acting_user=lead,
        inspectors=list(inspectors),
        trained_on=on,
        topics=list(TrainingTopic.values),
        trainer="王工",
    )


def make_approved_plan(lead: User, branch: OrgUnit, month: dt.date) -> Plan:
    """The month's plan of `branch`, generated and approved by `lead`."""
    plan = plan_generate(acting_user=lead, branch=branch, month=month)
    return plan_approve(acting_user=lead, plan=plan)
