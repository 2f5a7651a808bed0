"""Reads of the facilities domain, scoped to the caller."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.accounts.selectors import branch_list
from ruhu.common.errors import NotFound, PermissionRefused
from ruhu.common.models import Attachment, LedgerEntry
from ruhu.common.policy import policy_get
from ruhu.common.scoping import get_scoped, require, scope_queryset
from ruhu.facilities.checklist import pressure_ranges, takes_pressures
from ruhu.facilities.documents import CardContent, card_content
from ruhu.facilities.evidence import LEDGER_KIND
from ruhu.facilities.models import (
    Facility,
    FacilityCheck,
    FacilityRepair,
    FacilityTask,
)
from ruhu.facilities.schedule import Due, cleaning_due_by, due_by, facility_due

DAY = dt.timedelta(days=1)
OPEN_TASKS = Prefetch(
    "tasks",
    queryset=FacilityTask.objects.filter(status=FacilityTask.Status.PLANNED).select_related(
        "assignee"
    ),
    to_attr="open_tasks",
)
SCHEDULE_LISTS = ("overdue", "due", "upcoming", "cleaning", "flagged")


def facilities_visible(*, acting_user) -> QuerySet[Facility]:
    require(acting_user, Capability.VIEW_FACILITIES)
    return scope_queryset(
        Facility.objects.select_related("branch", "assignee"), acting_user=acting_user
    )


def facility_get(*, acting_user, pk: int) -> Facility:
    require(acting_user, Capability.VIEW_FACILITIES)
    return get_scoped(
        Facility.objects.select_related("branch", "assignee"), pk, acting_user=acting_user
    )


@dataclass(frozen=True)
class FacilityFilter:
    """Every filter of the registry, one per registry field (text matches a part, a date
    an inclusive range, `located` whether it has coordinates); empty means "any"."""

    q: str = ""  # code, name or location
    branch_id: int | None = None
    kind: str = ""
    code: str = ""
    name: str = ""
    location: str = ""
    community: str = ""
    model: str = ""
    manufacturer: str = ""
    assignee_id: int | None = None
    located: bool | None = None
    flagged: bool | None = None
    active: bool | None = None
    installed_from: dt.date | None = None
    installed_to: dt.date | None = None
    valve_valid_from: dt.date | None = None
    valve_valid_to: dt.date | None = None
    registered_from: dt.date | None = None
    registered_to: dt.date | None = None
    checked_from: dt.date | None = None
    checked_to: dt.date | None = None
    cleaned_from: dt.date | None = None
    cleaned_to: dt.date | None = None


TEXT_FILTERS = ("code", "name", "location", "community", "model", "manufacturer")
EXACT_FILTERS = ("branch_id", "kind", "assignee_id", "flagged", "active")
RANGE_FILTERS = {  # the filter's prefix → the field it bounds
    "installed": "installed_on",
    "valve_valid": "safety_valve_valid_until",
    "registered": "registered_on",
    "checked": "last_checked_on",
    "cleaned": "last_cleaned_on",
}


def facility_list(
    *, acting_user, filters: FacilityFilter | None = None, **simple
) -> QuerySet[Facility]:
    """The scoped registry matching `filters` (or the same fields given as keywords)."""
    f = filters or FacilityFilter(**simple)
    lookups: dict[str, object] = {}
    for name in TEXT_FILTERS:
        if text := getattr(f, name).strip():
            lookups[f"{name}__icontains"] = text
    for name in EXACT_FILTERS:
        if getattr(f, name) not in (None, ""):
            lookups[name] = getattr(f, name)
    for prefix, field in RANGE_FILTERS.items():
        if (start := getattr(f, f"{prefix}_from")) is not None:
            lookups[f"{field}__gte"] = start
        if (end := getattr(f, f"{prefix}_to")) is not None:
            lookups[f"{field}__lte"] = end
    qs = facilities_visible(acting_user=acting_user).filter(**lookups)
    if f.located is not None:
        located = Q(latitude__isnull=False, longitude__isnull=False)
        qs = qs.filter(located) if f.located else qs.exclude(located)
    if q := f.q.strip():
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(location__icontains=q))
    return qs.order_by("code")


def _branch_ids(acting_user) -> list[int]:
    return list(branch_list(acting_user=acting_user).values_list("pk", flat=True))


def facility_schedule(*, acting_user, which: str, on: dt.date | None = None) -> QuerySet[Facility]:
    """One of the schedule's lists, most urgent first:
    overdue (due before `on`), due (due within the policy's "due soon" days),
    upcoming (due after that, within the policy's "upcoming" days), cleaning (regulator
    boxes whose yearly cleaning is due or overdue) and flagged (with a defect not yet
    cleared by a later check)."""
    on = on or timezone.localdate()
    branch_ids = _branch_ids(acting_user)
    qs = facilities_visible(acting_user=acting_user).filter(active=True)
    soon = on + dt.timedelta(days=int(policy_get("facility.due_soon_days", on=on)))
    later = on + dt.timedelta(days=int(policy_get("facility.upcoming_days", on=on)))
    if which == "overdue":
        qs = qs.filter(due_by(on - DAY, branch_ids=branch_ids, on=on))
    elif which == "due":
        qs = qs.filter(due_by(soon, branch_ids=branch_ids, on=on)).exclude(
            due_by(on - DAY, branch_ids=branch_ids, on=on)
        )
    elif which == "upcoming":
        qs = qs.filter(due_by(later, branch_ids=branch_ids, on=on)).exclude(
            due_by(soon, branch_ids=branch_ids, on=on)
        )
    elif which == "cleaning":
        qs = qs.filter(cleaning_due_by(soon, branch_ids=branch_ids, on=on))
    elif which == "flagged":
        qs = qs.filter(flagged=True)
    else:
        raise NotFound(_("未知的列表"), code="not_found")
    order = ("last_cleaned_on",) if which == "cleaning" else ("last_checked_on", "registered_on")
    return qs.order_by(*order, "code").prefetch_related(OPEN_TASKS)


def schedule_counts(*, acting_user, on: dt.date | None = None) -> dict[str, int]:
    return {
        which: facility_schedule(acting_user=acting_user, which=which, on=on).count()
        for which in SCHEDULE_LISTS
    }


def facility_due_of(facility: Facility, *, on: dt.date | None = None) -> Due:
    return facility_due(facility, on=on or timezone.localdate())


def facility_open_task(*, facility: Facility) -> FacilityTask | None:
    """The facility's one planned check task, if it has one."""
    return (
        facility.tasks.filter(status=FacilityTask.Status.PLANNED).select_related("assignee").first()
    )


def facility_task_get(*, facility: Facility, pk: int) -> FacilityTask:
    """One task of a facility the caller fetched through `facility_get`."""
    task = facility.tasks.select_related("assignee").filter(pk=pk).first()
    if task is None:
        raise NotFound(_("未找到该任务"), code="not_found")
    return task


def facility_card(*, facility: Facility, on: dt.date) -> CardContent:
    """What the facility's printed record card holds on `on`: every check and repair job."""
    branch = facility.branch
    return card_content(
        facility,
        company=branch.parent.name if branch.parent_id else "",
        checks=facility_history(facility=facility),
        repairs=facility_repairs(facility=facility),
        due=facility_due_of(facility, on=on),
        ranges=pressure_ranges(branch=facility.branch_id, on=on)
        if takes_pressures(facility.kind)
        else None,
        printed_on=on,
    )


def checkers(*, acting_user) -> QuerySet[User]:
    """Staff who may be given a facility check: the branch's active inspectors."""
    require(acting_user, Capability.MANAGE_FACILITIES)
    qs = User.objects.filter(is_active=True, role=Role.INSPECTOR).order_by("full_name", "pk")
    return scope_queryset(qs, acting_user=acting_user)


def repairers(*, acting_user) -> QuerySet[User]:
    require(acting_user, Capability.MANAGE_FACILITIES)
    qs = User.objects.filter(is_active=True, role=Role.REPAIRER).order_by("full_name", "pk")
    return scope_queryset(qs, acting_user=acting_user)


def day_tasks(*, acting_user, day: dt.date) -> list[FacilityTask]:
    """The caller's facility checks of a day; looking at today, also the ones of earlier
    days still not done (they are late, and stay on the list until checked)."""
    require(acting_user, Capability.CHECK_FACILITIES)
    today = timezone.localdate()
    mine = FacilityTask.objects.filter(assignee=acting_user).select_related("facility")
    condition = Q(day=day)
    if day == today:
        condition |= Q(day__lt=day, status=FacilityTask.Status.PLANNED)
    return list(
        mine.filter(condition)
        .exclude(status=FacilityTask.Status.CANCELLED)
        .order_by("day", "facility__community", "facility__code")
    )


def task_get(*, acting_user, pk: int) -> FacilityTask:
    """The caller's own task (404 for anyone else's)."""
    require(acting_user, Capability.CHECK_FACILITIES)
    task = (
        FacilityTask.objects.select_related("facility", "facility__branch")
        .filter(pk=pk, assignee=acting_user)
        .first()
    )
    if task is None:
        raise NotFound(_("未找到该任务"), code="not_found")
    return task


def checks_visible(*, acting_user) -> QuerySet[FacilityCheck]:
    require(acting_user, Capability.VIEW_FACILITIES)
    return scope_queryset(
        FacilityCheck.objects.select_related("facility", "inspector"), acting_user=acting_user
    )


def check_get(*, acting_user, pk: uuid.UUID) -> FacilityCheck:
    require(acting_user, Capability.VIEW_FACILITIES)
    checks = FacilityCheck.objects.select_related("facility", "inspector").prefetch_related(
        "defects", "photos__attachment"
    )
    return get_scoped(checks, pk, acting_user=acting_user)


def facility_history(*, facility: Facility) -> QuerySet[FacilityCheck]:
    """Every check of the facility, newest first, with its defects (the record card)."""
    return (
        FacilityCheck.objects.filter(facility=facility)
        .select_related("inspector", "superseded_by")
        .prefetch_related("defects")
        .order_by("-finished_at")
    )


def facility_repairs(*, facility: Facility) -> QuerySet[FacilityRepair]:
    return (
        FacilityRepair.objects.filter(facility=facility)
        .select_related("assignee", "repaired_by", "closed_by")
        .order_by("-raised_at", "-pk")
    )


def facility_repair_photo(*, facility: Facility, pk: int) -> Attachment:
    """The after-photo of one of the jobs of a facility fetched through `facility_get`."""
    repair = facility_repairs(facility=facility).select_related("after_photo").filter(pk=pk).first()
    if repair is None or repair.after_photo is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return repair.after_photo


def check_photo(*, check: FacilityCheck, attachment_id: uuid.UUID) -> Attachment:
    """A photo the check cites (`check_get` fetched them); any other attachment: not found."""
    for photo in check.photos.all():
        if photo.attachment_id == attachment_id:
            return photo.attachment
    raise NotFound(_("未找到该记录"), code="not_found")


def check_ledger_entry(*, check: FacilityCheck) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(kind=LEDGER_KIND, record_id=str(check.pk)).first()


def check_repairs(*, check: FacilityCheck) -> list[FacilityRepair]:
    """The repair jobs the check's defects became."""
    return list(check.repairs_raised.select_related("assignee").order_by("pk"))


def repairs_on_record_cards(*, acting_user) -> QuerySet[FacilityRepair]:
    """The repair jobs as the facilities' record cards show them: to whoever may see the
    facilities (the repair list itself is for repairers and leads: `repairs_visible`)."""
    require(acting_user, Capability.VIEW_FACILITIES)
    return scope_queryset(FacilityRepair.objects.all(), acting_user=acting_user)


def repairs_visible(*, acting_user) -> QuerySet[FacilityRepair]:
    """The repair list is the repairers' work and the leads' to hand out; everyone else
    sees a facility's jobs on its record card."""
    if not (
        acting_user.can(Capability.REPAIR_FACILITIES)
        or acting_user.can(Capability.MANAGE_FACILITIES)
    ):
        raise PermissionRefused(_("您没有权限执行此操作"), code="capability_missing")
    return scope_queryset(
        FacilityRepair.objects.select_related("facility", "assignee", "repaired_by"),
        acting_user=acting_user,
    )


def repair_queue(
    *, acting_user, status: str = "open", mine: bool = False
) -> QuerySet[FacilityRepair]:
    """Repair jobs, earliest due first: "open" is every job not yet verified (to repair or
    awaiting a re-check), "todo" only those to repair, "all" every one, or one status. A
    repairer sees the jobs given to them and the branch's jobs given to nobody."""
    qs = repairs_visible(acting_user=acting_user)
    if status == "todo":
        qs = qs.filter(status=FacilityRepair.Status.OPEN)
    elif status == "open":
        qs = qs.filter(status__in=[FacilityRepair.Status.OPEN, FacilityRepair.Status.REPAIRED])
    elif status in FacilityRepair.Status.values:
        qs = qs.filter(status=status)
    if acting_user.role == Role.REPAIRER:
        qs = qs.filter(Q(assignee=acting_user) | Q(assignee__isnull=True))
    if mine:
        qs = qs.filter(assignee=acting_user)
    return qs.select_related("facility__branch").order_by("due_on", "pk")


def repair_counts(*, acting_user, mine: bool = False) -> dict[str, int]:
    """How many jobs each of the repair list's tabs holds (`repair_queue`'s statuses)."""
    rows = repair_queue(acting_user=acting_user, status="all", mine=mine)
    by_status = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
    todo = by_status.get(FacilityRepair.Status.OPEN, 0)
    repaired = by_status.get(FacilityRepair.Status.REPAIRED, 0)
    return {
        "open": todo + repaired,
        "todo": todo,
        "repaired": repaired,
        "verified": by_status.get(FacilityRepair.Status.VERIFIED, 0),
        "withdrawn": by_status.get(FacilityRepair.Status.WITHDRAWN, 0),
        "all": sum(by_status.values()),
    }


def repairer_choices(*, acting_user) -> list[User]:
    """The repairers a lead may give a job to, by name (each job offers its branch's)."""
    return list(repairers(acting_user=acting_user).order_by(Lower("full_name"), "pk"))


def repair_get(*, acting_user, pk: int) -> FacilityRepair:
    repair = repair_queue(acting_user=acting_user, status="all").filter(pk=pk).first()
    if repair is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return repair
