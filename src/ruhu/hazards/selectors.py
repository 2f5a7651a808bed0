"""Reads of the rectification loop, each scoped to the acting user (DESIGN rule 6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import OrgUnit
from ruhu.accounts.roles import Capability
from ruhu.common.errors import NotFound, ValidationFailed
from ruhu.common.policy import policy_get
from ruhu.common.scoping import require, scope_queryset
from ruhu.common.workdays import add_working_days
from ruhu.hazards.models import (
    RECTIFIED_RESOLUTIONS,
    FollowUpCall,
    Hazard,
    HazardNotice,
    HazardTally,
    HazardType,
    MonthlyPackage,
    Resolution,
    State,
)


def hazard_types_by_code(*, active_only: bool = True) -> dict[str, HazardType]:
    types = HazardType.objects.all()
    if active_only:
        types = types.filter(active=True)
    return {t.code: t for t in types}


def hazards_visible(*, acting_user) -> QuerySet[Hazard]:
    """Every hazard the user may see: head office all, a branch its own."""
    require(acting_user, Capability.VIEW_HAZARDS)
    return scope_queryset(Hazard.objects.all(), acting_user=acting_user)


def hazard_for_user(*, acting_user, pk: int) -> Hazard | None:
    return (
        hazards_visible(acting_user=acting_user)
        .select_related("hazard_type", "household", "found_by", "assignee")
        .filter(pk=pk)
        .first()
    )


def notices_visible(*, acting_user) -> QuerySet[HazardNotice]:
    require(acting_user, Capability.VIEW_HAZARDS)
    return scope_queryset(HazardNotice.objects.all(), acting_user=acting_user)


# ── work queues (issue: one per role) ─────────────────────────────────────────────

QUEUE_ROLES = ("customer_service", "repairer", "supervision", "inspector", "lead")


@dataclass(frozen=True)
class QueueSection:
    key: str
    title: str
    action: str
    items: QuerySet


def _branch_cases(acting_user) -> QuerySet[Hazard]:
    return scope_queryset(
        Hazard.objects.select_related("hazard_type", "household", "assignee"),
        acting_user=acting_user,
    )


def hazard_queue(*, acting_user, role: str) -> list[QueueSection]:
    """What waits on `role`, oldest first; each section names the step its people take."""
    require(acting_user, Capability.VIEW_HAZARDS)
    cases = _branch_cases(acting_user)
    oldest = ("since", "pk")
    if role == "customer_service":
        require(acting_user, Capability.LIMIT_SUPPLY)
        return [
            QueueSection("limit", _("待限量售气"), "limit",
                         cases.filter(state=State.LIMIT_DUE).order_by(*oldest)),
            QueueSection("restore", _("已整改待恢复供气"), "restore",
                         cases.filter(state=State.RECTIFIED).exclude(supply_hold="")
                         .order_by(*oldest)),
        ]  # fmt: skip
    if role == "repairer":
        require(acting_user, Capability.REPAIR_HAZARDS)
        jobs = Hazard.objects.select_related("hazard_type", "household", "assignee").filter(
            branch_id=acting_user.branch_id
        )
        return [
            QueueSection("repair", _("派给我的维修"), "repair",
                         jobs.filter(state=State.DISPATCHED, assignee=acting_user)
                         .order_by("due_on", "pk")),
            QueueSection("unassigned", _("待接单的维修"), "take",
                         jobs.filter(state=State.DISPATCHED, assignee__isnull=True)
                         .order_by("due_on", "pk")),
            QueueSection("seal", _("待停气封停"), "seal",
                         jobs.filter(state=State.SEAL_DUE).order_by(*oldest)),
        ]  # fmt: skip
    if role == "supervision":
        require(acting_user, Capability.SUPERVISE_HAZARDS)
        return [
            QueueSection("handed_over", _("移交的案件"), "outcome",
                         cases.filter(state=State.HANDED_OVER).order_by(*oldest)),
        ]  # fmt: skip
    if role == "inspector":
        require(acting_user, Capability.RECORD_VISITS)
        mine = Hazard.objects.select_related("hazard_type", "household").filter(
            branch_id=acting_user.branch_id
        )
        return [
            QueueSection("recheck", _("待现场复查"), "recheck",
                         mine.filter(state=State.ARRANGED).order_by(*oldest)),
            QueueSection("notice", _("待下发整改通知书"), "notice",
                         mine.filter(state=State.FOUND).order_by(*oldest)),
            QueueSection("renotice", _("待再次下发整改通知书"), "renotice",
                         mine.filter(state=State.RENOTICE_DUE).order_by(*oldest)),
            QueueSection("stop_notice", _("待送达停气通知"), "stop_notice",
                         mine.filter(state=State.LIMITED).order_by(*oldest)),
        ]  # fmt: skip
    if role == "lead":
        require(acting_user, Capability.MANAGE_HAZARDS)
        return [
            QueueSection("letter", _("待致函物业"), "letter",
                         cases.filter(state=State.STOP_NOTICED).order_by(*oldest)),
            QueueSection("calls", _("期限已过待电话回访"), "call",
                         calls_due(acting_user=acting_user)),
            QueueSection("stalled", _("停滞的案件"), "view", stalled(acting_user=acting_user)),
            QueueSection("serious", _("未结案的重大隐患"), "view",
                         cases.filter(serious=True).exclude(state=State.CLOSED)
                         .order_by(*oldest)),
        ]  # fmt: skip
    raise NotFound("没有这个工作队列", code="not_found")


def copies_overdue(*, acting_user) -> QuerySet[HazardNotice]:
    """Company copies of rectification notices not back within their hours."""
    require(acting_user, Capability.MANAGE_HAZARDS)
    return (
        notices_visible(acting_user=acting_user)
        .filter(copy_due_at__lt=timezone.now(), copy_received_at__isnull=True)
        .select_related("household")
        .order_by("copy_due_at")
    )


# a person's step waits in these states; the clock waits in the others
PERSON_STATES = (
    State.FOUND, State.RENOTICE_DUE, State.LIMIT_DUE, State.LIMITED, State.STOP_NOTICED,
    State.SEAL_DUE, State.HANDED_OVER, State.ARRANGED, State.RECTIFIED,
)  # fmt: skip


def stalled(*, acting_user, on: dt.date | None = None) -> QuerySet[Hazard]:
    """Cases whose person's step is older than the policy's working days, and repair jobs
    past their due date."""
    on = on or timezone.localdate()
    days = int(policy_get("hazard.stall_working_days", branch=acting_user.branch_id, on=on))
    cutoff = add_working_days(on, -days).date
    return (
        _branch_cases(acting_user)
        .filter(
            Q(state__in=PERSON_STATES, since__lt=cutoff) | Q(state=State.DISPATCHED, due_on__lt=on)
        )
        .order_by("since", "pk")
    )


CALL_AFTER = (State.RENOTICE_DUE, State.LIMIT_DUE, State.SEAL_DUE)


def calls_due(*, acting_user) -> QuerySet[Hazard]:
    """Each deadline passed is followed by a recorded call (§5 ④): cases the clock moved
    with no call since."""
    called = FollowUpCall.objects.filter(
        hazard=OuterRef("pk"), called_at__date__gte=OuterRef("since")
    )
    return (
        _branch_cases(acting_user)
        .filter(state__in=CALL_AFTER)
        .exclude(Exists(called))
        .order_by("since", "pk")
    )


# ── rectification rates (RULES B2) ────────────────────────────────────────────────


@dataclass
class RateRow:
    branch_id: int | None
    branch: str
    level: int
    found: int
    rectified: int
    target: float

    @property
    def rate(self) -> float | None:
        return self.rectified / self.found if self.found else None

    @property
    def met(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target


EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def rectification_rates(
    *, acting_user, start: dt.date, end: dt.date, by_branch: bool = True
) -> list[RateRow]:
    """Per level (and branch): hazards found in [start, end], and how many of them are
    rectified (on the spot or proven on a re-check). Withdrawn records do not count.

    Whole months come from the monthly tally; only the part-months at either end of the
    period are counted from the cases themselves, so the cost does not grow with the
    period or with the number of cases."""
    require(acting_user, Capability.VIEW_HAZARDS)
    if end < start:
        raise ValidationFailed("结束日期早于开始日期", code="period")
    if start < EARLIEST or end > LATEST:
        raise ValidationFailed("日期超出范围", code="period")
    first_whole, last_whole = _whole_months(start, end)
    counts: dict[tuple, list[int]] = {}
    keys = ["branch_id", "level"] if by_branch else ["level"]
    if first_whole is not None and last_whole is not None:
        tallied = scope_queryset(HazardTally.objects.all(), acting_user=acting_user).filter(
            month__gte=first_whole, month__lte=last_whole
        )
        for row in tallied.values(*keys).annotate(f=Sum("found"), r=Sum("rectified")).order_by():
            _add(counts, row, keys)
        edges = [(start, first_whole - dt.timedelta(days=1)), (_month_after(last_whole), end)]
    else:
        edges = [(start, end)]
    for low, high in edges:
        if low > high:
            continue
        cases = (
            scope_queryset(Hazard.objects.all(), acting_user=acting_user)
            .filter(found_on__gte=low, found_on__lte=high)
            .exclude(resolution=Resolution.WITHDRAWN)
        )
        # count columns of the index (not the id), so PostgreSQL reads the index alone
        counted = cases.values(*keys).annotate(
            f=Count("level"), r=Count("level", filter=Q(resolution__in=RECTIFIED_RESOLUTIONS))
        )
        for row in counted.order_by():
            _add(counts, row, keys)
    names = dict(OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH).values_list("pk", "name"))
    rows = []
    for key in sorted(counts, key=lambda k: tuple(-1 if v is None else v for v in k)):
        branch_id, level = key if by_branch else (None, key[0])
        found, rectified = counts[key]
        if not found:
            continue
        target = float(
            policy_get(f"target.rectification_rate.level{level}", branch=branch_id, on=end)
        )
        rows.append(
            RateRow(branch_id, names.get(branch_id, _("全部")), level, found, rectified, target)
        )
    return rows


def _whole_months(start: dt.date, end: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The first days of the first and last whole months inside [start, end], if any."""
    first = start if start.day == 1 else _month_after(start)
    last = end.replace(day=1) if _month_after(end) - dt.timedelta(days=1) == end else None
    if last is None:
        last = (end.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return (first, last) if first <= last else (None, None)


def _month_after(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _add(counts: dict, row: dict, keys: list[str]) -> None:
    key = tuple(row[k] for k in keys)
    found, rectified = counts.setdefault(key, [0, 0])
    counts[key] = [found + (row["f"] or 0), rectified + (row["r"] or 0)]


# ── pages (the web views' reads; each starts from a scoped selector above) ─────────

NOTICE_FOR_STATE = {
    State.FOUND: HazardNotice.Kind.RECTIFY,
    State.RENOTICE_DUE: HazardNotice.Kind.RECTIFY_SECOND,
    State.LIMITED: HazardNotice.Kind.STOP_SUPPLY,
    State.STOP_NOTICED: HazardNotice.Kind.PROPERTY_LETTER,
}


def hazard_get(*, acting_user, pk: int) -> Hazard:
    """One hazard in the caller's scope, or NotFound (404): another branch's id leaks nothing."""
    hazard = hazard_for_user(acting_user=acting_user, pk=pk)
    if hazard is None:
        raise NotFound("未找到该隐患", code="not_found")
    return hazard


def notice_get(*, acting_user, pk: int) -> HazardNotice:
    notice = (
        notices_visible(acting_user=acting_user)
        .select_related("household", "delivered_by", "issued_by")
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise NotFound("未找到该文书", code="not_found")
    return notice


def notice_batch(*, acting_user, hazard: Hazard) -> list[Hazard]:
    """The hazards one notice for `hazard` covers: those of its household (for a property
    letter, of its community) in its branch that wait for the same notice."""
    kind = NOTICE_FOR_STATE.get(State(hazard.state))
    if kind is None:
        return [hazard]
    same = hazards_visible(acting_user=acting_user).filter(
        branch_id=hazard.branch_id, state=hazard.state
    )
    if kind == HazardNotice.Kind.PROPERTY_LETTER:
        if not hazard.household.community:
            return [hazard]
        same = same.filter(household__community=hazard.household.community)
    else:
        same = same.filter(household_id=hazard.household_id)
    return list(same.select_related("household").order_by("pk"))


def pending_notices(*, hazard_ids, kinds) -> dict[int, HazardNotice]:
    """For each hazard, the notice of one of `kinds` issued for it but not yet delivered
    (one query; the hazards come from a scoped list)."""
    links = (
        HazardNotice.hazards.through.objects.filter(
            hazard_id__in=list(hazard_ids),
            hazardnotice__kind__in=list(kinds),
            hazardnotice__delivered_on__isnull=True,
        )
        .select_related("hazardnotice")
        .order_by("hazardnotice__issued_on", "hazardnotice_id")
    )
    return {link.hazard_id: link.hazardnotice for link in links}


def hazard_steps(*, hazard: Hazard) -> QuerySet:
    """The full history of a hazard the caller has already fetched through `hazard_get`."""
    return hazard.steps.select_related("actor", "notice", "notice__delivered_by").order_by("number")


def hazard_notices(*, hazard: Hazard) -> QuerySet[HazardNotice]:
    return hazard.notices.select_related("delivered_by", "issued_by", "copy_received_by").order_by(
        "issued_on", "pk"
    )


def hazard_calls(*, hazard: Hazard) -> QuerySet[FollowUpCall]:
    return hazard.calls.select_related("caller").order_by("-called_at")


def hazard_attachment(*, hazard: Hazard, attachment_id, with_recordings: bool):
    """An attachment the hazard's record cites (its photos, its notices' documents and
    delivery photos, and, for those who may hear them, its calls' recordings); else 404."""
    from ruhu.common.models import Attachment

    cited = {hazard.before_photo_id}
    cited |= set(hazard.steps.exclude(photo=None).values_list("photo_id", flat=True))
    for document, delivery in hazard.notices.values_list("document_id", "delivery_photo_id"):
        cited |= {document, delivery}
    if with_recordings:
        cited |= set(hazard.calls.exclude(recording=None).values_list("recording_id", flat=True))
    cited.discard(None)
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None or attachment.pk not in cited:
        raise NotFound("未找到该附件", code="not_found")
    return attachment


def repairers_for(*, hazard: Hazard) -> QuerySet:
    """The repairers a lead may assign the hazard to: active, of its branch."""
    from ruhu.accounts.models import User
    from ruhu.accounts.roles import Role

    return User.objects.filter(
        role=Role.REPAIRER, branch_id=hazard.branch_id, is_active=True
    ).order_by("full_name", "username")


# who may hear the calls' recordings and receive the month-end packages (§5 ⑥)
HEARERS = (Capability.MANAGE_HAZARDS, Capability.SUPERVISE_HAZARDS)


def may_hear_recordings(user) -> bool:
    return any(user.can(capability) for capability in HEARERS)


def calls_visible(*, acting_user) -> QuerySet[FollowUpCall]:
    """Follow-up calls and their recordings: for the leads and safety supervision (§5 ⑥)."""
    if not may_hear_recordings(acting_user):
        require(acting_user, Capability.SUPERVISE_HAZARDS)
    return scope_queryset(FollowUpCall.objects.all(), acting_user=acting_user)


def call_get(*, acting_user, pk) -> FollowUpCall:
    call = calls_visible(acting_user=acting_user).select_related("recording").filter(pk=pk).first()
    if call is None:
        raise NotFound("未找到该回访记录", code="not_found")
    return call


def calls_in_month(*, acting_user, month: dt.date) -> QuerySet[FollowUpCall]:
    """The month's calls (Asia/Shanghai), with or without a recording, oldest first."""
    start = timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time.min))
    following = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    end = timezone.make_aware(dt.datetime.combine(following, dt.time.min))
    return (
        calls_visible(acting_user=acting_user)
        .filter(called_at__gte=start, called_at__lt=end)
        .select_related("caller", "hazard", "hazard__hazard_type", "hazard__household")
        .order_by("called_at", "pk")
    )


HOUSEHOLD_HAZARDS_SHOWN = 100


def household_hazards(*, acting_user, household) -> list[Hazard]:
    """Every hazard of one household, open ones first, newest first within each."""
    from django.db.models import Case, IntegerField, Value, When

    closed_last = Case(
        When(state=State.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return list(
        hazards_visible(acting_user=acting_user)
        .filter(household=household)
        .select_related("hazard_type")
        .order_by(closed_last, "-found_on", "-pk")[:HOUSEHOLD_HAZARDS_SHOWN]
    )


def household_notices(*, acting_user, household) -> list[HazardNotice]:
    """Every notice of one household: its own, and the property letters naming it."""
    ids = HazardNotice.hazards.through.objects.filter(hazard__household=household).values(
        "hazardnotice_id"
    )
    return list(
        notices_visible(acting_user=acting_user)
        .filter(Q(household=household) | Q(pk__in=ids))
        .select_related("delivered_by")
        .order_by("issued_on", "pk")[:HOUSEHOLD_HAZARDS_SHOWN]
    )


@dataclass
class SupplyReason:
    """Why a household's gas is held: one open case holding it, the step that put the hold
    on, and the notices delivered before it."""

    hazard: Hazard
    hold_step: object | None
    notices: list[HazardNotice]


def household_supply_reasons(*, hazards: list[Hazard], notices: list[HazardNotice]):
    """From the household's hazards and notices already read: the open cases holding its
    supply, each with its hold step (one query for all)."""
    from ruhu.hazards.models import HazardStep, Step

    holding = [h for h in hazards if h.supply_hold and h.state != State.CLOSED]
    if not holding:
        return []
    steps = {}
    for step in (
        HazardStep.objects.filter(hazard__in=holding, kind__in=[Step.LIMITED, Step.SEALED])
        .select_related("actor")
        .order_by("number")
    ):
        steps[(step.hazard_id, step.kind)] = step
    covered: dict[int, list[HazardNotice]] = {}
    links = HazardNotice.hazards.through.objects.filter(hazard__in=holding).values_list(
        "hazard_id", "hazardnotice_id"
    )
    by_id = {n.pk: n for n in notices}
    for hazard_id, notice_id in links:
        notice = by_id.get(notice_id)
        if notice is not None and notice.delivered:
            covered.setdefault(hazard_id, []).append(notice)
    reasons = []
    for hazard in holding:
        kind = Step.SEALED if hazard.supply_hold == "sealed" else Step.LIMITED
        reasons.append(
            SupplyReason(
                hazard=hazard,
                hold_step=steps.get((hazard.pk, kind)),
                notices=sorted(covered.get(hazard.pk, []), key=lambda n: (n.issued_on, n.pk)),
            )
        )
    return reasons


def packages_visible(*, acting_user) -> QuerySet[MonthlyPackage]:
    """Month-end packages: for the leads and safety supervision, newest first."""
    if not may_hear_recordings(acting_user):
        require(acting_user, Capability.SUPERVISE_HAZARDS)
    return scope_queryset(
        MonthlyPackage.objects.select_related("branch", "pdf", "xlsx"), acting_user=acting_user
    ).order_by("-month", "branch__code", "audience")


def package_file(*, acting_user, pk: int, fmt: str):
    package = packages_visible(acting_user=acting_user).filter(pk=pk).first()
    if package is None or fmt not in ("pdf", "xlsx"):
        raise NotFound("未找到该报送包", code="not_found")
    return package, getattr(package, fmt)
