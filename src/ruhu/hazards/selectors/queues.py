"""Each role's work queue: what waits on its people, section by section, oldest first.

A section that lists the cases on which an action waits takes them from the ladder's table
(`workflow.where`): the action's states and its conditions for the user, so a queue lists
exactly what its people may do. The lead's other lists (calls due, stalled cases, serious
cases, company copies out) are reads of their own, also from the table's states.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.roles import Capability, Role
from ruhu.common.errors import NotFound
from ruhu.common.policy import policy_get
from ruhu.common.scoping import require, scope_queryset
from ruhu.common.workdays import add_working_days
from ruhu.hazards.models import FollowUpCall, Hazard, HazardNotice, State
from ruhu.hazards.selectors.cases import notices_visible
from ruhu.hazards.workflow import (
    CALL_AFTER,
    WAITING_ON_A_PERSON,
    WAITING_WITH_A_DEADLINE,
    Action,
    permit,
    rows,
    where,
)

OLDEST = ("since", "pk")
SOONEST_DUE = ("due_on", "pk")


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise
    action: str  # what its cards offer: an operation of the table's rows, or "view"
    waits_on: Action | None = None  # the table's action whose cases it lists
    states: tuple[State, ...] = ()  # only these of the action's states
    order: tuple[str, ...] = OLDEST


@dataclass(frozen=True)
class Queue:
    label: Promise
    sections: tuple[Section, ...]
    field: bool = False  # a field worker's own branch, never head office's view of all

    @property
    def capability(self) -> str:
        """Who may open it: those who may take the action of its first section."""
        first = next(s.waits_on for s in self.sections if s.waits_on is not None)
        return rows(first)[0].who[0]


A = Action
QUEUES: dict[str, Queue] = {
    "customer_service": Queue(_("客服"), (
        Section("limit", _("待限量售气"), "limit", A.LIMIT),
        Section("restore", _("已整改待恢复供气"), "restore", A.RESTORE),
    )),
    "repairer": Queue(_("维修员"), (
        Section("repair", _("派给我的维修"), "repair", A.REPAIR, order=SOONEST_DUE),
        Section("unassigned", _("待接单的维修"), "take", A.TAKE, order=SOONEST_DUE),
        Section("seal", _("待停气封停"), "seal", A.SEAL),
    ), field=True),
    "supervision": Queue(_("安全监察部"), (
        Section("handed_over", _("移交的案件"), "outcome", A.OUTCOME_CONTINUING),
    )),
    "inspector": Queue(_("安检员"), (
        Section("recheck", _("待现场复查"), "recheck", A.RECHECK_RECTIFIED,
                states=(State.ARRANGED,)),
        Section("notice", _("待下发整改通知书"), "notice", A.NOTICE),
        Section("renotice", _("待再次下发整改通知书"), "renotice", A.RENOTICE),
        Section("stop_notice", _("待送达停气通知"), "stop_notice", A.STOP_NOTICE),
    ), field=True),
    "lead": Queue(_("安检主管"), (
        Section("letter", _("待致函物业"), "letter", A.LETTER),
        Section("calls", _("期限已过待电话回访"), "call"),
        Section("stalled", _("停滞的案件"), "view"),
        Section("serious", _("未结案的重大隐患"), "view"),
    )),
}  # fmt: skip
QUEUE_ROLES = tuple(QUEUES)
# the work queue a role opens by default; admins and managers may switch (`?role=`)
QUEUE_FOR_ROLE = {
    Role.CUSTOMER_SERVICE: "customer_service",
    Role.REPAIRER: "repairer",
    Role.SAFETY_SUPERVISION: "supervision",
    Role.INSPECTOR: "inspector",
    Role.INSPECTION_LEAD: "lead",
}
SWITCHERS = frozenset({Role.ADMIN, Role.MANAGER})
SWITCH_ORDER = ("lead", "supervision", "customer_service", "inspector", "repairer")


def queue_roles(user) -> list[str]:
    """The work queues `user` may open, their own first."""
    if user.role in SWITCHERS or (user.is_superuser and user.role not in QUEUE_FOR_ROLE):
        # the field queues are a repairer's or an inspector's own work: not for an office
        return [
            role
            for role in SWITCH_ORDER
            if user.can(QUEUES[role].capability) and not QUEUES[role].field
        ]
    own = QUEUE_FOR_ROLE.get(user.role)
    return [own] if own and user.can(QUEUES[own].capability) else []


@dataclass(frozen=True)
class QueueSection:
    key: str
    title: Promise
    action: str
    items: QuerySet


def _branch_cases(acting_user) -> QuerySet[Hazard]:
    return scope_queryset(
        Hazard.objects.select_related("hazard_type", "household", "assignee"),
        acting_user=acting_user,
    )


def _own_branch_cases(acting_user) -> QuerySet[Hazard]:
    return Hazard.objects.select_related("hazard_type", "household", "assignee").filter(
        branch_id=acting_user.branch_id
    )


def hazard_queue(*, acting_user, role: str) -> list[QueueSection]:
    """What waits on `role`, section by section; each section names the step its people take."""
    require(acting_user, Capability.VIEW_HAZARDS)
    queue = QUEUES.get(role)
    if queue is None:
        raise NotFound(_("没有这个工作队列"), code="not_found")
    require(acting_user, queue.capability)
    cases = (_own_branch_cases if queue.field else _branch_cases)(acting_user)
    today = timezone.localdate()
    found = []
    for section in queue.sections:
        if section.waits_on is not None:
            waiting = where(section.waits_on, acting_user, today=today, states=section.states)
            items = cases.filter(waiting).order_by(*section.order)
        else:
            items = LEAD_LISTS[section.key](acting_user=acting_user)
        found.append(QueueSection(section.key, section.title, section.action, items))
    return found


def copies_overdue(*, acting_user) -> QuerySet[HazardNotice]:
    """Company copies of rectification notices not back within their hours."""
    permit(acting_user, Action.COPY_RECEIVED)
    return (
        notices_visible(acting_user=acting_user)
        .filter(copy_due_at__lt=timezone.now(), copy_received_at__isnull=True)
        .select_related("household")
        .order_by("copy_due_at")
    )


def stalled(*, acting_user, on: dt.date | None = None) -> QuerySet[Hazard]:
    """Cases whose person's step is older than the policy's working days, and those whose
    person's step runs to a deadline (repair jobs) past it."""
    on = on or timezone.localdate()
    days = int(policy_get("hazard.stall_working_days", branch=acting_user.branch_id, on=on))
    cutoff = add_working_days(on, -days).date
    undated = WAITING_ON_A_PERSON - WAITING_WITH_A_DEADLINE
    return (
        _branch_cases(acting_user)
        .filter(
            Q(state__in=undated, since__lt=cutoff)
            | Q(state__in=WAITING_WITH_A_DEADLINE, due_on__lt=on)
        )
        .order_by(*OLDEST)
    )


def calls_due(*, acting_user) -> QuerySet[Hazard]:
    """Each deadline the customer missed is followed by a recorded call (§5 ④): cases the
    clock moved on from one, with no call since."""
    called = FollowUpCall.objects.filter(
        hazard=OuterRef("pk"), called_at__date__gte=OuterRef("since")
    )
    return (
        _branch_cases(acting_user)
        .filter(state__in=CALL_AFTER)
        .exclude(Exists(called))
        .order_by(*OLDEST)
    )


def serious_open(*, acting_user) -> QuerySet[Hazard]:
    return (
        _branch_cases(acting_user)
        .filter(serious=True)
        .exclude(state=State.CLOSED)
        .order_by(*OLDEST)
    )


LEAD_LISTS: dict[str, Callable[..., QuerySet[Hazard]]] = {
    "calls": calls_due,
    "stalled": stalled,
    "serious": serious_open,
}
