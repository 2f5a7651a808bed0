"""Generating and approving the monthly inspection plans of a branch (RULES B3).

Generation selects the branch's households due by the month's end in SQL (`due_by`),
assigns them with `planning.assign` to the inspectors qualified on the first planned day,
and writes the tasks in bulk. Regenerating keeps every started and done task, and the
capacity those tasks use; the plan becomes a draft again and needs a new approval.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.audit import audit_record
from ruhu.common.audit_display import register_action_labels
from ruhu.common.bulk import bulk_insert
from ruhu.common.errors import IllegalTransition, NotFound, ValidationFailed
from ruhu.common.policy import policy_get
from ruhu.common.scoping import require
from ruhu.common.workdays import add_months, working_days
from ruhu.inspection.models import Plan, PlanTask, UnplannedHousehold
from ruhu.inspection.planning import Due, assign
from ruhu.inspection.selectors import qualifications
from ruhu.premises.due import Cycles, due_by, next_due
from ruhu.premises.models import Household

register_action_labels({"plan.generate": _("生成安检计划"), "plan.approve": _("批准安检计划")})

TASK_COLUMNS = (
    "plan_id", "household_id", "inspector_id", "day", "sequence",
    "due_on", "overdue", "vulnerable", "status",
)  # fmt: skip
UNPLANNED_COLUMNS = ("plan_id", "household_id", "due_on", "overdue", "reason")
DUE_FIELDS = (
    "id", "community", "building", "category", "vulnerable", "special_cycle_months",
    "last_inspected_on", "first_conversion", "gas_since",
)  # fmt: skip


@transaction.atomic
def plan_generate(*, acting_user: User | None, branch: OrgUnit, month: dt.date) -> Plan:
    """Draft (or redraft) the branch's plan for the month that contains `month`."""
    _check_may(acting_user, Capability.MANAGE_PLANS, branch)
    month = month.replace(day=1)
    today = timezone.localdate()
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    first_day = max(month, today + dt.timedelta(days=_notice_days(branch, today)))
    if month_end < first_day:
        raise ValidationFailed(
            _("该月已没有可提前通知的工作日，不能再编制计划"), code="plan_month_past"
        )
    plan, created = Plan.objects.select_for_update().get_or_create(
        branch=branch, month=month, defaults={"generated_by": _user(acting_user)}
    )
    _clear_open_tasks(plan)
    kept = list(
        PlanTask.objects.filter(
            plan=plan, status__in=[PlanTask.Status.STARTED, PlanTask.Status.DONE]
        ).values_list("household_id", "inspector_id", "day")
    )
    days = working_days(first_day, month_end)
    inspectors, last_day = _qualified_inspectors(branch, days[0] if days else first_day)
    cycles = Cycles.of_branch(branch.pk, first_day)
    due = _due_households(plan, branch, month_end, today, cycles, {h for h, _, _ in kept})
    result = assign(
        list(due.values()),
        inspectors=inspectors,
        days=days,
        capacity=int(policy_get("inspection.inspector_daily_capacity", branch=branch)),
        max_ratio=float(policy_get("inspection.plan_load_balance_max_ratio", branch=branch)),
        taken=Counter((inspector, day) for _, inspector, day in kept),
        last_day=last_day,
    )
    _write_tasks(plan, result.tasks, due)
    _write_unplanned(plan, result.unplanned, due)
    before = {"status": plan.status, "generation": plan.generation}
    plan.summary = _summary(result, kept, inspectors, days)
    if not created:
        plan.generation += 1
    plan.status, plan.approved_at, plan.approved_by = Plan.Status.DRAFT, None, None
    plan.generated_at, plan.generated_by = timezone.now(), _user(acting_user)
    plan.save()
    audit_record(
        acting_user=acting_user,
        action="plan.generate",
        target=plan,
        changes={
            "status": [before["status"] if not created else None, plan.status],
            "generation": [before["generation"] if not created else None, plan.generation],
            "planned": [None, plan.summary["planned"]],
            "unplanned": [None, plan.summary["unplanned"]],
            "kept": [None, plan.summary["kept"]],
        },
    )
    return plan


def plan_generate_year(*, acting_user: User | None, branch: OrgUnit, year: int) -> list[Plan]:
    """The annual plan: the twelve monthly plans of `year`, from the first month that can
    still be planned. Each month takes the households due by its end and not already
    planned in an earlier month."""
    today = timezone.localdate()
    plans = []
    for number in range(1, 13):
        month = dt.date(year, number, 1)
        month_end = month.replace(day=calendar.monthrange(year, number)[1])
        if month_end < today + dt.timedelta(days=_notice_days(branch, today)):
            continue
        plans.append(plan_generate(acting_user=acting_user, branch=branch, month=month))
    if not plans:
        raise ValidationFailed(_("该年度已没有可编制计划的月份"), code="plan_year_past")
    return plans


@transaction.atomic
def plan_approve(*, acting_user: User | None, plan: Plan) -> Plan:
    """The inspection lead approves a draft; only a draft can be approved. Once committed,
    the community notices are issued by a job (`community_notices_issue`)."""
    _check_may(acting_user, Capability.APPROVE_PLANS, plan.branch)
    now = timezone.now()
    changed = Plan.objects.filter(pk=plan.pk, status=Plan.Status.DRAFT).update(
        status=Plan.Status.APPROVED, approved_at=now, approved_by=_user(acting_user)
    )
    if not changed:
        raise IllegalTransition(_("该计划已批准，不能重复批准"), code="plan_not_draft")
    plan.refresh_from_db()
    audit_record(
        acting_user=acting_user,
        action="plan.approve",
        target=plan,
        changes={"status": [Plan.Status.DRAFT, Plan.Status.APPROVED]},
    )
    # robust: a queue that is down must not undo the approval; the lead can issue the
    # notices again from the plan page
    transaction.on_commit(_issue_notices_later(plan.pk), robust=True)
    return plan


def _issue_notices_later(plan_id: int):
    # A plain function, not functools.partial: Django names the callback when it fails.
    def issue_community_notices() -> None:
        from ruhu.inspection.tasks import community_notices_issue_task

        community_notices_issue_task(plan_id)

    return issue_community_notices


def _check_may(acting_user: User | None, capability: str, branch: OrgUnit) -> None:
    """The CLI and jobs act as the system (acting_user None); people need the capability
    and the branch in their scope."""
    if acting_user is None:
        return
    require(acting_user, capability)
    if not acting_user.is_head_office and acting_user.branch_id != branch.pk:
        raise NotFound(_("未找到该分公司"), code="not_found")


def _user(acting_user: User | None) -> User | None:
    return acting_user if getattr(acting_user, "pk", None) else None


def _notice_days(branch: OrgUnit, today: dt.date) -> int:
    """A community must be told this many days ahead, so no task is planned sooner."""
    return int(policy_get("notice.community_days_before", branch=branch, on=today))


def _clear_open_tasks(plan: Plan) -> None:
    """Forget the planned (not started) tasks and the unplanned list of an earlier run, in
    SQL: the ORM's delete() would first load a big plan's rows to look for dependants."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {PlanTask._meta.db_table} WHERE plan_id = %s AND status = %s",  # noqa: S608
            [plan.pk, PlanTask.Status.PLANNED],
        )
        cursor.execute(
            f"DELETE FROM {UnplannedHousehold._meta.db_table} WHERE plan_id = %s",  # noqa: S608
            [plan.pk],
        )


def _qualified_inspectors(
    branch: OrgUnit, first_day: dt.date
) -> tuple[list[int], dict[int, dt.date]]:
    """The branch's inspectors with a valid training on the first day, and the last day
    their training counts. Anyone else is never planned."""
    people = list(User.objects.filter(branch=branch, role=Role.INSPECTOR, is_active=True))
    status = qualifications(inspectors=people, on=first_day)
    qualified = {pk: state.valid_until for pk, state in status.items() if state.qualified}
    return sorted(qualified), {pk: day for pk, day in qualified.items() if day is not None}


def _due_households(
    plan: Plan,
    branch: OrgUnit,
    month_end: dt.date,
    today: dt.date,
    cycles: Cycles,
    kept: set[int],
) -> dict[int, Due]:
    """The branch's households due by the month's end, except those this plan keeps and
    those an earlier month's plan will still visit."""
    elsewhere = PlanTask.objects.filter(
        plan__branch=branch,
        plan__month__lt=plan.month,
        status__in=[PlanTask.Status.PLANNED, PlanTask.Status.STARTED],
        day__gte=today,
    ).values("household_id")
    rows = (
        Household.objects.filter(due_by(branch.pk, month_end, cycles))
        .exclude(pk__in=elsewhere)
        .order_by()
        .values_list(*DUE_FIELDS)
    )
    due: dict[int, Due] = {}
    next_due_of = _NextDue(cycles)
    for pk, community, building, category, vulnerable, special, last, first, since in _fetch(
        rows, branch
    ):
        if pk in kept:
            continue
        due_on = next_due_of(category, vulnerable, special, last, first, since)
        overdue = due_on is None or due_on < today
        due[pk] = Due(pk, community, building, due_on, overdue, vulnerable)
    return due


class _NextDue:
    """`next_due` for hundreds of thousands of rows that share a few cycles and dates: each
    cycle and each (last inspection, cycle) is worked out once."""

    def __init__(self, cycles: Cycles) -> None:
        self.cycles = cycles
        self.months: dict[tuple, int] = {}
        self.dates: dict[tuple[dt.date, int], dt.date] = {}

    def __call__(self, category, vulnerable, special, last, first, since) -> dt.date | None:
        if last is None:  # never inspected, or a first conversion: the rare case
            return next_due(
                self.cycles, category=category, vulnerable=vulnerable, special_months=special,
                last_inspected_on=None, first_conversion=first, gas_since=since,
            )[0]  # fmt: skip
        kind = (category, vulnerable, special)
        months = self.months.get(kind)
        if months is None:
            months = self.months[kind] = self.cycles.cycle(
                category=category, vulnerable=vulnerable, special_months=special
            )
        due_on = self.dates.get((last, months))
        if due_on is None:
            due_on = self.dates[(last, months)] = add_months(last, months)
        return due_on


def _fetch(rows: QuerySet, branch: OrgUnit) -> Iterator[tuple]:
    """The due households' rows, streamed. When the branch is most of the table, SQLite is
    told to scan it: walking the (branch, last inspection) index to every row of a branch of
    a million households takes two to three times as long as reading the table."""
    if connection.vendor != "sqlite" or not _most_of_table(branch):
        yield from rows.iterator(chunk_size=20_000)
        return
    sql, params = rows.query.sql_with_params()
    table = Household._meta.db_table
    sql = sql.replace(f'FROM "{table}"', f'FROM "{table}" NOT INDEXED', 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(20_000):
            yield from chunk


def _most_of_table(branch: OrgUnit) -> bool:
    return Household.objects.filter(branch=branch).count() * 2 > Household.objects.count()


def _write_tasks(plan: Plan, tasks, due: dict[int, Due]) -> None:
    sequence: Counter = Counter()
    rows = []
    for task in tasks:
        item = due[task.household_id]
        key = (task.inspector_id, task.day)
        sequence[key] += 1
        rows.append(
            (plan.pk, task.household_id, task.inspector_id, task.day, sequence[key],
             item.due_on, item.overdue, item.vulnerable, PlanTask.Status.PLANNED)
        )  # fmt: skip
    bulk_insert(PlanTask._meta.db_table, TASK_COLUMNS, rows)


def _write_unplanned(plan: Plan, unplanned: list[tuple[int, str]], due: dict[int, Due]) -> None:
    rows = [
        (plan.pk, household, due[household].due_on, due[household].overdue, reason)
        for household, reason in unplanned
    ]
    bulk_insert(UnplannedHousehold._meta.db_table, UNPLANNED_COLUMNS, rows)


def _summary(result, kept: list, inspectors: list[int], days: list[dt.date]) -> dict:
    loads = Counter(task.inspector_id for task in result.tasks)
    loads.update(inspector for _, inspector, _ in kept)
    reasons = Counter(reason for _, reason in result.unplanned)
    low, high = (min(loads.values()), max(loads.values())) if loads else (0, 0)
    return {
        "planned": len(result.tasks),
        "kept": len(kept),
        "unplanned": len(result.unplanned),
        "unplanned_reasons": dict(reasons),
        "inspectors": len(inspectors),
        "working_days": len(days),
        "first_day": days[0].isoformat() if days else None,
        "load_min": low,
        "load_max": high,
        "load_ratio": round(high / low, 3) if low else None,
    }
