from __future__ import annotations

from ninja import Schema

from ruhu.accounts.schemas import OrgUnitOut


class HouseholdOut(Schema):
    id: int
    account_no: str
    name: str
    category: str
    category_label: str
    address: str
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
