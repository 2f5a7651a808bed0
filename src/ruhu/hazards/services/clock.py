"""The daily clock (RULES B6.4–5): every case whose deadline has passed moves one rung up
the ladder, to the step a person must take next. It never takes a person's step: its rungs
are the `clock` rows of the ladder's table (ruhu.hazards.workflow).

The clock is set-based: per rung, batches of due cases are moved by one compare-and-swap
UPDATE each, with their steps and audit rows inserted in bulk. A run for a day moves every
case due by that day, so a run after days missed catches up, and each step records the day
it took effect (the day after the deadline), not the day the job ran. A second run the same
day finds nothing due and does nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ruhu.accounts.models import User
from ruhu.accounts.roles import Role
from ruhu.common.bulk import bulk_insert, db_value, time_ordered_uuid
from ruhu.common.models import AuditEvent
from ruhu.common.notifications import outbox_enqueue
from ruhu.hazards.models import ClockRun, Hazard, HazardNotice, HazardStep, State, Step
from ruhu.hazards.workflow import CLOCK_ROWS, Precondition

# Big batches: on SQLite each commit writes pages all over a large file, so fewer commits
# (each holding the write lock a few seconds, at night) and a larger page cache for the run.
BATCH = 25_000
SQLITE_CACHE_KIB = 256 * 1024
COPY_ALERT_LISTED = 50


@dataclass(frozen=True)
class Rung:
    """One clock row of the ladder's table: cases waiting in one state, moved when the
    row's condition on their deadline holds."""

    waiting: State
    step: Step
    to: State
    condition: Precondition

    @property
    def days_after(self) -> int:  # 0: due on the deadline itself (hand-over); 1: the day after
        return self.condition.days_after_deadline or 0


def _rungs() -> tuple[Rung, ...]:
    found = []
    for row in CLOCK_ROWS:
        [condition] = row.preconditions  # the one on the deadline
        assert row.step and row.to  # every clock row moves the case and writes its step
        found += [Rung(state, row.step, row.to, condition) for state in row.states]
    return tuple(found)


RUNGS = _rungs()


def hazard_clock_run(*, today: dt.date | None = None) -> ClockRun:
    """Advance every due case as of `today` (default: today in Asia/Shanghai)."""
    today = today or timezone.localdate()
    run = ClockRun.objects.create(ran_for=today, started_at=timezone.now())
    moved: dict[str, int] = {}
    with _large_page_cache():
        for rung in RUNGS:
            moved[rung.to] = _climb(rung, today)
    moved["copy_alerts"] = _alert_missing_copies(today)
    run.moved, run.finished_at = moved, timezone.now()
    run.save(update_fields=["moved", "finished_at"])
    return run


@contextmanager
def _large_page_cache() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _due(rung: Rung, today: dt.date) -> Q:
    return Q(state=rung.waiting) & rung.condition.where(None, today)


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
    return due_on + dt.timedelta(days=rung.days_after)


STEP_COLUMNS = (
    "id", "hazard_id", "number", "kind", "from_state", "to_state", "effective_on", "at",
    "actor_id", "due_on", "notice_id", "photo_id", "latitude", "longitude", "note",
    "payload_sha256", "chained",
)  # fmt: skip
AUDIT_COLUMNS = (
    "occurred_at", "actor_id", "actor_label", "action", "target_type_id", "target_id",
    "target_repr", "branch_id", "changes", "reason", "via",
)  # fmt: skip


def _write_history(rung, batch, today, now, content_type) -> None:
    """The steps and audit rows of a batch, as plain rows: tens of thousands a night."""
    at = db_value(HazardStep, "at", now)
    dates: dict[dt.date, object] = {}

    def day(value: dt.date):
        if value not in dates:
            dates[value] = db_value(HazardStep, "effective_on", value)
        return dates[value]

    bulk_insert(
        HazardStep._meta.db_table,
        STEP_COLUMNS,
        (
            (
                db_value(HazardStep, "id", time_ordered_uuid()), pk, steps + 1,
                rung.step.value, rung.waiting.value, rung.to.value,
                day(_effective(rung, due_on)), at, None, None, None, None, None, None,
                f"期限 {due_on:%Y-%m-%d} 已过" if rung.days_after else "", "", False,
            )
            for pk, _branch, due_on, _since, steps in batch
        ),
    )  # fmt: skip
    occurred = db_value(AuditEvent, "occurred_at", now)
    bulk_insert(
        AuditEvent._meta.db_table,
        AUDIT_COLUMNS,
        (
            (
                occurred, None, "system", f"hazard.{rung.step}", content_type.pk, str(pk),
                f"#{pk}", branch_id,
                json.dumps({
                    "state": [rung.waiting.value, rung.to.value],
                    "due_on": [due_on.isoformat(), None],
                    "since": [since.isoformat(), today.isoformat()],
                }, ensure_ascii=False),
                "", "clock",
            )
            for pk, branch_id, due_on, since, _steps in batch
        ),
    )  # fmt: skip


def _alert_missing_copies(today: dt.date) -> int:
    """Company copies not back within their hours: each lead of the branch gets one list a
    day of the notices newly late, and each notice is listed once."""
    now = timezone.now()
    late = list(
        HazardNotice.objects.filter(
            copy_due_at__lt=now, copy_received_at__isnull=True, copy_alerted_at__isnull=True
        ).values_list("pk", "branch_id", "number")
    )
    if not late:
        return 0
    numbers: dict[int, list[str]] = {}
    for _pk, branch_id, number in late:
        numbers.setdefault(branch_id, []).append(number)
    leads = User.objects.filter(
        branch_id__in=numbers, role=Role.INSPECTION_LEAD, is_active=True
    ).exclude(email="")
    with transaction.atomic():
        for lead in leads:
            listed = sorted(numbers.get(lead.branch_id or 0, []))
            shown = "、".join(listed[:COPY_ALERT_LISTED])
            more = f" 等 {len(listed)} 份" if len(listed) > COPY_ALERT_LISTED else ""
            outbox_enqueue(
                channel="email",
                recipient=lead.email,
                subject="整改通知书公司联逾期未交回",
                body=f"以下《安全隐患整改通知书》的公司联已超过交回时限：{shown}{more}。"
                "请督促交回安检办公室，并在隐患待办中登记交回。",
                dedupe_key=f"hazard-copy-late:{lead.pk}:{today.isoformat()}",
                branch_id=lead.branch_id,
            )
        HazardNotice.objects.filter(pk__in=[row[0] for row in late]).update(copy_alerted_at=now)
    return len(late)
