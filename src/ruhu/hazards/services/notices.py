"""The paper of the loop (RULES B6): the rectification notice (first and second), the
stop-supply notice and the letter to the property manager. Each is issued (numbered and
printed as a PDF), then delivered with proof: a photo when handed over or posted on the
door, a tracking number when mailed. Delivery moves the hazards it covers on. The company
copy of a rectification notice comes back to the office within 48 hours.

Documents that stop the gas supply are never e-signed (the Electronic Signature Law
excludes them): they are printed and their delivery is recorded, nothing more.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ruhu.accounts.models import OrgUnit, User
from ruhu.common.attachments import attachment_store
from ruhu.common.audit import audit_record
from ruhu.common.errors import Conflict, IllegalTransition, ValidationFailed
from ruhu.common.models import Attachment
from ruhu.common.pdf import render_failure
from ruhu.common.policy import policy_get
from ruhu.hazards import documents
from ruhu.hazards.models import (
    TRACKED_METHODS,
    DeliveryMethod,
    Hazard,
    HazardNotice,
    State,
    Step,
)
from ruhu.hazards.services.transitions import move
from ruhu.hazards.workflow import (
    NOTICE_ACTIONS,
    Action,
    notice_row,
    permit,
    rows,
    states_for,
)

Kind = HazardNotice.Kind
# the ways each notice may be delivered; what its delivery does to its cases is the table's
METHODS: dict[str, tuple[str, ...]] = {
    Kind.RECTIFY: (DeliveryMethod.HANDED, DeliveryMethod.POSTED),
    Kind.RECTIFY_SECOND: (DeliveryMethod.HANDED, DeliveryMethod.POSTED),
    Kind.STOP_SUPPLY: (
        DeliveryMethod.POSTED,
        DeliveryMethod.REGISTERED_MAIL,
        DeliveryMethod.EXPRESS,
    ),
    Kind.PROPERTY_LETTER: (
        DeliveryMethod.HANDED,
        DeliveryMethod.REGISTERED_MAIL,
        DeliveryMethod.EXPRESS,
    ),
}
PREFIX: dict[str, str] = {
    Kind.RECTIFY: "ZG",
    Kind.RECTIFY_SECOND: "ZGE",
    Kind.STOP_SUPPLY: "TQ",
    Kind.PROPERTY_LETTER: "WY",
}


COPY_HOURS, SECOND_DAYS = "hazard.company_copy_return_hours", "hazard.second_notice_days"


def _deadline_days(kind: str, branch_id: int, on: dt.date) -> int | None:
    return notice_row(kind).deadline.days(branch_id=branch_id, on=on)


def rectification_notice_at_visit(
    *, acting_user: User, hazards: list[Hazard], handed_at: dt.datetime
) -> HazardNotice:
    """The first notice, handed to the customer at the visit that found the hazards (the
    visit's signature is the customer's receipt). Its PDF is rendered after commit. The
    company copy's 48 hours run from the visit, not from when the phone found signal."""
    on = timezone.localdate(handed_at)
    notice = _create(acting_user, Kind.RECTIFY, hazards, on, render=False)
    _deliver(
        acting_user,
        notice,
        hazards,
        method=DeliveryMethod.HANDED,
        on=on,
        photo=None,
        tracking_number="",
        recipient="",
        at=handed_at,
    )
    transaction.on_commit(_render_later(notice.pk), robust=True)
    return notice


def _render_later(notice_id: int):
    def render() -> None:
        from ruhu.hazards.tasks import hazard_notice_render_task

        hazard_notice_render_task(notice_id)

    return render


@transaction.atomic
def hazard_notice_issue(*, acting_user: User, kind: str, hazards: Sequence[Hazard]) -> HazardNotice:
    """Number and print a notice for hazards waiting for it. The same hazards again, while
    the notice is not yet delivered, return that notice: nothing is issued twice."""
    if kind not in NOTICE_ACTIONS:
        raise ValidationFailed(_("未知的文书类型"), code="hazard_notice_kind")
    permit(acting_user, NOTICE_ACTIONS[kind])
    hazards = list(hazards)
    if not hazards:
        raise ValidationFailed(_("请选择隐患"), code="hazard_notice_empty")
    for hazard in hazards:
        if hazard.state not in notice_row(kind).states:
            raise IllegalTransition(
                _("隐患 #%(hazard)s 当前为「%(state)s」，不需要此文书")
                % {"hazard": hazard.pk, "state": State(hazard.state).label},
                code="hazard_illegal_transition",
                hazard=hazard.pk,
            )
    _check_grouping(kind, hazards)
    pending = HazardNotice.objects.filter(
        kind=kind, delivered_on__isnull=True, hazards__in=hazards
    ).distinct()
    for notice in pending:
        if set(notice.hazards.values_list("pk", flat=True)) == {h.pk for h in hazards}:
            return notice
    return _create(acting_user, kind, hazards, timezone.localdate(), render=True)


def _check_grouping(kind: str, hazards: list[Hazard]) -> None:
    if len({h.branch_id for h in hazards}) > 1:
        raise ValidationFailed(_("文书只能包含同一分公司的隐患"), code="hazard_notice_grouping")
    if kind == Kind.PROPERTY_LETTER:
        communities = {h.household.community for h in hazards}
        if len(communities) > 1 or "" in communities:
            raise ValidationFailed(
                _("物业联络函只能包含同一小区的用户"), code="hazard_notice_grouping"
            )
    elif len({h.household_id for h in hazards}) > 1:
        raise ValidationFailed(_("文书只能包含同一户的隐患"), code="hazard_notice_grouping")


def _create(acting_user: User, kind: str, hazards: list[Hazard], on: dt.date, *, render: bool):
    first = hazards[0]
    days = _deadline_days(kind, first.branch_id, on)
    letter = kind == Kind.PROPERTY_LETTER
    notice = HazardNotice.objects.create(
        branch_id=first.branch_id,
        household=None if letter else first.household,
        community=first.household.community,
        kind=kind,
        number=f"tmp-{uuid.uuid4().hex[:28]}",  # numbered from its id just below
        issued_on=on,
        issued_by=acting_user,
        deadline=None
        if days is None or kind != Kind.PROPERTY_LETTER
        else on + dt.timedelta(days=days),
    )
    notice.number = f"{PREFIX[kind]}{on:%Y%m%d}-{notice.pk:06d}"
    HazardNotice.objects.filter(pk=notice.pk).update(number=notice.number)
    notice.hazards.set(hazards)
    if render:
        notice.document = _render(acting_user, notice)
        HazardNotice.objects.filter(pk=notice.pk).update(document=notice.document)
    audit_record(
        acting_user=acting_user,
        action="hazard_notice.issue",
        target=notice,
        branch_id=notice.branch_id,
        changes={"kind": [None, kind], "hazards": [None, sorted(h.pk for h in hazards)]},
    )
    return notice


@transaction.atomic
def hazard_notice_deliver(
    *,
    acting_user: User,
    notice: HazardNotice,
    method: str,
    on: dt.date | None = None,
    photo: Attachment | None = None,
    tracking_number: str = "",
    recipient: str = "",
) -> HazardNotice:
    """Record how the paper reached the customer (or the property manager); the hazards it
    covers move on, their new deadline counted from the day of delivery."""
    permit(acting_user, NOTICE_ACTIONS[notice.kind])
    on = on or timezone.localdate()
    if notice.delivered:
        raise Conflict(_("该文书已登记送达"), code="hazard_notice_delivered")
    if method not in METHODS[notice.kind]:
        raise ValidationFailed(_("该文书不能以此方式送达"), code="hazard_delivery_method")
    tracking_number = tracking_number.strip()
    if method in TRACKED_METHODS and not tracking_number:
        raise ValidationFailed(_("邮寄送达须填写挂号信或快递单号"), code="hazard_tracking_number")
    if method == DeliveryMethod.POSTED and photo is None:
        raise ValidationFailed(_("张贴送达须拍摄张贴后的照片"), code="hazard_delivery_photo")
    letter = notice.kind == Kind.PROPERTY_LETTER
    if method == DeliveryMethod.HANDED and letter and not recipient.strip():
        raise ValidationFailed(_("请填写物业签收人"), code="hazard_recipient")
    if photo is not None and photo.kind != Attachment.Kind.PHOTO:
        raise ValidationFailed(_("请上传照片"), code="hazard_photo_kind")
    if on > timezone.localdate() or on < notice.issued_on:
        raise ValidationFailed(_("送达日期须在开具日期与今天之间"), code="hazard_delivery_date")
    waiting = notice_row(notice.kind).states
    hazards = list(notice.hazards.filter(state__in=waiting).select_related("household"))
    if not hazards:
        raise IllegalTransition(
            _("文书所列隐患均已不在待送达状态"), code="hazard_illegal_transition"
        )
    _deliver(
        acting_user,
        notice,
        hazards,
        method=method,
        on=on,
        photo=photo,
        tracking_number=tracking_number,
        recipient=recipient.strip(),
    )
    return notice


def _deliver(
    acting_user: User, notice, hazards, *, method, on, photo, tracking_number, recipient, at=None
):
    fields = {
        "delivery_method": method,
        "delivered_on": on,
        "delivered_by": acting_user,
        "delivery_photo": photo,
        "tracking_number": tracking_number,
        "recipient": recipient,
    }
    if notice.kind in (Kind.RECTIFY, Kind.RECTIFY_SECOND):
        hours = int(policy_get("hazard.company_copy_return_hours", branch=notice.branch_id, on=on))
        fields["copy_due_at"] = (at or timezone.now()) + dt.timedelta(hours=hours)
    updated = HazardNotice.objects.filter(pk=notice.pk, delivered_on__isnull=True).update(**fields)
    if not updated:
        raise Conflict(_("该文书已登记送达"), code="hazard_notice_delivered")
    for key, value in fields.items():
        setattr(notice, key, value)
    days = _deadline_days(notice.kind, notice.branch_id, on)
    if notice.kind in (Kind.RECTIFY, Kind.RECTIFY_SECOND):
        notice.deadline = on + dt.timedelta(days=days) if days is not None else None
        HazardNotice.objects.filter(pk=notice.pk).update(deadline=notice.deadline)
    for hazard in hazards:
        move(
            hazard,
            acting_user=acting_user,
            row=notice_row(notice.kind),
            on=on,
            notice=notice,
            photo=photo,
            # the first notice is proven by the chained visit that handed it over
            chained=notice.document_id is not None,
        )
    audit_record(
        acting_user=acting_user,
        action="hazard_notice.deliver",
        target=notice,
        branch_id=notice.branch_id,
        changes={"delivery_method": [None, method], "delivered_on": [None, on.isoformat()]},
    )


@transaction.atomic
def hazard_notice_copy_receive(*, acting_user: User, notice: HazardNotice) -> HazardNotice:
    """The company copy is back at the inspection office (§5 ①: within 48 hours)."""
    permit(acting_user, Action.COPY_RECEIVED)
    if notice.kind not in (Kind.RECTIFY, Kind.RECTIFY_SECOND) or not notice.delivered:
        raise IllegalTransition(_("该文书没有待交回的公司联"), code="hazard_illegal_transition")
    now = timezone.now()
    updated = HazardNotice.objects.filter(pk=notice.pk, copy_received_at__isnull=True).update(
        copy_received_at=now, copy_received_by=acting_user
    )
    if not updated:
        raise Conflict(_("公司联已登记交回"), code="hazard_copy_received")
    notice.copy_received_at, notice.copy_received_by = now, acting_user
    if notice.document_id is None:
        notice.document = _render(acting_user, notice)
        HazardNotice.objects.filter(pk=notice.pk).update(document=notice.document)
    late = notice.copy_due_at is not None and now > notice.copy_due_at
    for hazard in notice.hazards.filter(state__in=states_for(Action.COPY_RECEIVED)):
        move(
            hazard,
            acting_user=acting_user,
            row=rows(Action.COPY_RECEIVED)[0],
            notice=notice,
            note="逾期交回" if late else "",
            chained=True,
        )
    return notice


def hazard_notice_render(*, notice_id: int) -> HazardNotice:
    """Render a notice's PDF once (the first notice's, after the visit commits). A failure
    is written on the notice, for its pages to say why there is no PDF, and raised again
    for the job to be retried."""
    try:
        with transaction.atomic():
            notice = HazardNotice.objects.select_for_update().get(pk=notice_id)
            if notice.document_id is None:
                notice.document = _render(notice.issued_by, notice)
                notice.render_error = ""
                HazardNotice.objects.filter(pk=notice.pk).update(
                    document=notice.document, render_error=""
                )
    except Exception as failure:
        HazardNotice.objects.filter(pk=notice_id).update(render_error=render_failure(failure))
        raise
    return notice


def _render(acting_user: User | None, notice: HazardNotice) -> Attachment:
    with translation.override("zh-hans"):  # paper for residents is in Chinese
        data = _pdf(notice)
    return attachment_store(
        acting_user=acting_user,
        kind=Attachment.Kind.DOCUMENT,
        file=io.BytesIO(data),
        branch_id=notice.branch_id,
    )


def _pdf(notice: HazardNotice) -> bytes:
    branch = OrgUnit.objects.select_related("parent").get(pk=notice.branch_id)
    company = branch.parent.name if branch.parent is not None else ""
    hotline = str(policy_get("notice.hotline", branch=branch, on=notice.issued_on))
    hazards = list(
        notice.hazards.select_related("hazard_type", "household", "found_by").order_by("pk")
    )
    lines = tuple(_line(h) for h in hazards)
    if notice.kind == Kind.PROPERTY_LETTER:
        return documents.property_letter_pdf(_letter(notice, branch, company, hotline, hazards))
    household = hazards[0].household
    if notice.kind == Kind.STOP_SUPPLY:
        return documents.stop_supply_notice_pdf(
            _stop_notice(notice, branch, company, hotline, hazards, lines)
        )
    inspector = notice.issued_by
    return documents.rectification_notice_pdf(
        documents.RectificationNoticeContent(
            company=company,
            branch=branch.name,
            number=notice.number,
            second=notice.kind == Kind.RECTIFY_SECOND,
            account_no=household.account_no,
            customer_name=household.name,
            address=household.address,
            hazards=lines,
            issued_on=notice.issued_on,
            deadline=notice.deadline or _deadline_for_print(notice),
            inspector_name=inspector.get_full_name() or inspector.username,
            inspector_badge=getattr(inspector, "badge_no", ""),
            hotline=hotline,
            copy_return_hours=int(policy_get(COPY_HOURS, branch=branch, on=notice.issued_on)),
            second_notice_days=int(policy_get(SECOND_DAYS, branch=branch, on=notice.issued_on)),
        )
    )


def _deadline_for_print(notice: HazardNotice) -> dt.date:
    days = _deadline_days(notice.kind, notice.branch_id, notice.issued_on) or 0
    return notice.issued_on + dt.timedelta(days=days)


def _line(hazard: Hazard) -> documents.HazardLine:
    return documents.HazardLine(
        type_name=hazard.hazard_type.name_zh,
        level=hazard.level,
        description=hazard.description,
        requirement=hazard.hazard_type.get_fixer_display(),
    )


def _earlier(hazard: Hazard, kind: str) -> HazardNotice | None:
    return (
        hazard.notices.filter(kind=kind, delivered_on__isnull=False)
        .order_by("-delivered_on")
        .first()
    )


def _stop_notice(notice, branch, company, hotline, hazards, lines):
    household = hazards[0].household
    first = _earlier(hazards[0], Kind.RECTIFY)
    second = _earlier(hazards[0], Kind.RECTIFY_SECOND)
    limited = hazards[0].steps.filter(kind=Step.LIMITED).order_by("at").first()
    letter_days = _deadline_days(Kind.PROPERTY_LETTER, notice.branch_id, notice.issued_on) or 0
    return documents.StopSupplyNoticeContent(
        company=company,
        branch=branch.name,
        number=notice.number,
        account_no=household.account_no,
        customer_name=household.name,
        address=household.address,
        hazards=lines,
        first_notice_on=first.delivered_on if first else notice.issued_on,
        first_deadline=first.deadline if first and first.deadline else notice.issued_on,
        second_notice_on=second.delivered_on if second else notice.issued_on,
        second_deadline=second.deadline if second and second.deadline else notice.issued_on,
        limited_since=limited.effective_on if limited else None,
        stop_on=notice.issued_on + dt.timedelta(days=letter_days),
        hotline=hotline,
    )


def _letter(notice, branch, company, hotline, hazards):
    by_household: dict[int, list[Hazard]] = {}
    for hazard in hazards:
        by_household.setdefault(hazard.household_id, []).append(hazard)
    rows = tuple(
        (found[0].household.address or found[0].household.account_no,
         "、".join(h.hazard_type.name_zh for h in found))
        for found in by_household.values()
    )  # fmt: skip
    lead = notice.issued_by
    return documents.PropertyLetterContent(
        company=company,
        branch=branch.name,
        number=notice.number,
        property_manager=f"{notice.community}物业服务中心",
        community=notice.community,
        households=rows,
        stop_on=notice.deadline or notice.issued_on,
        contact_name=lead.get_full_name() or lead.username,
        contact_phone=hotline,
        hotline=hotline,
        issued_on=notice.issued_on,
    )
