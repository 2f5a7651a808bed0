"""Writes to households, each through one audited service; the bulk import
(premises.services.importing) checks rows with the same normalisers."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import OrgUnit, User
from ruhu.common.audit import audit_record, diff, snapshot
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import Conflict, ValidationFailed
from ruhu.common.policy import policy_get
from ruhu.common.rows import rows_update
from ruhu.common.validation import normalize_id_number, normalize_phone
from ruhu.premises.models import Category, Household, SupplyStatus
from ruhu.premises.rules import is_key_customer

register_action_labels(
    {
        "household.supply": _("变更供气状态"),
        "household.create": _("新建用户档案"),
        "household.update": _("修改用户档案"),
        "household.visit": _("入户后更新安检状态"),
    }
)


# Optional fields a writer may set; supply status and the key-customer flag are not among
# them: later workflows set the first, the second is derived.
HOUSEHOLD_DETAILS = frozenset(
    {
        "district",
        "community",
        "building",
        "unit",
        "room",
        "latitude",
        "longitude",
        "gas_since",
        "first_conversion",
        "vulnerable",
        "group_rental",
        "long_term_absent",
        "last_inspected_on",
        "special_cycle_months",
    }
)


def _check_details(details: dict) -> None:
    unknown = set(details) - HOUSEHOLD_DETAILS
    if unknown:
        raise ValidationFailed(
            _("不可设置的字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))},
            code="field_readonly",
        )


def _check_special_cycle(household: Household) -> None:
    """A site's own cycle: special gas-use sites only, within the policy's 3–6 months."""
    months = household.special_cycle_months
    if months is None:
        return
    if household.category != Category.SPECIAL:
        raise ValidationFailed(
            _("只有特殊用气场所可以单独设定安检周期"), code="special_cycle_category"
        )
    low = int(policy_get("inspection.cycle_months.special_min", branch=household.branch_id))
    high = int(policy_get("inspection.cycle_months.special_max", branch=household.branch_id))
    if not low <= months <= high:
        raise ValidationFailed(
            _("特殊用气场所安检周期应为 %(low)s–%(high)s 个月") % {"low": low, "high": high},
            code="special_cycle_range",
        )


def _key_customer(household: Household) -> bool:
    return is_key_customer(
        vulnerable=household.vulnerable,
        group_rental=household.group_rental,
        long_term_absent=household.long_term_absent,
        supply_status=household.supply_status,
    )


@transaction.atomic
def household_create(
    *,
    acting_user: User,
    branch: OrgUnit,
    account_no: str,
    name: str,
    category: str,
    phone: str = "",
    id_number: str = "",
    address: str = "",
    **details,
) -> Household:
    """Create one household; `details` are the optional fields of HOUSEHOLD_DETAILS."""
    if branch.kind != OrgUnit.Kind.BRANCH:
        raise ValidationFailed(_("用户必须属于一个分公司"), code="household_branch")
    if category not in Category.values:
        raise ValidationFailed(_("未知的用户类别"), code="household_category")
    account_no = account_no.strip()
    if not account_no or not name.strip():
        raise ValidationFailed(_("户号和户名必填"), code="household_required")
    if Household.objects.filter(account_no=account_no).exists():
        raise Conflict(
            _("户号 %(account)s 已存在") % {"account": account_no}, code="household_account_taken"
        )
    _check_details(details)
    household = Household(
        branch=branch,
        account_no=account_no,
        name=name.strip(),
        category=category,
        phone=normalize_phone(phone),
        id_number=normalize_id_number(id_number),
        address=address.strip(),
        **details,
    )
    _check_special_cycle(household)
    household.is_key_customer = _key_customer(household)
    household.save()
    audit_record(
        acting_user=acting_user,
        action="household.create",
        target=household,
        changes=diff({}, snapshot(household)),
    )
    return household


@transaction.atomic
def household_update(*, acting_user: User, household: Household, **changes) -> Household:
    allowed = {"name", "category", "phone", "id_number", "address", *HOUSEHOLD_DETAILS}
    if set(changes) - allowed:
        raise ValidationFailed(_("不可修改的字段"), code="field_readonly")
    _check_details({k: v for k, v in changes.items() if k in HOUSEHOLD_DETAILS})
    before = snapshot(household)
    if "phone" in changes:
        changes["phone"] = normalize_phone(changes["phone"])
    if "id_number" in changes:
        changes["id_number"] = normalize_id_number(changes["id_number"])
    if "category" in changes and changes["category"] not in Category.values:
        raise ValidationFailed(_("未知的用户类别"), code="household_category")
    for field, value in changes.items():
        setattr(household, field, value)
    _check_special_cycle(household)
    household.is_key_customer = _key_customer(household)
    household.updated_at = timezone.now()
    household.save()
    audit_record(
        acting_user=acting_user,
        action="household.update",
        target=household,
        changes=diff(before, snapshot(household)),
    )
    return household


VISIT_FACTS = frozenset({"last_inspected_on", "long_term_absent"})


def household_record_visit(*, acting_user: User, household: Household, **changes) -> Household:
    """What a visit changes on the household, written narrowly: the visit is the evidence,
    so this is a small update and a small audit row, not a full save (which would
    re-encrypt the personal fields on every visit)."""
    if not changes or set(changes) - VISIT_FACTS:
        raise ValidationFailed(_("不可修改的字段"), code="field_readonly")
    fields = list(changes)
    before = snapshot(household, fields)
    for field, value in changes.items():
        setattr(household, field, value)
    household.is_key_customer = _key_customer(household)
    household.updated_at = timezone.now()
    rows_update(
        Household,
        household.pk,
        **changes,
        is_key_customer=household.is_key_customer,
        updated_at=household.updated_at,
    )
    audit_record(
        acting_user=acting_user,
        action="household.visit",
        target=household,
        changes=diff(before, snapshot(household, fields)),
    )
    return household


def household_set_supply(
    *, acting_user: User | None, household: Household, status: str, reason: str
) -> bool:
    """Set the household's supply status (RULES B6.5: limited sales, stopped and sealed,
    restored); the rectification loop decides, this writes it narrowly with its reason.
    Returns whether anything changed."""
    if status not in SupplyStatus.values:
        raise ValidationFailed(_("未知的供气状态"), code="supply_status")
    if household.supply_status == status:
        return False
    before = household.supply_status
    household.supply_status = status
    household.is_key_customer = _key_customer(household)
    household.updated_at = timezone.now()
    Household.objects.filter(pk=household.pk).update(
        supply_status=status,
        is_key_customer=household.is_key_customer,
        updated_at=household.updated_at,
    )
    audit_record(
        acting_user=acting_user,
        action="household.supply",
        target=household,
        changes={"supply_status": [before, status]},
        reason=reason,
    )
    return True
