"""The daily clock (RULES B6.4–5): every case whose deadline has passed moves one rung up
the ladder, to the step a person must take next. It never takes a person's step.

The clock is set-based: per rung, batches of due cases are moved by one compare-and-swap
UPDATE each, with their steps and audit rows inserted in bulk. A run for a day moves every
case due by that day, so a run after days missed catches up, and each step records the day
it took effect (the day after the deadline), not the day the job ran. A second run the same
day finds nothing due and does nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ruhu.accounts.models import User
from ruhu.accounts.roles import Role
from ruhu.common.models import AuditEvent
from ruhu.common.notifications import outbox_enqueue
from ruhu.hazards.models import ClockRun, Hazard, HazardNotice, HazardStep, State, Step

BATCH = 5_000


@dataclass(frozen=True)
class Rung:
    waiting: State
    step: Step
    to: State
    inclusive: bool  # True: due on the day itself (hand-over); False: the day after the deadline


RUNGS = (
    Rung(State.NOTICED, Step.RENOTICE_DUE, State.RENOTICE_DUE, inclusive=False),
    Rung(State.RENOTICED, Step.LIMIT_DUE, State.LIMIT_DUE, inclusive=False),
    Rung(State.PM_LETTERED, Step.SEAL_DUE, State.SEAL_DUE, inclusive=False),
    Rung(State.SEALED, Step.HANDED_OVER, State.HANDED_OVER, inclusive=True),
)


def hazard_clock_run(*, today: dt.date | None = None) -> ClockRun:
    """Advance every due case as of `today` (default: today in Asia/Shanghai)."""
    today = today or timezone.localdate()
    run = ClockRun.objects.create(ran_for=today, started_at=timezone.now())
    moved: dict[str, int] = {}
    for rung in RUNGS:
        moved[rung.to] = _climb(rung, today)
    moved["copy_alerts"] = _alert_missing_copies()
    run.moved, run.finished_at = moved, timezone.now()
    run.save(update_fields=["moved", "finished_at"])
    return run


def _due(rung: Rung, today: dt.date) -> Q:
    if rung.inclusive:
        return Q(state=rung.waiting, due_on__lte=today)
    return Q(state=rung.waiting, due_on__lt=today)


def _climb(rung: Rung, today: dt.date) -> int:
    total = 0
    content_type = ContentType.objects.get_for_model(Hazard)
    while True:
        with transaction.atomic():
            batch = list(
                Hazard.objects.select_for_update()
                .filter(_due(rung, today))
                .order_by("state", "due_on")
                .values_list("pk", "branch_id", "due_on", "since", "step_count")[:BATCH]
            )
            if not batch:
                return total
            ids = [row[0] for row in batch]
            now = timezone.now()
            # the deadline is gone with the rung: the next one starts when a person acts
            changed = Hazard.objects.filter(pk__in=ids, state=rung.waiting).update(
                state=rung.to,
                due_on=None,
                since=today,
                updated_at=now,
                step_count=F("step_count") + 1,
            )
            if changed != len(ids):  # a person moved some meanwhile: take only the rest
                still = set(
                    Hazard.objects.filter(pk__in=ids, state=rung.to, updated_at=now).values_list(
                        "pk", flat=True
                    )
                )
                batch = [row for row in batch if row[0] in still]
            _write_history(rung, batch, today, now, content_type)
            total += len(batch)


def _effective(rung: Rung, due_on: dt.date) -> dt.date:
    return due_on if rung.inclusive else due_on + dt.timedelta(days=1)


def _write_history(rung, batch, today, now, content_type) -> None:
    HazardStep.objects.bulk_create(
        HazardStep(
            hazard_id=pk,
            number=steps + 1,
            kind=rung.step,
            from_state=rung.waiting,
            to_state=rung.to,
            effective_on=_effective(rung, due_on),
            at=now,
            note=f"期限 {due_on:%Y-%m-%d} 已过" if not rung.inclusive else "",
        )
        for pk, _branch, due_on, _since, steps in batch
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=None,
            actor_label="system",
            action=f"hazard.{rung.step}",
            target_type=content_type,
            target_id=str(pk),
            target_repr=f"#{pk}",
            branch_id=branch_id,
            changes={
                "state": [rung.waiting, rung.to],
                "due_on": [due_on.isoformat(), None],
                "since": [since.isoformat(), today.isoformat()],
            },
            via="clock",
        )
        for pk, branch_id, due_on, since, _steps in batch
    )


def _alert_missing_copies() -> int:
    """A company copy not back within its hours: each lead of the branch hears once."""
    now = timezone.now()
    late = list(
        HazardNotice.objects.filter(
            copy_due_at__lt=now, copy_received_at__isnull=True, copy_alerted_at__isnull=True
        ).values_list("pk", "branch_id", "number")
    )
    if not late:
        return 0
    leads: dict[int, list[str]] = {}
    for branch_id, email in (
        User.objects.filter(
            branch_id__in={row[1] for row in late}, role=Role.INSPECTION_LEAD, is_active=True
        )
        .exclude(email="")
        .values_list("branch_id", "email")
    ):
        leads.setdefault(branch_id, []).append(email)
    with transaction.atomic():
        for pk, branch_id, number in late:
            for email in leads.get(branch_id, []):
                outbox_enqueue(
                    channel="email",
                    recipient=email,
                    subject="整改通知书公司联逾期未交回",
                    body=f"《安全隐患整改通知书》{number} 的公司联已超过交回时限，"
                    "请督促交回安检办公室。",
                    dedupe_key=f"hazard-copy-late:{pk}:{email}",
                    branch_id=branch_id,
                )
        HazardNotice.objects.filter(pk__in=[row[0] for row in late]).update(copy_alerted_at=now)
    return len(late)
