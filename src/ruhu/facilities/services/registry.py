"""Writing the facility registry: register, edit, retire. Each write is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Capability
from ruhu.common.audit import audit_record, diff, snapshot
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import IllegalTransition, NotFound, ValidationFailed
from ruhu.common.scoping import require
from ruhu.facilities.checklist import has_safety_valve
from ruhu.facilities.models import Facility, FacilityKind, FacilityTask

register_action_labels(
    {
        "facility.create": _("登记场站设施"),
        "facility.update": _("修改场站设施"),
        "facility.deactivate": _("停用场站设施"),
        "facility.reactivate": _("恢复使用场站设施"),
    }
)
EDITABLE = (
    "kind", "name", "location", "community", "latitude", "longitude", "model", "manufacturer",
    "installed_on", "safety_valve_valid_until", "assignee",
)  # fmt: skip


def _branch_for(acting_user: User, branch: OrgUnit | None) -> OrgUnit:
    """Branch staff register into their own branch; head office names one."""
    if acting_user.branch_id:
        if branch is not None and branch.pk != acting_user.branch_id:
            raise NotFound(_("未找到该分公司"), code="not_found")
        return OrgUnit.objects.get(pk=acting_user.branch_id)
    if branch is None or branch.kind != OrgUnit.Kind.BRANCH:
        raise ValidationFailed(_("请选择分公司"), code="facility_branch")
    return branch


def _check_assignee(assignee, branch_id: int) -> None:
    """The one responsible for a facility is active staff of its branch."""
    if assignee is not None and (not assignee.is_active or assignee.branch_id != branch_id):
        raise ValidationFailed(_("责任人须为设施所在分公司的在职员工"), code="facility_assignee")


def _check_fields(fields: dict) -> None:
    if fields.get("kind") not in FacilityKind.values:
        raise ValidationFailed(_("未知的设施类型"), code="facility_kind")
    if not (fields.get("location") or "").strip():
        raise ValidationFailed(_("请填写设施位置"), code="facility_location")
    if fields.get("safety_valve_valid_until") and not has_safety_valve(fields["kind"]):
        raise ValidationFailed(_("该类设施没有安全阀"), code="facility_no_safety_valve")
    for name, bound in (("latitude", 90), ("longitude", 180)):
        value = fields.get(name)
        if value is not None and abs(Decimal(value)) > bound:
            raise ValidationFailed(_("坐标超出范围"), code="facility_coordinates")
    installed = fields.get("installed_on")
    if installed and installed > dt.date.today():
        raise ValidationFailed(_("安装日期不能在未来"), code="facility_installed_on")


@transaction.atomic
def facility_create(
    *, acting_user: User, code: str, branch: OrgUnit | None = None, **fields
) -> Facility:
    require(acting_user, Capability.MANAGE_FACILITIES)
    code = code.strip()
    if not code:
        raise ValidationFailed(_("请填写设施编号"), code="facility_code")
    _check_fields(fields)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"unknown facility fields: {sorted(unknown)}")
    branch = _branch_for(acting_user, branch)
    _check_assignee(fields.get("assignee"), branch.pk)
    facility = Facility(code=code, branch=branch, **fields)
    try:
        with transaction.atomic():
            facility.save()
    except IntegrityError:
        raise ValidationFailed(
            _("设施编号已存在"), code="facility_code_taken", code_value=code
        ) from None
    audit_record(
        acting_user=acting_user,
        action="facility.create",
        target=facility,
        changes={k: [None, v] for k, v in snapshot(facility, ["code", *EDITABLE]).items()},
    )
    return facility


@transaction.atomic
def facility_update(*, acting_user: User, facility: Facility, **fields) -> Facility:
    require(acting_user, Capability.MANAGE_FACILITIES)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"unknown facility fields: {sorted(unknown)}")
    if fields.get("kind", facility.kind) != facility.kind and facility.checks.exists():
        # its checks were made against the items of its kind: a new kind is a new facility
        raise ValidationFailed(
            _("已有检查记录的设施不能更改类型，请停用后登记新设施"), code="facility_kind_checked"
        )
    merged = {name: getattr(facility, name) for name in EDITABLE} | fields
    _check_fields(merged)
    if "assignee" in fields:
        _check_assignee(fields["assignee"], facility.branch_id)
    before = snapshot(facility, list(EDITABLE))
    for name, value in fields.items():
        setattr(facility, name, value)
    after = snapshot(facility, list(EDITABLE))
    changes = diff(before, after)
    if changes:
        facility.save(update_fields=[*fields, "updated_at"])
        audit_record(
            acting_user=acting_user, action="facility.update", target=facility, changes=changes
        )
    return facility


@transaction.atomic
def facility_set_active(
    *, acting_user: User, facility: Facility, active: bool, reason: str
) -> Facility:
    """Retire a facility (removed, replaced) or bring it back; its history stays. A
    retired facility leaves the schedule and its open task is cancelled."""
    require(acting_user, Capability.MANAGE_FACILITIES)
    if not reason.strip():
        raise ValidationFailed(_("请填写原因"), code="facility_reason")
    changed = Facility.objects.filter(pk=facility.pk, active=not active).update(active=active)
    if not changed:
        raise IllegalTransition(
            _("该设施已在使用中") if active else _("该设施已停用"), code="facility_active_state"
        )
    if not active:
        FacilityTask.objects.filter(facility=facility, status=FacilityTask.Status.PLANNED).update(
            status=FacilityTask.Status.CANCELLED
        )
    facility.refresh_from_db()
    audit_record(
        acting_user=acting_user,
        action="facility.reactivate" if active else "facility.deactivate",
        target=facility,
        changes={"active": [not active, active]},
        reason=reason.strip(),
    )
    return facility
