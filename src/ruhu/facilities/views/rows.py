"""What the pages show of each facility, task, check and repair job: dataclasses the
templates read, built from what the selectors fetched without asking the database again
(the model instances themselves are left as they were fetched)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from ruhu.accounts.roles import Capability
from ruhu.common.web import StepRefused
from ruhu.facilities.checklist import (
    ITEM_LABELS,
    PRESSURE_LABELS,
    PRESSURES,
    items_for,
    pressure_ranges,
    takes_pressures,
)
from ruhu.facilities.documents import corrected_by
from ruhu.facilities.models import Facility, FacilityCheck, FacilityRepair, FacilityTask
from ruhu.facilities.schedule import Due, facility_due

# ── the registry and the schedule ─────────────────────────────────────────────────


@dataclass(frozen=True)
class RegistryRow:
    facility: Facility
    due: Due


def registry_rows(facilities, *, on: dt.date) -> list[RegistryRow]:
    return [RegistryRow(facility, facility_due(facility, on=on)) for facility in facilities]


@dataclass(frozen=True)
class ScheduleRow:
    """A facility on one of the schedule's lists, with the date that list is about (its
    next check, or for the cleaning list its next cleaning) and how late it is."""

    facility: Facility
    due_on: dt.date | None
    late: bool
    days_late: int
    days_left: int
    task: FacilityTask | None


def schedule_rows(facilities, *, which: str, on: dt.date) -> list[ScheduleRow]:
    """`facilities` from `selectors.facility_schedule` (their open tasks prefetched)."""
    rows = []
    for facility in facilities:
        due = facility_due(facility, on=on)
        if which == "cleaning":
            due_on, late = due.cleaning_due_on, due.cleaning_overdue
        else:
            due_on, late = due.due_on, due.overdue
        tasks = facility.open_tasks
        rows.append(
            ScheduleRow(
                facility=facility,
                due_on=due_on,
                late=late,
                days_late=(on - due_on).days if due_on and late else 0,
                days_left=(due_on - on).days if due_on and not late else 0,
                task=tasks[0] if tasks else None,
            )
        )
    return rows


@dataclass(frozen=True)
class DayTaskRow:
    task: FacilityTask
    late: bool  # planned for an earlier day and still not done


def day_task_rows(tasks, *, on: dt.date) -> list[DayTaskRow]:
    planned = FacilityTask.Status.PLANNED
    return [DayTaskRow(task, task.status == planned and task.day < on) for task in tasks]


# ── the record card and one check ─────────────────────────────────────────────────


@dataclass(frozen=True)
class Reading:
    label: str
    value: int | None
    bad: bool  # the check judged it out of range


@dataclass(frozen=True)
class CheckRow:
    """A row of the record card's check history."""

    check: FacilityCheck
    defects: list
    readings: list[Reading]
    correction: FacilityCheck | None  # the check that corrects this one


def check_rows(checks) -> list[CheckRow]:
    """`checks` from `selectors.facility_history` (defects and correction fetched)."""
    rows = []
    for check in checks:
        defects = list(check.defects.all())
        bad = {defect.item for defect in defects}
        readings = [
            Reading(PRESSURE_LABELS[name], getattr(check, name), name in bad) for name in PRESSURES
        ]
        rows.append(CheckRow(check, defects, readings, corrected_by(check)))
    return rows


@dataclass(frozen=True)
class CheckItem:
    code: str
    label: str
    state: str
    note: str
    photos: list
    defect: bool


def check_items(check: FacilityCheck) -> list[CheckItem]:
    """Every item of the check's kind with its answer, note and photos, in checklist order."""
    answers = check.checklist
    photos: dict[str, list] = {}
    for photo in check.photos.all():
        photos.setdefault(photo.item, []).append(photo)
    found = {defect.item for defect in check.defects.all()}
    return [
        CheckItem(
            code=item.code,
            label=item.label,
            state=answers.get(item.code, {}).get("state", ""),
            note=answers.get(item.code, {}).get("note", ""),
            photos=photos.get(item.code, []),
            defect=item.code in found,
        )
        for item in items_for(check.kind)
    ]


@dataclass(frozen=True)
class PressureRow:
    label: str
    value: int | None
    low: int
    high: int
    bad: bool


def check_pressures(check: FacilityCheck) -> list[PressureRow]:
    """The pressures against the ranges in force the day the check was made."""
    if not takes_pressures(check.kind):
        return []
    ranges = pressure_ranges(branch=check.branch_id, on=timezone.localdate(check.finished_at))
    found = {defect.item for defect in check.defects.all()}
    return [
        PressureRow(
            label=PRESSURE_LABELS[name],
            value=getattr(check, name),
            low=ranges[name].low,
            high=ranges[name].high,
            bad=name in found,
        )
        for name in PRESSURES
    ]


# ── repair jobs ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class RepairRow:
    """A repair job, with what the page offers the user on it and the message of a step
    on it that was refused."""

    repair: FacilityRepair
    label: str
    overdue: bool
    days_late: int
    may_assign: bool = False
    may_finish: bool = False
    choices: list = field(default_factory=list)  # the repairers it may be given to
    error: str = ""


def repair_key(repair) -> str:
    """The card of the repairs page a refused step's message belongs to."""
    return f"repair-{repair.pk}"


def repair_rows(
    repairs, *, on: dt.date, user=None, people=(), refused: StepRefused | None = None
) -> list[RepairRow]:
    """The jobs as rows; given the `user`, with the steps they may take on each: a lead
    gives an open job to one of its branch's repairers (`people`), a repairer reports a
    job done that is given to them or to nobody (as the services allow)."""
    manage = user is not None and user.can(Capability.MANAGE_FACILITIES)
    repairer = user is not None and user.can(Capability.REPAIR_FACILITIES)
    rows = []
    for repair in repairs:
        is_open = repair.status == FacilityRepair.Status.OPEN
        overdue = is_open and repair.due_on < on
        rows.append(
            RepairRow(
                repair=repair,
                label=ITEM_LABELS.get(repair.item, repair.item),
                overdue=overdue,
                days_late=(on - repair.due_on).days if overdue else 0,
                may_assign=manage and is_open,
                may_finish=repairer and is_open and repair.assignee_id in (None, user.pk),
                choices=[p for p in people if p.branch_id == repair.branch_id],
                error=refused.message if refused and refused.key == repair_key(repair) else "",
            )
        )
    return rows
