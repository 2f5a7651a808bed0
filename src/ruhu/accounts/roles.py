"""Roles and what each may do. Deny by default: a capability not listed is refused."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INSPECTOR = "inspector", _("安检员")
    REPAIRER = "repairer", _("维修员")
    INSTALLER = "installer", _("安装员")
    CLEANER = "cleaner", _("保洁员")
    SUBCONTRACTOR = "subcontractor", _("分包人员")
    REVIEWER = "reviewer", _("安检复核人员")
    INSPECTION_LEAD = "inspection_lead", _("安检主管")
    CUSTOMER_SERVICE = "customer_service", _("客服")
    SAFETY_SUPERVISION = "safety_supervision", _("安全监察部")
    RECEPTION = "reception", _("前台")
    SECURITY = "security", _("安保")
    HOST = "host", _("接待员工")
    MANAGER = "manager", _("经理")
    ADMIN = "admin", _("系统管理员")


FIELD_ROLES = frozenset(
    {Role.INSPECTOR, Role.REPAIRER, Role.INSTALLER, Role.CLEANER, Role.SUBCONTRACTOR}
)


class Capability(models.TextChoices):
    VIEW_HOUSEHOLDS = "households.view", _("查看用户档案")
    IMPORT_HOUSEHOLDS = "households.import", _("导入用户档案")
    UNMASK_PII = "pii.unmask", _("查看完整个人信息")
    VIEW_STAFF = "staff.view", _("查看员工")
    MANAGE_STAFF = "staff.manage", _("管理员工")
    VIEW_AUDIT = "audit.view", _("查看审计记录")
    MANAGE_POLICY = "policy.manage", _("管理政策参数")
    MANAGE_TRAINING = "training.manage", _("登记安检员培训")
    MANAGE_PLANS = "plans.manage", _("编制安检计划")
    APPROVE_PLANS = "plans.approve", _("批准安检计划")
    RECORD_VISITS = "visits.record", _("入户安检")
    REVIEW_ABSENT = "visits.review", _("复核到访不遇")
    VIEW_HAZARDS = "hazards.view", _("查看隐患整改")
    MANAGE_HAZARDS = "hazards.manage", _("跟进隐患整改")
    REPAIR_HAZARDS = "hazards.repair", _("维修整改隐患")
    LIMIT_SUPPLY = "supply.limit", _("限量售气与恢复供气")
    SUPERVISE_HAZARDS = "hazards.supervise", _("处理移交的隐患案件")
    VIEW_FACILITIES = "facilities.view", _("查看场站设施")
    MANAGE_FACILITIES = "facilities.manage", _("管理场站设施与检查任务")
    CHECK_FACILITIES = "facilities.check", _("检查场站设施")
    REPAIR_FACILITIES = "facilities.repair", _("维修场站设施")
    SECURITY_ALERTS = "security.alerts", _("接收安全提醒")


# Hands-on work in homes and at facilities. A staff manager hires people for it without doing
# it (the administrator role holds none of it either), and it reaches no one else's records:
# it is the one part of a role that may be granted by someone who does not hold it.
FIELD_WORK = frozenset(
    {
        Capability.RECORD_VISITS,
        Capability.REPAIR_HAZARDS,
        Capability.CHECK_FACILITIES,
        Capability.REPAIR_FACILITIES,
    }
)

_OFFICE = {
    Capability.VIEW_HOUSEHOLDS,
    Capability.VIEW_STAFF,
    Capability.VIEW_AUDIT,
    Capability.VIEW_HAZARDS,
    Capability.VIEW_FACILITIES,
}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.INSPECTOR: frozenset(
        {
            Capability.VIEW_HOUSEHOLDS,
            Capability.RECORD_VISITS,
            Capability.VIEW_HAZARDS,
            Capability.VIEW_FACILITIES,
            Capability.CHECK_FACILITIES,
        }
    ),
    Role.REPAIRER: frozenset(
        {
            Capability.VIEW_HOUSEHOLDS,
            Capability.REPAIR_HAZARDS,
            Capability.VIEW_HAZARDS,
            Capability.VIEW_FACILITIES,
            Capability.REPAIR_FACILITIES,
        }
    ),
    Role.INSTALLER: frozenset({Capability.VIEW_HOUSEHOLDS}),
    Role.CLEANER: frozenset(),
    Role.SUBCONTRACTOR: frozenset(),
    Role.REVIEWER: frozenset(_OFFICE | {Capability.REVIEW_ABSENT}),
    Role.INSPECTION_LEAD: frozenset(
        _OFFICE
        | {
            Capability.UNMASK_PII,
            Capability.IMPORT_HOUSEHOLDS,
            Capability.MANAGE_TRAINING,
            Capability.MANAGE_PLANS,
            Capability.APPROVE_PLANS,
            Capability.REVIEW_ABSENT,
            Capability.MANAGE_HAZARDS,
            Capability.MANAGE_FACILITIES,
        }
    ),
    Role.CUSTOMER_SERVICE: frozenset(
        _OFFICE | {Capability.UNMASK_PII, Capability.IMPORT_HOUSEHOLDS, Capability.LIMIT_SUPPLY}
    ),
    Role.SAFETY_SUPERVISION: frozenset(
        _OFFICE | {Capability.UNMASK_PII, Capability.SUPERVISE_HAZARDS}
    ),
    Role.RECEPTION: frozenset({Capability.VIEW_STAFF}),
    Role.SECURITY: frozenset({Capability.VIEW_STAFF}),
    Role.HOST: frozenset({Capability.VIEW_STAFF}),
    Role.MANAGER: frozenset(
        _OFFICE
        | {
            Capability.UNMASK_PII,
            Capability.MANAGE_STAFF,
            Capability.IMPORT_HOUSEHOLDS,
            Capability.MANAGE_TRAINING,
            Capability.MANAGE_PLANS,
            Capability.MANAGE_FACILITIES,
            # the branch's own staff unmasking past the limit is the manager's to look into
            Capability.SECURITY_ALERTS,
        }
    ),
    # The administrator manages; entering homes is field staff's work.
    Role.ADMIN: frozenset(set(Capability) - FIELD_WORK),
}


def role_can(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())


def role_grant_gap(acting_user, role: str) -> frozenset[str]:
    """The capabilities of `role` the acting user may not hand out: nobody grants what they do
    not hold themselves, field work excepted. The system (None) and superusers hold all."""
    if acting_user is None or acting_user.is_superuser:
        return frozenset()
    held = CAPABILITIES.get(acting_user.role, frozenset())
    return CAPABILITIES.get(role, frozenset()) - held - FIELD_WORK
