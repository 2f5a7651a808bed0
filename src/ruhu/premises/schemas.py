from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from ruhu.accounts.schemas import OrgUnitOut
from ruhu.common.schemas import ObjectId, Text
from ruhu.premises.models import Category, SupplyStatus
from ruhu.premises.selectors import HouseholdFilter, appliance_list


class MeterOut(Schema):
    serial: str
    kind: str
    location: str
    brand: str
    model: str
    size: str
    inlet: str
    last_reading: Decimal | None
    last_read_on: dt.date | None


class ApplianceOut(Schema):
    id: int
    kind: str
    brand: str
    model: str
    flue_type: str
    installed_year: int | None
    service_life_years: int | None
    past_service_life: bool


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
    meter: MeterOut | None

    @staticmethod
    def resolve_meter(obj) -> dict | None:
        if not obj.meter_serial:
            return None
        fields = ("serial", "kind", "location", "brand", "model", "size", "inlet")
        meter: dict = {name: getattr(obj, f"meter_{name}") for name in fields}
        meter["last_reading"] = obj.meter_last_reading
        meter["last_read_on"] = obj.meter_last_read_on
        return meter

    @staticmethod
    def resolve_category_label(obj) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return obj._meta.get_field("phone").mask(obj.phone)

    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return obj._meta.get_field("id_number").mask(obj.id_number)


class HouseholdDetailOut(HouseholdOut):
    appliances: list[ApplianceOut]

    @staticmethod
    def resolve_appliances(obj) -> list:
        return appliance_list(household=obj)


class HouseholdFilterIn(Schema):
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


class HouseholdSearchIn(HouseholdFilterIn):
    """The filters plus a search term, sent in a POST body: the term may be a phone or ID
    number, which never goes in a URL."""

    q: Text = Field("", max_length=100, description="户号、户名、手机号、身份证号或地址")
