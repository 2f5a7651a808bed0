"""Notices before inspection visits (RULES B3): each community a week ahead, each household
the day before.

- `community_notices_issue`: once a plan is approved, each community of its tasks gets the
  printable 《燃气安全入户检查通知》 (PDF, stored as an attachment) and an SMS to each of its
  households that has a phone. A community whose first day is fewer than
  `notice.community_days_before` days away is refused: nothing is written for it, it is
  listed in the answer's `late` and one audit event on the plan names the refused
  communities. Its households are still told by the daily SMS below.
- `household_notices_send_due`: the daily job. Each planned task of an approved plan whose
  day is `notice.household_days_before` to `notice.household_sms_window_days` days away
  gets an SMS with the day, the inspector's name and badge, the visit hours and the hotline.
- `community_notice_record_posting`: the inspector or lead records that the notice is up
  on the stairwells, with an optional photo; once.

Every message goes through the outbox with a dedupe key, so running any of this twice sends
nothing twice: the community SMS per (notice, household), the household SMS per (plan,
household, day). A plan regenerated after its SMS went out recreates its tasks; a household
whose day moved gets a new SMS for the new day, one whose day stayed gets none.

Bulk paths work in keyset batches of `BATCH` rows, each batch (and each community) in a
transaction of its own: 100,000 tasks never load at once nor sit in one transaction, and
a run that stops half-way is finished by the next one.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Capability
from ruhu.common.attachments import attachment_store, attachment_upload
from ruhu.common.audit import audit_record
from ruhu.common.audit_display import EXTRA_LABELS, register_action_labels
from ruhu.common.errors import IllegalTransition, ValidationFailed
from ruhu.common.models import Attachment, OutboxMessage
from ruhu.common.notifications import outbox_enqueue
from ruhu.common.policy import policy_get
from ruhu.common.workdays import working_days_between
from ruhu.inspection.documents import CommunityNoticeContent, community_notice_pdf
from ruhu.inspection.models import CommunityNotice, Plan, PlanTask
from ruhu.inspection.selectors import community_notice_get
from ruhu.inspection.services.plans import _check_may, _user

register_action_labels(
    {
        "community_notice.issue": gettext_lazy("发出小区安检通知"),
        "community_notice.late": gettext_lazy("小区安检通知未能按时发出"),
        "community_notice.post": gettext_lazy("登记张贴小区安检通知"),
        "plan.households_notified": gettext_lazy("发送上门安检短信"),
    }
)
EXTRA_LABELS.update(
    {
        "no_phone": gettext_lazy("无手机号的户数"),
        "late_communities": gettext_lazy("未能按时通知的小区"),
        "notified": gettext_lazy("已发短信户数"),
        "days": gettext_lazy("上门日期"),
    }
)

BATCH = 2000
NOTE_MAX_LENGTH = 300  # CommunityNotice.posting_note
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class LateCommunity:
    """A community refused because its first day is too close to tell it in time."""

    community: str
    first_day: dt.date
    last_day: dt.date
    households: int
    error: ValidationFailed


class IssuedNotices(list[CommunityNotice]):
    """The plan's community notices (issued now or before), plus the communities refused
    as too late in `late`."""

    def __init__(self) -> None:
        super().__init__()
        self.late: list[LateCommunity] = []


@dataclass(frozen=True)
class _Wording:
    company: str
    branch: str
    hotline: str
    visit_hours: str

    @classmethod
    def of(cls, branch: OrgUnit, on: dt.date) -> _Wording:
        company = branch.parent.name if branch.parent is not None else ""
        return cls(
            company=company,
            branch=branch.name,
            hotline=str(policy_get("notice.hotline", branch=branch, on=on)),
            visit_hours=str(policy_get("notice.visit_hours", branch=branch, on=on)),
        )


def _month_day(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def community_sms(wording: _Wording, community: str, first: dt.date, last: dt.date) -> str:
    span = _month_day(first) if first == last else f"{_month_day(first)}至{_month_day(last)}"
    return _(
        "【%(branch)s】尊敬的用户：我公司将于%(span)s（每日%(hours)s）对%(community)s"
        "进行燃气安全入户检查，请届时家中留人。安检员着装佩证，现场不收现金。"
        "咨询热线%(hotline)s。"
    ) % {
        "branch": wording.branch,
        "span": span,
        "hours": wording.visit_hours,
        "community": community,
        "hotline": wording.hotline,
    }


def household_sms(wording: _Wording, day: dt.date, inspector: str, badge: str) -> str:
    return _(
        "【%(branch)s】尊敬的用户：我公司安检员%(name)s（工号%(badge)s）将于%(day)s（周%(weekday)s）"
        "%(hours)s上门进行燃气安全检查，请家中留人。如有疑问请致电%(hotline)s。"
    ) % {
        "branch": wording.branch,
        "name": inspector,
        "badge": badge or "—",
        "day": _month_day(day),
        "weekday": WEEKDAYS[day.weekday()],
        "hours": wording.visit_hours,
        "hotline": wording.hotline,
    }


def _batches(rows: QuerySet, size: int = BATCH) -> Iterator[list[tuple]]:
    """`rows` (a values_list whose first column is the pk) in keyset pages of `size`."""
    last = 0
    while True:
        page = list(rows.filter(pk__gt=last).order_by("pk")[:size])
        if not page:
            return
        yield page
        last = page[-1][0]


def _enqueue_sms(**message) -> bool:
    """False for a number the outbox refuses (it cannot be sent; counted as no phone)."""
    try:
        outbox_enqueue(channel=OutboxMessage.Channel.SMS, **message)
    except ValidationFailed:
        return False
    return True


# ── community notices ────────────────────────────────────────────────────


def community_notices_issue(*, acting_user: User | None, plan: Plan) -> IssuedNotices:
    """Issue the notice of each community of an approved plan; idempotent.

    Each community is one transaction (notice, PDF, SMS, audit event): a plan with hundreds
    of communities holds no transaction over all its messages, and a run that fails half-way
    is completed by the next. A notice already issued for the community and first day is
    returned as it is, with nothing sent again.
    """
    _check_may(acting_user, Capability.MANAGE_PLANS, plan.branch)
    plan = Plan.objects.select_related("branch__parent").get(pk=plan.pk)
    if plan.status != Plan.Status.APPROVED:
        raise IllegalTransition(_("计划尚未批准，不能发出安检通知"), code="plan_not_approved")
    today = timezone.localdate()
    days_before = int(policy_get("notice.community_days_before", branch=plan.branch, on=today))
    result = IssuedNotices()
    with translation.override(settings.LANGUAGE_CODE):  # residents read the house language
        wording = _Wording.of(plan.branch, today)
        for group in _communities(plan):
            community, first, last = group["community"], group["first_day"], group["last_day"]
            existing = CommunityNotice.objects.filter(
                plan=plan, community=community, first_day=first
            ).first()
            if existing is not None:
                result.append(existing)
            elif (first - today).days < days_before:
                error = ValidationFailed(
                    _(
                        "%(community)s 首个上门日 %(first_day)s 距今不足 %(days)s 天，"
                        "不能再张贴小区通知；各户仍会在上门前收到短信"
                    )
                    % {"community": community, "first_day": first.isoformat(), "days": days_before},
                    code="community_notice_too_late",
                    community=community,
                    first_day=first.isoformat(),
                    days_before=days_before,
                )
                result.late.append(
                    LateCommunity(community, first, last, group["households"], error)
                )
            else:
                result.append(_issue_one(acting_user, plan, group, wording=wording, today=today))
    if result.late:
        _record_late(acting_user, plan, result.late, days_before)
    return result


def _communities(plan: Plan) -> QuerySet:
    """Each community of the plan's planned tasks: its first and last day, its households.
    Households without a community (a detached house, a shop) get only the household SMS."""
    return (
        PlanTask.objects.filter(plan=plan, status=PlanTask.Status.PLANNED)
        .exclude(household__community="")
        .values(community=F("household__community"))
        .annotate(first_day=Min("day"), last_day=Max("day"), households=Count("id"))
        .order_by("first_day", "community")
    )


@transaction.atomic
def _issue_one(
    acting_user: User | None, plan: Plan, group: dict, *, wording: _Wording, today: dt.date
):
    # Serialise issuers of the same plan, and make sure it was not redrafted meanwhile.
    if not Plan.objects.select_for_update().filter(pk=plan.pk, status=Plan.Status.APPROVED):
        raise IllegalTransition(_("计划已退回草稿，停止发出安检通知"), code="plan_not_approved")
    community, first, last = group["community"], group["first_day"], group["last_day"]
    existing = CommunityNotice.objects.filter(plan=plan, community=community, first_day=first)
    if existing.exists():  # a concurrent run got here first
        return existing.get()
    content = CommunityNoticeContent(
        company=wording.company,
        branch=wording.branch,
        community=community,
        first_day=first,
        last_day=last,
        working_days=working_days_between(first - dt.timedelta(days=1), last),
        visit_hours=wording.visit_hours,
        hotline=wording.hotline,
        issued_on=today,
    )
    document = attachment_store(
        acting_user=acting_user,
        kind=Attachment.Kind.DOCUMENT,
        file=io.BytesIO(community_notice_pdf(content)),
        branch_id=plan.branch_id,
    )
    notice = CommunityNotice.objects.create(
        plan=plan,
        branch_id=plan.branch_id,
        community=community,
        first_day=first,
        last_day=last,
        households=group["households"],
        document=document,
        issued_by=_user(acting_user),
    )
    body = community_sms(wording, community, first, last)
    tasks = PlanTask.objects.filter(
        plan=plan, status=PlanTask.Status.PLANNED, household__community=community
    ).values_list("pk", "household_id", "household__phone")
    sent = no_phone = 0
    for page in _batches(tasks):
        for _pk, household_id, phone in page:
            if phone and _enqueue_sms(
                recipient=phone,
                body=body,
                dedupe_key=f"community-notice:{notice.pk}:{household_id}",
                branch_id=plan.branch_id,
                cause=notice,
            ):
                sent += 1
            else:
                no_phone += 1
    notice.sms_count = sent
    notice.save(update_fields=["sms_count"])
    audit_record(
        acting_user=acting_user,
        action="community_notice.issue",
        target=notice,
        changes={
            "community": [None, community],
            "first_day": [None, first.isoformat()],
            "last_day": [None, last.isoformat()],
            "households": [None, notice.households],
            "sms_count": [None, sent],
            "no_phone": [None, no_phone],
        },
    )
    return notice


@transaction.atomic
def _record_late(
    acting_user: User | None, plan: Plan, late: list[LateCommunity], days_before: int
) -> None:
    audit_record(
        acting_user=acting_user,
        action="community_notice.late",
        target=plan,
        changes={
            "late_communities": [
                None,
                "、".join(f"{item.community}（{item.first_day:%m-%d}）" for item in late),
            ]
        },
        reason=f"首个上门日距今不足 {days_before} 天，未发出小区通知；各户仍会在上门前收到短信",
    )


@transaction.atomic
def community_notice_record_posting(
    *, acting_user: User, notice: CommunityNotice, photo: IO[bytes] | None = None, note: str = ""
) -> CommunityNotice:
    """Record that the notice is posted in the community, with an optional photo of it.

    The photo is an uploaded file; it is checked and stored (EXIF stripped) in the same
    transaction, so a refused photo records nothing. A notice is posted once: a second
    posting is an IllegalTransition (409).
    """
    notice = community_notice_get(acting_user=acting_user, pk=notice.pk)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            _("张贴说明不能超过 %(count)s 字") % {"count": NOTE_MAX_LENGTH},
            code="notice_note_too_long",
        )
    locked = CommunityNotice.objects.select_for_update().get(pk=notice.pk)
    if locked.posted_at is not None:
        raise IllegalTransition(_("该通知已登记张贴，不能重复登记"), code="notice_already_posted")
    attachment = None
    if photo is not None:
        attachment = attachment_upload(
            acting_user=acting_user,
            kind=Attachment.Kind.PHOTO,
            file=photo,
            branch_id=notice.branch_id,
        )
    now = timezone.now()
    changed = CommunityNotice.objects.filter(pk=notice.pk, posted_at__isnull=True).update(
        posted_at=now, posted_by=_user(acting_user), posting_photo=attachment, posting_note=note
    )
    if not changed:
        raise IllegalTransition(_("该通知已登记张贴，不能重复登记"), code="notice_already_posted")
    notice.refresh_from_db()
    audit_record(
        acting_user=acting_user,
        action="community_notice.post",
        target=notice,
        changes={
            "posted_at": [None, now.isoformat()],
            "posting_photo": [None, str(attachment.pk) if attachment else None],
            "posting_note": [None, note],
        },
    )
    return notice


# ── household SMS, the day before ────────────────────────────────────────


def household_notices_send_due(*, on: dt.date | None = None) -> int:
    """Text each household whose visit is due soon; returns how many tasks were notified.

    A task qualifies when its plan is approved, it is still planned, nobody has notified it
    yet (`notified_at`), its household has a phone, and its day lies between
    `notice.household_days_before` and `notice.household_sms_window_days` days after `on`
    (the branch's policy). Tasks are read in keyset batches; each batch enqueues its SMS,
    marks its tasks notified and records one audit event per plan in one transaction.
    """
    on = on or timezone.localdate()
    branches = OrgUnit.objects.filter(
        pk__in=Plan.objects.filter(
            status=Plan.Status.APPROVED, month__gte=on.replace(day=1)
        ).values("branch_id")
    ).select_related("parent")
    notified = 0
    with translation.override(settings.LANGUAGE_CODE):
        for branch in branches:
            notified += _notify_branch(branch, on)
    return notified


def _notify_branch(branch: OrgUnit, on: dt.date) -> int:
    nearest = int(policy_get("notice.household_days_before", branch=branch, on=on))
    window = int(policy_get("notice.household_sms_window_days", branch=branch, on=on))
    farthest = max(nearest, window)
    first, last = on + dt.timedelta(days=nearest), on + dt.timedelta(days=farthest)
    wording = _Wording.of(branch, on)
    due = (
        PlanTask.objects.filter(
            plan__branch=branch,
            plan__status=Plan.Status.APPROVED,
            status=PlanTask.Status.PLANNED,
            notified_at__isnull=True,
            day__range=(first, last),
        )
        .exclude(household__phone_bidx="")
        .values_list(
            "pk", "plan_id", "household_id", "day", "household__phone",
            "inspector__full_name", "inspector__badge_no",
        )
    )  # fmt: skip
    notified = 0
    for page in _batches(due):
        notified += _notify_page(branch, page, wording, first, last)
    return notified


@transaction.atomic
def _notify_page(
    branch: OrgUnit, page: list[tuple], wording: _Wording, first: dt.date, last: dt.date
) -> int:
    sent: list[int] = []
    per_plan: Counter[int] = Counter()
    for pk, plan_id, household_id, day, phone, name, badge in page:
        if _enqueue_sms(
            recipient=phone,
            body=household_sms(wording, day, name, badge),
            dedupe_key=f"plan-task-sms:{plan_id}:{household_id}:{day.isoformat()}",
            branch_id=branch.pk,
            cause=PlanTask(pk=pk),
        ):
            sent.append(pk)
            per_plan[plan_id] += 1
    if not sent:
        return 0
    changed = PlanTask.objects.filter(pk__in=sent, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    for plan in Plan.objects.filter(pk__in=per_plan).order_by("pk"):
        audit_record(
            acting_user=None,
            action="plan.households_notified",
            target=plan,
            changes={
                "notified": [None, per_plan[plan.pk]],
                "days": [None, f"{first:%Y-%m-%d}–{last:%Y-%m-%d}"],
            },
        )
    return changed
