"""Recording inspectors' annual training (RULES B9)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruhu.accounts.models import User
from ruhu.accounts.roles import Capability, Role
from ruhu.common.audit import audit_record
from ruhu.common.audit_display import register_action_labels
from ruhu.common.errors import NotFound, ValidationFailed
from ruhu.common.scoping import require
from ruhu.inspection.models import TrainingRecord, TrainingTopic

register_action_labels({"training.record": _("登记安检员培训")})
TRAINER_MAX = 100


@transaction.atomic
def training_record_create(
    *,
    acting_user: User,
    inspectors: list[User],
    trained_on: dt.date,
    topics: list[str],
    trainer: str,
    note: str = "",
) -> list[TrainingRecord]:
    """Record that these inspectors attended one training that covered `topics`."""
    require(acting_user, Capability.MANAGE_TRAINING)
    _check_training(inspectors=inspectors, trained_on=trained_on, topics=topics, trainer=trainer)
    branches = [_branch_of(acting_user, inspector) for inspector in inspectors]
    ordered = [topic for topic in TrainingTopic.values if topic in set(topics)]
    records = []
    for inspector, branch_id in zip(inspectors, branches, strict=True):
        record = TrainingRecord.objects.create(
            inspector=inspector,
            branch_id=branch_id,
            trained_on=trained_on,
            topics=ordered,
            trainer=trainer.strip(),
            note=note.strip()[:300],
            recorded_by=acting_user,
        )
        audit_record(
            acting_user=acting_user,
            action="training.record",
            target=inspector,
            branch_id=branch_id,
            changes={
                "trained_on": [None, trained_on.isoformat()],
                "topics": [None, ordered],
                "trainer": [None, record.trainer],
            },
        )
        records.append(record)
    return records


def _branch_of(acting_user: User, inspector: User) -> int:
    """The inspector's branch, once the acting user may train them and they are one."""
    if not acting_user.is_head_office and inspector.branch_id != acting_user.branch_id:
        raise NotFound(_("没有这位员工"), code="not_found")
    if inspector.role != Role.INSPECTOR:
        raise ValidationFailed(
            _("%(name)s 不是安检员") % {"name": inspector}, code="training_not_inspector"
        )
    if inspector.branch_id is None:
        raise ValidationFailed(
            _("%(name)s 未归属分公司") % {"name": inspector}, code="training_no_branch"
        )
    return inspector.branch_id


def _check_training(
    *, inspectors: list[User], trained_on: dt.date, topics: list[str], trainer: str
) -> None:
    if not inspectors:
        raise ValidationFailed(_("请选择参加培训的安检员"), code="training_no_inspectors")
    if trained_on > timezone.localdate():
        raise ValidationFailed(_("培训日期不能在未来"), code="training_future")
    unknown = set(topics) - set(TrainingTopic.values)
    if not topics or unknown:
        raise ValidationFailed(_("请选择培训内容"), code="training_topics", unknown=sorted(unknown))
    if not trainer.strip() or len(trainer.strip()) > TRAINER_MAX:
        raise ValidationFailed(_("请填写培训人（不超过100字）"), code="training_trainer")
