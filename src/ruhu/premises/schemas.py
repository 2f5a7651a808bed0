from __future__ import annotations

import datetime as dt

from ninja import Schema

from ruhu.accounts.schemas import OrgUnitOut
from ruhu.common.schemas import ObjectId, Text
from ruhu.premises.models import Category, SupplyStatus
from ruhu.premises.selectors import HouseholdFilter


class HouseholdOut(Schema):
    id: int
    account_no: str
    name: str
    category: str
    category_label: str
    address: str
    district: str
    community: str
    building: str
    unit: str
    room: str
    supply_status: str
    is_key_customer: bool
    vulnerable: bool
    group_rental: bool
    long_term_absent: bool
    first_conversion: bool
    last_inspected_on: dt.date | None
    gas_since: dt.date | None
    phone_masked: str
    id_number_masked: str
    branch: OrgUnitOut

    @staticmethod
    def resolve_category_label(obj) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return obj._meta.get_field("phone").mask(obj.phone)

    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return obj._meta.get_field("id_number").mask(obj.id_number)


class HouseholdFilterIn(Schema):
    q: Text = ""
    branch: ObjectId | None = None
    category: Category | None = None
    community: Text = ""
    supply_status: SupplyStatus | None = None
    overdue: bool | None = None
    key_customer: bool | None = None
    vulnerable: bool | None = None
    group_rental: bool | None = None
    long_term_absent: bool | None = None
    first_conversion: bool | None = None

    def to_filter(self) -> HouseholdFilter:
        data = self.model_dump()
        branch = data.pop("branch")
        category = data.pop("category")
        supply = data.pop("supply_status")
        return HouseholdFilter(
            branch_id=branch,
            category=category or "",
            supply_status=supply or "",
            **data,
        )
