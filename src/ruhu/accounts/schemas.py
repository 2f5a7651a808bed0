from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from ruhu.common.schemas import ObjectId, Text


class TokenIn(Schema):
    username: Text = Field(min_length=1, max_length=150)
    password: Text = Field(min_length=1, max_length=200)
    device_name: Text = Field(default="device", max_length=100)


class TokenCreatedOut(Schema):
    id: int
    token: str
    name: str
    prefix: str
    expires_at: dt.datetime | None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    state: str = Field(description="live, expired or revoked")


class OrgUnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str


class StaffOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    badge_no: str
    phone_masked: str
    is_active: bool
    branch: OrgUnitOut | None
    org_unit: OrgUnitOut | None

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return obj._meta.get_field("phone").mask(obj.phone)


class ReasonIn(Schema):
    reason: Text = Field(min_length=1, max_length=500)


class StaffSearchIn(Schema):
    """A staff search, sent in a POST body: the term may be a phone number, which never goes
    in a URL."""

    q: Text = Field("", max_length=100, description="姓名、用户名、工牌号或手机号")
    role: Text = ""
    branch: ObjectId | None = None
