"""The hazard ladder as one table (RULES B6; decision 0010).

Each row says from which states an action may be taken, who takes it (a capability held by
the acting user, or the daily clock, or the visit service, or at once after the row that
rectified the case), on what condition, to which state it moves the case and how it sets
the deadline. Everything that decides a step reads this table:

- the services authorize by it (`authorize`) and move by its row (`transitions.move`);
- the clock climbs its clock rows, finding what is due by their conditions;
- the selectors list each work queue by the rows of its action (`where`);
- the pages and the API offer a user the actions it allows them (`actions_for`).

`docs/hazards.md` shows the same table; `ruhu hazards workflow` prints it and a test holds
the two equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.errors import DomainError, IllegalTransition, PermissionRefused
from ruhu.common.policy import policy_get
from ruhu.common.workdays import add_working_days
from ruhu.hazards.models import Hazard, HazardNotice, HazardType, State, Step

KEEP: Final[Any] = object()  # a deadline the step leaves as it is


class Action(StrEnum):
    FIND = "find"
    FIX_ON_SPOT = "fix_on_spot"
    DISPATCH = "dispatch"
    ASSIGN = "assign"
    TAKE = "take"
    REPAIR = "repair"
    REPAIR_FAIL = "repair_fail"
    NOTICE = "notice"
    RENOTICE_DUE = "renotice_due"
    RENOTICE = "renotice"
    LIMIT_DUE = "limit_due"
    LIMIT = "limit"
    STOP_NOTICE = "stop_notice"
    LETTER = "letter"
    SEAL_DUE = "seal_due"
    SEAL = "seal"
    HAND_OVER = "hand_over"
    OUTCOME_RECTIFIED = "outcome_rectified"
    OUTCOME_TERMINATED = "outcome_terminated"
    OUTCOME_CONTINUING = "outcome_continuing"
    ARRANGE = "arrange"
    RECHECK_RECTIFIED = "recheck_rectified"
    RECHECK_NOT_RECTIFIED = "recheck_not_rectified"
    CLOSE = "close"
    RESTORE = "restore"
    COPY_RECEIVED = "copy_received"
    CALL = "call"
    WITHDRAW = "withdraw"


# who takes a step no person's capability stands for
CLOCK = "clock"  # the daily clock, set-based (services/clock.py)
VISIT = "visit"  # the visit service, which has authorized the visit's author
CASCADE = "cascade"  # at once, in the transaction of the step that rectified the case
NOT_A_PERSON = frozenset({CLOCK, VISIT, CASCADE})


# ── preconditions: named predicates, each also a filter for queues and the clock ────


@dataclass(frozen=True)
class Precondition:
    text: str  # as the table in docs/hazards.md says it
    holds: Callable[[Hazard, Any, dt.date], bool]
    where: Callable[[Any, dt.date], Q]
    refuse: Callable[[], DomainError]
    # a clock condition: its step takes effect this many days after the deadline
    days_after_deadline: int | None = None


def _deadline_passed(text: str, days_after: int) -> Precondition:
    return Precondition(
        text,
        holds=lambda hazard, _user, today: (
            hazard.due_on is not None and hazard.due_on + dt.timedelta(days_after) <= today
        ),
        where=lambda _user, today: Q(due_on__lte=today - dt.timedelta(days_after)),
        refuse=lambda: IllegalTransition(_("期限未到"), code="hazard_not_due"),
        days_after_deadline=days_after,
    )


ASSIGNEE_IS_ACTOR = Precondition(
    "assignee is the actor",
    holds=lambda hazard, user, _today: (
        hazard.assignee_id is not None and hazard.assignee_id == user.pk
    ),
    where=lambda user, _today: Q(assignee_id=user.pk),
    refuse=lambda: PermissionRefused(_("这项维修没有派给您"), code="hazard_not_assignee"),
)
UNASSIGNED = Precondition(
    "unassigned",
    holds=lambda hazard, _user, _today: hazard.assignee_id is None,
    where=lambda _user, _today: Q(assignee__isnull=True),
    refuse=lambda: PermissionRefused(_("这项维修已由其他维修员接单"), code="hazard_assigned"),
)
ACTOR_REPAIRS_THERE = Precondition(
    "actor is a repairer of its branch",
    holds=lambda hazard, user, _today: (
        user.role == Role.REPAIRER and user.branch_id == hazard.branch_id
    ),
    where=lambda user, _today: (
        Q(branch_id=user.branch_id) if user.role == Role.REPAIRER else Q(pk__in=[])
    ),
    refuse=lambda: PermissionRefused(_("只有本分公司的维修员可以接单"), code="hazard_assignee"),
)
SUPPLY_HELD = Precondition(
    "supply on hold",
    holds=lambda hazard, _user, _today: bool(hazard.supply_hold),
    where=lambda _user, _today: ~Q(supply_hold=""),
    refuse=lambda: IllegalTransition(
        _("该隐患没有待恢复的供气限制"), code="hazard_illegal_transition"
    ),
)
SUPPLY_FREE = Precondition(
    "supply not on hold",
    holds=lambda hazard, _user, _today: not hazard.supply_hold,
    where=lambda _user, _today: Q(supply_hold=""),
    refuse=lambda: IllegalTransition(_("该隐患须先恢复供气"), code="hazard_illegal_transition"),
)
CUSTOMER_DEADLINE_PASSED = _deadline_passed("the customer's deadline passed (`due_on` + 1 day)", 1)
HANDOVER_DAY = _deadline_passed("the hand-over day came (`due_on`)", 0)


# ── deadline rules ──────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Deadline:
    text: str  # as the table says it
    due: Callable[[Hazard, dt.date], Any]  # the case's new `due_on` (a date, None or KEEP)
    policy_key: str = ""  # the number of days, for rules that count them from a policy

    def days(self, *, branch_id: int, on: dt.date) -> int | None:
        if not self.policy_key:
            return None
        return int(policy_get(self.policy_key, branch=branch_id, on=on))


def repair_working_days(hazard_type: HazardType, *, branch_id: int, on: dt.date) -> int:
    key = (
        f"hazard.fix_working_days.{hazard_type.schedule_row}"
        if hazard_type.schedule_row
        else "hazard.repair_default_working_days"
    )
    return int(policy_get(key, branch=branch_id, on=on))


def _days_from(key: str, start: str) -> Deadline:
    def due(hazard: Hazard, on: dt.date) -> dt.date:
        return on + dt.timedelta(days=int(policy_get(key, branch=hazard.branch_id, on=on)))

    return Deadline(f"`{key}` days from {start}", due, policy_key=key)


NONE = Deadline("none", lambda _hazard, _on: None)
KEPT = Deadline("kept", lambda _hazard, _on: KEEP)
REPAIR_DAYS = Deadline(
    "`hazard.fix_working_days.<schedule row>` working days "
    "(no row: `hazard.repair_default_working_days`)",
    lambda hazard, on: (
        add_working_days(
            on, repair_working_days(hazard.hazard_type, branch_id=hazard.branch_id, on=on)
        ).date
    ),
)
FIRST_NOTICE_DAYS = _days_from("hazard.customer_notice_days", "delivery")
SECOND_NOTICE_DAYS = _days_from("hazard.second_notice_days", "delivery")
LETTER_DAYS = _days_from("hazard.property_letter_days", "delivery")
HANDOVER_DAYS = _days_from("hazard.handover_days", "the seal")


# ── the table ───────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Transition:
    states: tuple[State, ...]  # where it may be taken; () opens a new case
    action: Action
    who: tuple[str, ...]  # any one of these capabilities, or CLOCK, VISIT or CASCADE
    preconditions: tuple[Precondition, ...]
    to: State | None  # None: the case stays in its state
    deadline: Deadline
    step: Step | None  # the kind of step written; None: a record beside the steps
    op: str = ""  # the operation a page posts (and the API offers) to take it
    label: str | Promise = ""  # what it is called, when no step names it

    @property
    def by_person(self) -> bool:
        return not NOT_A_PERSON.intersection(self.who)

    @property
    def title(self) -> str:
        return str(self.label or (self.step.label if self.step else self.action))


S = State
OPEN = tuple(state for state in State if state != S.CLOSED)
# the customer has had a notice: from here the customer may arrange the work with us
AFTER_A_NOTICE = (
    S.NOTICED, S.RENOTICE_DUE, S.RENOTICED, S.LIMIT_DUE, S.LIMITED, S.STOP_NOTICED,
    S.PM_LETTERED, S.SEAL_DUE, S.SEALED, S.HANDED_OVER,
)  # fmt: skip
NOT_RECHECKED_YET = (S.FOUND, S.DISPATCHED, *AFTER_A_NOTICE)
RECORD, MANAGE = Capability.RECORD_VISITS, Capability.MANAGE_HAZARDS
REPAIRS, LIMITS = Capability.REPAIR_HAZARDS, Capability.LIMIT_SUPPLY
SUPERVISES = Capability.SUPERVISE_HAZARDS
A = Action

# (from states, action, who, preconditions, next state, deadline rule, step written, page op)
TABLE: tuple[Transition, ...] = (
    Transition((), A.FIND, (VISIT,), (), S.FOUND, NONE, Step.FOUND),
    Transition((S.FOUND,), A.FIX_ON_SPOT, (VISIT,), (), S.CLOSED, NONE, Step.FIXED_ON_SPOT),
    Transition((S.FOUND,), A.DISPATCH, (VISIT,), (), S.DISPATCHED, REPAIR_DAYS, Step.DISPATCHED),
    Transition((S.DISPATCHED,), A.ASSIGN, (MANAGE,), (), None, KEPT, Step.DISPATCHED, "assign"),
    Transition(
        (S.DISPATCHED,), A.TAKE, (REPAIRS,), (UNASSIGNED, ACTOR_REPAIRS_THERE), None, KEPT,
        Step.DISPATCHED, "take",
    ),
    Transition(
        (S.DISPATCHED,), A.REPAIR, (REPAIRS,), (ASSIGNEE_IS_ACTOR,), S.RECTIFIED, NONE,
        Step.REPAIRED, "repair",
    ),
    Transition(
        (S.DISPATCHED,), A.REPAIR_FAIL, (REPAIRS,), (ASSIGNEE_IS_ACTOR,), S.FOUND, NONE,
        Step.REPAIR_FAILED, "repair_fail",
    ),
    Transition(
        (S.FOUND,), A.NOTICE, (RECORD,), (), S.NOTICED, FIRST_NOTICE_DAYS, Step.NOTICED, "issue"
    ),
    Transition(
        (S.NOTICED,), A.RENOTICE_DUE, (CLOCK,), (CUSTOMER_DEADLINE_PASSED,), S.RENOTICE_DUE,
        NONE, Step.RENOTICE_DUE,
    ),
    Transition(
        (S.RENOTICE_DUE,), A.RENOTICE, (RECORD,), (), S.RENOTICED, SECOND_NOTICE_DAYS,
        Step.RENOTICED, "issue",
    ),
    Transition(
        (S.RENOTICED,), A.LIMIT_DUE, (CLOCK,), (CUSTOMER_DEADLINE_PASSED,), S.LIMIT_DUE, NONE,
        Step.LIMIT_DUE,
    ),
    Transition((S.LIMIT_DUE,), A.LIMIT, (LIMITS,), (), S.LIMITED, NONE, Step.LIMITED, "limit"),
    Transition(
        (S.LIMITED,), A.STOP_NOTICE, (RECORD,), (), S.STOP_NOTICED, NONE, Step.STOP_NOTICED,
        "issue",
    ),
    Transition(
        (S.STOP_NOTICED,), A.LETTER, (MANAGE,), (), S.PM_LETTERED, LETTER_DAYS,
        Step.PM_LETTERED, "issue",
    ),
    Transition(
        (S.PM_LETTERED,), A.SEAL_DUE, (CLOCK,), (CUSTOMER_DEADLINE_PASSED,), S.SEAL_DUE, NONE,
        Step.SEAL_DUE,
    ),
    Transition(
        (S.SEAL_DUE,), A.SEAL, (REPAIRS, RECORD), (), S.SEALED, HANDOVER_DAYS, Step.SEALED,
        "seal",
    ),
    Transition(
        (S.SEALED,), A.HAND_OVER, (CLOCK,), (HANDOVER_DAY,), S.HANDED_OVER, NONE,
        Step.HANDED_OVER,
    ),
    Transition(
        (S.HANDED_OVER,), A.OUTCOME_RECTIFIED, (SUPERVISES,), (), S.RECTIFIED, NONE,
        Step.RECTIFIED, "outcome",
    ),
    Transition(
        (S.HANDED_OVER,), A.OUTCOME_TERMINATED, (SUPERVISES,), (), S.CLOSED, NONE, Step.CLOSED,
        "outcome",
    ),
    Transition(
        (S.HANDED_OVER,), A.OUTCOME_CONTINUING, (SUPERVISES,), (), None, KEPT, Step.OUTCOME,
        "outcome",
    ),
    Transition(
        AFTER_A_NOTICE, A.ARRANGE, (MANAGE,), (), S.ARRANGED, NONE, Step.ARRANGED, "arranged"
    ),
    Transition(
        (*NOT_RECHECKED_YET, S.ARRANGED), A.RECHECK_RECTIFIED, (RECORD,), (), S.RECTIFIED, NONE,
        Step.RECTIFIED, "recheck",
    ),
    Transition(
        (S.ARRANGED,), A.RECHECK_NOT_RECTIFIED, (RECORD,), (), S.RENOTICE_DUE, NONE,
        Step.RECHECKED, "recheck",
    ),
    Transition(
        NOT_RECHECKED_YET, A.RECHECK_NOT_RECTIFIED, (RECORD,), (), None, KEPT, Step.RECHECKED,
        "recheck",
    ),
    Transition((S.RECTIFIED,), A.CLOSE, (CASCADE,), (SUPPLY_FREE,), S.CLOSED, NONE, Step.CLOSED),
    Transition(
        (S.RECTIFIED,), A.RESTORE, (LIMITS,), (SUPPLY_HELD,), S.CLOSED, NONE,
        Step.SUPPLY_RESTORED, "restore",
    ),
    Transition(OPEN, A.COPY_RECEIVED, (MANAGE,), (), None, KEPT, Step.COPY_RECEIVED, "copy"),
    Transition(
        OPEN, A.CALL, (MANAGE,), (), None, KEPT, None, "call", label=gettext_lazy("登记回访电话")
    ),
    Transition(OPEN, A.WITHDRAW, (VISIT,), (), S.CLOSED, NONE, Step.WITHDRAWN),
)  # fmt: skip


def _index(table: Iterable[Transition]):
    by_key: dict[tuple[State | None, Action], Transition] = {}
    by_action: dict[Action, list[Transition]] = {}
    for row in table:
        for state in row.states or (None,):
            if (state, row.action) in by_key:
                raise ValueError(f"two rows for {row.action} from {state}")
            by_key[(state, row.action)] = row
        same = by_action.setdefault(row.action, [])
        if same and (same[0].who, same[0].op) != (row.who, row.op):
            raise ValueError(f"the rows of {row.action} differ in who takes them")
        same.append(row)
    return by_key, by_action


_BY_KEY, _BY_ACTION = _index(TABLE)
CLOCK_ROWS = tuple(row for row in TABLE if row.who == (CLOCK,))


def rows(action: Action) -> list[Transition]:
    return _BY_ACTION[action]


def transition(action: Action, state: str | None) -> Transition | None:
    return _BY_KEY.get((State(state) if state else None, action))


def opening() -> tuple[State, Step]:
    """The state a new case starts in and the step that records it."""
    [row] = rows(Action.FIND)
    assert row.to is not None and row.step is not None  # the table's first row has both
    return row.to, row.step


def states_for(*actions: Action) -> frozenset[State]:
    return frozenset(state for action in actions for row in rows(action) for state in row.states)


def who(*actions: Action) -> tuple[str, ...]:
    """The capabilities that may take any of `actions` (for an API operation's declaration)."""
    found: list[str] = []
    for action in actions:
        found += [c for c in rows(action)[0].who if c not in found and c not in NOT_A_PERSON]
    return tuple(found)


# ── authorization ───────────────────────────────────────────────────────────────────


def permitted(acting_user: User, action: Action) -> bool:
    """Whether `acting_user` holds a capability for `action` (whatever the case's state)."""
    row = rows(action)[0]
    return not row.by_person or any(acting_user.can(c) for c in row.who)


def permit(acting_user: User, action: Action) -> None:
    """PermissionRefused (403) unless `acting_user` holds a capability for `action`."""
    if not permitted(acting_user, action):
        raise PermissionRefused(
            _("您没有权限执行此操作"), code="capability_missing", capability=rows(action)[0].who[0]
        )


def illegal(hazard: Hazard, row: Transition) -> IllegalTransition:
    return IllegalTransition(
        _("隐患当前状态为「%(state)s」，不能执行「%(step)s」")
        % {"state": State(hazard.state).label, "step": row.title},
        code="hazard_illegal_transition",
        state=hazard.state,
        step=str(row.step or row.action),
    )


def authorize(
    *, acting_user: User, hazard: Hazard, action: Action, today: dt.date | None = None
) -> Transition:
    """The row that lets `acting_user` take `action` on `hazard` now. Refused in this order:
    a missing capability (403), a state the action is not taken from (409), then the row's
    own conditions (403 when the job is someone else's, 409 when the case is not ready)."""
    permit(acting_user, action)
    row = transition(action, hazard.state)
    if row is None:
        raise illegal(hazard, rows(action)[0])
    today = today or timezone.localdate()
    for condition in row.preconditions:
        if not condition.holds(hazard, acting_user, today):
            raise condition.refuse()
    return row


def conditions_hold(
    row: Transition, hazard: Hazard, acting_user: User, today: dt.date | None = None
) -> bool:
    today = today or timezone.localdate()
    return all(condition.holds(hazard, acting_user, today) for condition in row.preconditions)


def actions_for(user: User, hazard: Hazard, *, today: dt.date | None = None) -> list[Transition]:
    """The rows `user` may take on `hazard` in its state now: what a page or phone offers."""
    return [
        row
        for row in TABLE
        if hazard.state in row.states
        and row.by_person
        and any(user.can(c) for c in row.who)
        and conditions_hold(row, hazard, user, today)
    ]


def where(
    action: Action,
    acting_user: User | None,
    *,
    today: dt.date | None = None,
    states: Iterable[State] = (),
) -> Q:
    """The cases on which `action` waits, as a filter: its rows' states (narrowed to
    `states` when given) and their conditions for `acting_user`."""
    today = today or timezone.localdate()
    narrowed = set(states)
    found = Q(pk__in=[])
    for row in rows(action):
        sources = [s for s in row.states if not narrowed or s in narrowed]
        if not sources:
            continue
        condition = Q(state__in=sources)
        for precondition in row.preconditions:
            condition &= precondition.where(acting_user, today)
        found |= condition
    return found


# ── what the rest of the loop derives from the table ───────────────────────────────

NOTICE_ACTIONS: dict[str, Action] = {
    HazardNotice.Kind.RECTIFY: A.NOTICE,
    HazardNotice.Kind.RECTIFY_SECOND: A.RENOTICE,
    HazardNotice.Kind.STOP_SUPPLY: A.STOP_NOTICE,
    HazardNotice.Kind.PROPERTY_LETTER: A.LETTER,
}


def notice_row(kind: str) -> Transition:
    """The row a notice's delivery takes for each case it covers."""
    return rows(NOTICE_ACTIONS[kind])[0]


def notice_kind_for(state: str) -> str | None:
    """The notice a case in `state` waits for, if any."""
    for kind, action in NOTICE_ACTIONS.items():
        if state in states_for(action):
            return kind
    return None


CLOCK_STATES = frozenset(state for row in CLOCK_ROWS for state in row.states)
# after each deadline the customer missed, a recorded call follows (§5 ④)
CALL_AFTER = frozenset(
    row.to
    for row in CLOCK_ROWS
    if CUSTOMER_DEADLINE_PASSED in row.preconditions and row.to is not None
)
# a person's step waits in the open states the clock does not; some with a running deadline
WAITING_ON_A_PERSON = frozenset(OPEN) - CLOCK_STATES
WAITING_WITH_A_DEADLINE = frozenset(
    row.to for row in TABLE if row.to in WAITING_ON_A_PERSON and row.deadline not in (NONE, KEPT)
)
