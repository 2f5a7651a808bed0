"""Follow-up calls after each deadline (§5 ④⑤): date, result, notes and the recording,
kept together; a call where the customer says the work is arranged takes the case off the
open list."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruhu.accounts.models import User
from ruhu.common.audit import audit_record
from ruhu.common.errors import ValidationFailed
from ruhu.common.models import Attachment
from ruhu.hazards.models import FollowUpCall, Hazard
from ruhu.hazards.services.cases import hazard_mark_arranged
from ruhu.hazards.workflow import Action, authorize, transition


@transaction.atomic
def followup_call_record(
    *,
    acting_user: User,
    hazard: Hazard,
    called_at: dt.datetime,
    result: str,
    notes: str = "",
    recording: Attachment | None = None,
) -> FollowUpCall:
    authorize(acting_user=acting_user, hazard=hazard, action=Action.CALL)
    if result not in FollowUpCall.Result.values:
        raise ValidationFailed(_("未知的回访结果"), code="hazard_call_result")
    if called_at > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationFailed(_("通话时间不能在未来"), code="hazard_call_time")
    if recording is not None and recording.kind != Attachment.Kind.RECORDING:
        raise ValidationFailed(_("请上传通话录音"), code="hazard_call_recording")
    last_deadline = (
        hazard.steps.exclude(due_on=None).order_by("-at").values_list("due_on", flat=True).first()
    )
    call = FollowUpCall.objects.create(
        hazard=hazard,
        branch_id=hazard.branch_id,
        called_at=called_at,
        caller=acting_user,
        result=result,
        notes=notes.strip()[:500],
        recording=recording,
        deadline=last_deadline,
    )
    audit_record(
        acting_user=acting_user,
        action="hazard.call",
        target=hazard,
        branch_id=hazard.branch_id,
        changes={"call": [None, str(call.pk)], "result": [None, result]},
    )
    arranging = transition(Action.ARRANGE, hazard.state) is not None
    if result == FollowUpCall.Result.ARRANGED and arranging:
        hazard_mark_arranged(acting_user=acting_user, hazard=hazard, note="回访：客户已办理整改")
    return call
