"""What a hazard page shows of each case and notice, as plain records built from the
selectors' reads: the steps a card offers come from the ladder's table (the services
decide again when a step is posted), and the message a refused step left on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ruhu.common.web import StepRefused
from ruhu.hazards.models import TRACKED_METHODS, DeliveryMethod, Hazard, HazardNotice
from ruhu.hazards.services.notices import METHODS
from ruhu.hazards.workflow import actions_for, notice_kind_for

# the order a card lists the operations the table allows
OP_ORDER = (
    "limit", "restore", "take", "repair", "repair_fail", "assign", "seal", "outcome", "issue",
    "recheck", "arranged", "call",
)  # fmt: skip


def issue_labels() -> dict[str, str]:
    return {
        HazardNotice.Kind.RECTIFY: _("下发整改通知书"),
        HazardNotice.Kind.RECTIFY_SECOND: _("再次下发"),
        HazardNotice.Kind.STOP_SUPPLY: _("停气通知"),
        HazardNotice.Kind.PROPERTY_LETTER: _("致函物业"),
    }


def offered_ops(user, hazard: Hazard, *, today: dt.date) -> tuple[str, ...]:
    """The operations `user` may post on `hazard` now, by the table."""
    allowed = {row.op for row in actions_for(user, hazard, today=today) if row.op}
    return tuple(op for op in OP_ORDER if op in allowed)


def error_for(error: StepRefused | None, *keys: str) -> str:
    """The message a refused step left on the card that holds one of `keys`."""
    return error.message if error is not None and error.key in keys else ""


@dataclass(frozen=True)
class DeliveryForm:
    """A notice issued and printed, waiting for its delivery to be recorded."""

    notice: HazardNotice
    methods: tuple[tuple[str, str], ...]
    tracked: bool
    photo_method: bool
    letter: bool


def delivery_form(notice: HazardNotice) -> DeliveryForm:
    labels = dict(DeliveryMethod.choices)
    methods = METHODS[notice.kind]
    return DeliveryForm(
        notice=notice,
        methods=tuple((m, str(labels[m])) for m in methods),
        tracked=any(m in TRACKED_METHODS for m in methods),
        photo_method=DeliveryMethod.POSTED in methods,
        letter=notice.kind == HazardNotice.Kind.PROPERTY_LETTER,
    )


@dataclass(frozen=True)
class HazardCard:
    hazard: Hazard
    ops: tuple[str, ...]
    issue_label: str
    pending: DeliveryForm | None
    overdue: bool
    error: str


def hazard_cards(
    hazards: Iterable[Hazard],
    user,
    *,
    today: dt.date,
    pending: Mapping[int, HazardNotice],
    error: StepRefused | None,
    shown: Collection[str] | None = None,
) -> list[HazardCard]:
    """One card per hazard; `shown` keeps only those operations (a queue section's)."""
    labels = issue_labels()
    cards = []
    for hazard in hazards:
        ops = offered_ops(user, hazard, today=today)
        notice = pending.get(hazard.pk)
        keys = [f"hazard-{hazard.pk}"] + ([f"notice-{notice.pk}"] if notice else [])
        cards.append(
            HazardCard(
                hazard=hazard,
                ops=ops if shown is None else tuple(op for op in ops if op in shown),
                issue_label=labels.get(notice_kind_for(hazard.state) or "", ""),
                pending=delivery_form(notice) if notice is not None else None,
                overdue=hazard.due_on is not None and hazard.due_on < today,
                error=error_for(error, *keys),
            )
        )
    return cards


@dataclass(frozen=True)
class NoticeRow:
    notice: HazardNotice
    hazard_ids: tuple[int, ...] = ()
    may_receive: bool = False  # its company copy may be registered as back, by this user
    error: str = ""


@dataclass(frozen=True)
class LetterGroup:
    """The cases of one community waiting for the letter to its property manager."""

    community: str
    hazards: tuple[Hazard, ...]
    pending: DeliveryForm | None
    error: str

    @property
    def first(self) -> Hazard:
        return self.hazards[0]


def letter_groups(
    hazards: Iterable[Hazard], pending: Mapping[int, HazardNotice], error: StepRefused | None
) -> list[LetterGroup]:
    """The STOP_NOTICED cases of a page by community: one letter per community."""
    grouped: dict[tuple[int, str], list[Hazard]] = {}
    for hazard in hazards:
        grouped.setdefault((hazard.branch_id, hazard.household.community), []).append(hazard)
    groups = []
    for (_branch, community), members in grouped.items():
        notice = next((pending[h.pk] for h in members if h.pk in pending), None)
        keys = [f"hazard-{h.pk}" for h in members] + ([f"notice-{notice.pk}"] if notice else [])
        groups.append(
            LetterGroup(
                community=community,
                hazards=tuple(members),
                pending=delivery_form(notice) if notice is not None else None,
                error=error_for(error, *keys),
            )
        )
    return groups
