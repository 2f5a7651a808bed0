"""Reads of the inspection domain, scoped to the caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.errors import NotFound
from ruhu.common.policy import policy_get
from ruhu.common.scoping import get_scoped, require, scope_queryset
from ruhu.common.workdays import add_months
from ruhu.hazards.documents import MissedVisitNoticeContent
from ruhu.hazards.models import Fixer
from ruhu.hazards.selectors import hazard_types_by_code
from ruhu.inspection.checklist import ITEMS, SECTIONS, applicable_items, item_label
from ruhu.inspection.models import (
    AbsentReview,
    CommunityNotice,
    Plan,
    PlanTask,
    TrainingRecord,
    TrainingTopic,
    UnplannedHousehold,
    Visit,
)


@dataclass(frozen=True)
class Qualification:
    """An inspector may be planned while every topic was trained within the interval."""

    qualified: bool
    valid_until: dt.date | None  # the last day the current training counts
    missing_topics: tuple[str, ...]


def training_record_list(*, acting_user) -> QuerySet[TrainingRecord]:
    require(acting_user, Capability.MANAGE_TRAINING)
    return scope_queryset(
        TrainingRecord.objects.select_related("inspector", "branch"), acting_user=acting_user
    )


def inspector_qualification(*, inspector: User, on: dt.date) -> Qualification:
    return qualifications(inspectors=[inspector], on=on)[inspector.pk]


def qualifications(*, inspectors: list[User], on: dt.date) -> dict[int, Qualification]:
    """Each inspector's qualification on `on` (one query for all of them)."""
    months_of = {
        branch: int(policy_get("training.inspector_interval_months", branch=branch, on=on))
        for branch in {inspector.branch_id for inspector in inspectors}
    }
    earliest = add_months(on, -max(months_of.values(), default=0))
    latest_by_topic: dict[int, dict[str, dt.date]] = {inspector.pk: {} for inspector in inspectors}
    records = TrainingRecord.objects.filter(
        inspector__in=[inspector.pk for inspector in inspectors],
        trained_on__gte=earliest,
        trained_on__lte=on,
    ).values_list("inspector_id", "trained_on", "topics")
    for inspector_id, trained_on, topics in records:
        seen = latest_by_topic[inspector_id]
        for topic in topics:
            seen[topic] = max(seen.get(topic, trained_on), trained_on)
    return {
        inspector.pk: _qualification(inspector, latest_by_topic[inspector.pk], months_of, on)
        for inspector in inspectors
    }


def _qualification(
    inspector: User, latest: dict[str, dt.date], months_of: dict, on: dt.date
) -> Qualification:
    months = months_of[inspector.branch_id]
    current = {
        topic: add_months(day, months) - dt.timedelta(days=1)
        for topic, day in latest.items()
        if add_months(day, months) > on
    }
    missing = tuple(topic for topic in TrainingTopic.values if topic not in current)
    able = inspector.is_active and inspector.role == Role.INSPECTOR
    return Qualification(
        qualified=able and not missing,
        valid_until=min(current.values()) if able and not missing else None,
        missing_topics=missing,
    )


def trainable_inspectors(*, acting_user) -> QuerySet[User]:
    """Active inspectors the caller may record training for."""
    require(acting_user, Capability.MANAGE_TRAINING)
    inspectors = User.objects.filter(role=Role.INSPECTOR, is_active=True, branch__isnull=False)
    return scope_queryset(inspectors, acting_user=acting_user).order_by("full_name", "pk")


def plan_list(*, acting_user) -> QuerySet[Plan]:
    require(acting_user, Capability.MANAGE_PLANS)
    plans = Plan.objects.select_related("branch", "approved_by", "generated_by")
    return scope_queryset(plans, acting_user=acting_user)


def plan_get(*, acting_user, pk: int) -> Plan:
    return get_scoped(plan_list(acting_user=acting_user), pk, acting_user=acting_user)


@dataclass(frozen=True)
class Load:
    inspector_id: int
    name: str
    badge_no: str
    tasks: int
    days: int
    first_day: dt.date
    last_day: dt.date
    started: int
    done: int


def plan_loads(*, plan: Plan) -> list[Load]:
    """Each inspector's share of the plan, one aggregate query."""
    rows = (
        PlanTask.objects.filter(plan=plan)
        .values("inspector_id", "inspector__full_name", "inspector__badge_no")
        .annotate(
            tasks=Count("id"),
            days=Count("day", distinct=True),
            first_day=Min("day"),
            last_day=Max("day"),
            started=Count("id", filter=Q(status=PlanTask.Status.STARTED)),
            done=Count("id", filter=Q(status=PlanTask.Status.DONE)),
        )
        .order_by("inspector__full_name", "inspector_id")
    )
    return [
        Load(
            inspector_id=row["inspector_id"],
            name=row["inspector__full_name"],
            badge_no=row["inspector__badge_no"],
            tasks=row["tasks"],
            days=row["days"],
            first_day=row["first_day"],
            last_day=row["last_day"],
            started=row["started"],
            done=row["done"],
        )
        for row in rows
    ]


def plan_tasks(*, plan: Plan, inspector_id: int | None = None) -> QuerySet[PlanTask]:
    tasks = PlanTask.objects.filter(plan=plan).select_related("household", "inspector")
    if inspector_id:
        tasks = tasks.filter(inspector_id=inspector_id)
    return tasks.order_by("day", "inspector_id", "sequence")


def plan_unplanned(*, plan: Plan) -> QuerySet[UnplannedHousehold]:
    return UnplannedHousehold.objects.filter(plan=plan).select_related("household")


def inspector_day(*, acting_user, day: dt.date) -> QuerySet[PlanTask]:
    """The inspector's own tasks of a day, building by building, in the plan's order."""
    require(acting_user, Capability.RECORD_VISITS)
    return (
        PlanTask.objects.filter(inspector=acting_user, day=day)
        .select_related("household")
        .order_by(
            "household__community",
            "household__building",
            "household__unit",
            "household__room",
            "sequence",
        )
    )


def task_get(*, acting_user, pk: int) -> PlanTask:
    require(acting_user, Capability.RECORD_VISITS)
    task = (
        PlanTask.objects.filter(pk=pk, inspector=acting_user)
        .select_related("household", "plan")
        .first()
    )
    if task is None:
        raise NotFound(_("未找到该任务"), code="not_found")
    return task


def visits_visible(*, acting_user) -> QuerySet[Visit]:
    """Visits are household records: for those who may see households, field staff only
    the visits they made, offices their branch, head office every one."""
    require(acting_user, Capability.VIEW_HOUSEHOLDS)
    return scope_queryset(Visit.objects.all(), acting_user=acting_user, owner_field="inspector")


def visit_get(*, acting_user, pk) -> Visit:
    visit = (
        visits_visible(acting_user=acting_user)
        .select_related("household", "inspector")
        .filter(pk=pk)
        .first()
    )
    if visit is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return visit


def community_notice_list(*, acting_user) -> QuerySet[CommunityNotice]:
    """Community notices the caller may see and post: the branch's for those who plan,
    and for an inspector those of the communities where they have a task in that plan."""
    notices = CommunityNotice.objects.select_related("plan", "branch", "posted_by")
    if acting_user.can(Capability.MANAGE_PLANS):
        return scope_queryset(notices, acting_user=acting_user)
    require(acting_user, Capability.RECORD_VISITS)
    mine = PlanTask.objects.filter(
        plan=OuterRef("plan"), household__community=OuterRef("community"), inspector=acting_user
    )
    return scope_queryset(notices, acting_user=acting_user).filter(Exists(mine))


def community_notice_get(*, acting_user, pk: int) -> CommunityNotice:
    return get_scoped(community_notice_list(acting_user=acting_user), pk, acting_user=acting_user)


def community_notices_to_come(
    *, acting_user, plan_id: int | None = None, on: dt.date | None = None
) -> QuerySet[CommunityNotice]:
    """The notices the caller may post whose last day is not past (of one plan, if
    given), the first to begin first."""
    notices = community_notice_list(acting_user=acting_user).filter(
        last_day__gte=on or timezone.localdate()
    )
    if plan_id is not None:
        notices = notices.filter(plan_id=plan_id)
    return notices.order_by("first_day", "community", "pk")


def plan_community_notices(*, plan: Plan) -> QuerySet[CommunityNotice]:
    """The notices of a plan the caller has already fetched through `plan_get`."""
    return CommunityNotice.objects.filter(plan=plan).select_related("posted_by")


def community_notice_days(*, branch_id: int, on: dt.date) -> int:
    """How many days ahead a community's notice must be posted (RULES B3), as the page says."""
    return int(policy_get("notice.community_days_before", branch=branch_id, on=on))


def review_queue(*, acting_user) -> QuerySet[AbsentReview]:
    """Open absent reports of the caller's branch, oldest first."""
    require(acting_user, Capability.REVIEW_ABSENT)
    reviews = AbsentReview.objects.filter(status=AbsentReview.Status.OPEN).select_related(
        "absent_visit__household", "absent_visit__inspector"
    )
    return scope_queryset(reviews, acting_user=acting_user).order_by("queued_at", "pk")


def review_get(*, acting_user, absent_visit_id) -> AbsentReview:
    review = review_queue(acting_user=acting_user).filter(absent_visit_id=absent_visit_id).first()
    if review is None:
        raise NotFound(_("未找到待复核的记录"), code="not_found")
    return review


def visit_form_context(*, household, on: dt.date) -> dict:
    """What the visit page needs to know about the household: the checklist it shows, the
    hazard types, the registered appliances with their service life."""
    from ruhu.premises.selectors import appliance_list

    items = applicable_items(
        meter_location=household.meter_location, meter_kind=household.meter_kind
    )
    sections = [
        {
            "code": code,
            "label": str(label),
            "items": [
                {"code": i.code, "label": item_label(i, branch=household.branch_id, on=on)}
                for i in items
                if i.section == code
            ],
        }
        for code, label in SECTIONS.items()
    ]
    appliances = appliance_list(household=household, on=on)
    return {
        "sections": [section for section in sections if section["items"]],
        "appliances": appliances,
        "setup": {
            "householdId": household.pk,
            "indoorMeter": household.meter_location != "outdoor",
            "hazardTypes": [
                {
                    "code": h.code,
                    "label": h.name,
                    "level": h.default_level,
                    "onSpot": h.fixer == Fixer.INSPECTOR,
                    "fixer": h.fixer,
                }
                for h in hazard_types_by_code().values()
            ],
            "appliances": [
                {
                    "id": a.pk,
                    "kind": a.kind,
                    "label": str(a),
                    "brand": a.brand,
                    "model": a.model,
                    "flue": a.flue_type,
                    "year": a.installed_year,
                    "pastLife": a.past_service_life,
                }
                for a in appliances
            ],
            "door": " ".join(
                part for part in (household.building, household.unit, household.room) if part
            ),
        },
    }


def visit_evidence(*, visit: Visit) -> dict:
    """The visit with its checklist labelled, its child rows and its ledger entry."""
    from ruhu.common.models import LedgerEntry

    labels = {item.code: item for item in ITEMS}
    day = timezone.localdate(visit.finished_at)  # the numbers in force when it was checked

    def label(code: str) -> str:
        return item_label(labels[code], branch=visit.branch_id, on=day) if code in labels else code

    checklist = [
        {
            "label": label(code),
            "section": SECTIONS.get(labels[code].section, "") if code in labels else "",
            **answer,
        }
        for code, answer in visit.checklist.items()
    ]
    hazard_labels = {code: h.name for code, h in hazard_types_by_code(active_only=False).items()}
    return {
        "visit": visit,
        "checklist": checklist,
        "exceptions": [row for row in checklist if row["state"] != "ok"],
        "photos": list(visit.photos.select_related("attachment")),
        "hazards": [
            (hazard, hazard_labels.get(hazard.hazard_type, hazard.hazard_type))
            for hazard in visit.hazards.select_related("before_photo", "after_photo")
        ],
        "appliances": list(visit.appliances.all()),
        "ledger": LedgerEntry.objects.filter(kind="visit", record_id=str(visit.pk)).first(),
        "corrections": list(Visit.objects.filter(supersedes=visit)),
    }


def household_visit_list(*, household) -> QuerySet[Visit]:
    """A household's visits, newest first; the caller fetched the household scoped."""
    return (
        Visit.objects.filter(household=household)
        .select_related("inspector")
        .annotate(hazard_count=Count("hazards"))
        .order_by("-finished_at")
    )


def household_visits_seen(*, acting_user, household) -> QuerySet[Visit]:
    """`household_visit_list`, each visit annotated `openable`: whether the caller may open
    it (`visit_get` would give it to them: field staff only the visits they made)."""
    theirs = visits_visible(acting_user=acting_user).filter(pk=OuterRef("pk"))
    return household_visit_list(household=household).annotate(openable=Exists(theirs))


def consecutive_absences(*, household_id: int, until: dt.datetime | None = None) -> int:
    """How many of the household's latest visits (up to `until`), in a row, found nobody;
    corrected versions stand in for the visits they correct."""
    visits = Visit.objects.filter(household_id=household_id, superseded_by__isnull=True)
    if until is not None:
        visits = visits.filter(finished_at__lte=until)
    count = 0
    for outcome in visits.order_by("-finished_at").values_list("outcome", flat=True)[:50]:
        if outcome != Visit.Outcome.ABSENT:
            break
        count += 1
    return count


def missed_visit_content(*, visit: Visit) -> MissedVisitNoticeContent:
    """What the 《到访不遇通知单》 of an absent visit says (RULES B7): when we came, who,
    the how-many-th time in a row, and how to book."""
    if visit.outcome != Visit.Outcome.ABSENT:
        raise NotFound(_("只有到访不遇的记录有到访不遇通知单"), code="not_found")
    attempts = consecutive_absences(household_id=visit.household_id, until=visit.finished_at)
    branch = visit.household.branch
    on = timezone.localdate(visit.finished_at)
    inspector = visit.inspector
    return MissedVisitNoticeContent(
        company=branch.parent.name if branch.parent_id else "",
        branch=branch.name,
        address=visit.household.address,
        visited_at=visit.finished_at,
        inspector_name=inspector.get_full_name() or inspector.username,
        inspector_badge=inspector.badge_no,
        attempts=max(attempts, 1),
        hotline=str(policy_get("notice.hotline", branch=branch, on=on)),
        visit_hours=str(policy_get("notice.visit_hours", branch=branch, on=on)),
    )
