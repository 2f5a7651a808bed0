"""Navigation shown in the base layout: only what the user's role may open, and the
inbox's unread count (a callable: counted only by a page that shows it, one query)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.roles import Capability
from ruhu.common.inbox import inbox_unread_count

NAV = [
    ("home", _("首页"), None),
    ("field-day", _("今日任务"), Capability.RECORD_VISITS),
    ("community-notices", _("小区通知"), Capability.RECORD_VISITS),
    ("review-queue", _("不遇复核"), Capability.REVIEW_ABSENT),
    ("hazard-queue", _("隐患待办"), Capability.VIEW_HAZARDS),
    ("facility-schedule", _("设施巡检"), Capability.VIEW_FACILITIES),
    ("facility-repairs", _("设施维修"), Capability.REPAIR_FACILITIES),
    ("households", _("用户档案"), Capability.VIEW_HOUSEHOLDS),
    ("staff", _("员工"), Capability.VIEW_STAFF),
    ("plans", _("安检计划"), Capability.MANAGE_PLANS),
    ("training", _("培训"), Capability.MANAGE_TRAINING),
    ("hazard-rates", _("整改率"), Capability.VIEW_HAZARDS),
    ("audit", _("审计记录"), Capability.VIEW_AUDIT),
    ("tokens", _("我的设备"), None),
]


def navigation(request):
    user = getattr(request, "user", None)
    # until a one-time password is replaced, every page but the password page is closed
    if user is None or not user.is_authenticated or user.must_change_password:
        return {"nav": []}
    items = [
        {"url": reverse(name), "label": label, "active": request.path == reverse(name)}
        for name, label, capability in NAV
        if capability is None or _shows(user, capability)
    ]
    return {"nav": items, "inbox_unread": lambda: inbox_unread_count(acting_user=user)}


def _shows(user, capability: str) -> bool:
    # A superuser may open every page, but only field staff have a day of visits to show.
    if capability == Capability.RECORD_VISITS:
        return user.is_field_staff and user.can(capability)
    # the repair list is the repairers' work and the leads' to hand out
    if capability == Capability.REPAIR_FACILITIES:
        return user.can(capability) or user.can(Capability.MANAGE_FACILITIES)
    return user.can(capability)
