"""The steps the queue and the hazard page may post: one small form per card, `op` naming
the operation, each running one service (after storing the photo or recording it cites,
in the same transaction). The services decide whether the user may take it."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from ruhu.common.attachments import attachment_upload
from ruhu.common.converters import query_id
from ruhu.common.errors import IllegalTransition
from ruhu.common.models import Attachment
from ruhu.common.web import StepDone, StepRefused, form_data, step_perform
from ruhu.hazards import forms
from ruhu.hazards.models import HazardNotice, State
from ruhu.hazards.selectors import hazard_get, notice_batch, notice_get, repairers_for
from ruhu.hazards.services import (
    followup_call_record,
    hazard_assign,
    hazard_limit_apply,
    hazard_mark_arranged,
    hazard_notice_copy_receive,
    hazard_notice_deliver,
    hazard_notice_issue,
    hazard_outcome_record,
    hazard_recheck,
    hazard_repair_done,
    hazard_repair_fail,
    hazard_seal,
    hazard_supply_restore,
)
from ruhu.hazards.workflow import notice_kind_for


def _hazard(request):
    pk = query_id(request.POST, "hazard")
    if pk is None:
        raise Http404
    return hazard_get(acting_user=request.user, pk=pk)


def _notice(request):
    pk = query_id(request.POST, "notice")
    if pk is None:
        raise Http404
    return notice_get(acting_user=request.user, pk=pk)


def _posted(request, form_class, **kwargs) -> dict:
    return form_data(form_class(request.POST, request.FILES, **kwargs))


def _store(request, upload, kind: str, branch_id: int):
    if not upload:
        return None
    return attachment_upload(acting_user=request.user, kind=kind, file=upload, branch_id=branch_id)


def _done(message: str, hazard, anchor: str = "") -> StepDone:
    return StepDone(message % {"account": hazard.household.account_no}, anchor)


def _op_limit(request) -> StepDone:
    hazard, data = _hazard(request), _posted(request, forms.NoteForm)
    hazard_limit_apply(acting_user=request.user, hazard=hazard, note=data["note"])
    return _done(_("%(account)s：已执行限量售气"), hazard)


def _op_restore(request) -> StepDone:
    hazard, data = _hazard(request), _posted(request, forms.NoteForm)
    hazard_supply_restore(acting_user=request.user, hazard=hazard, note=data["note"])
    return _done(_("%(account)s：已恢复供气，隐患结案"), hazard)


def _op_take(request) -> StepDone:
    hazard = _hazard(request)
    hazard_assign(acting_user=request.user, hazard=hazard, repairer=request.user)
    return _done(_("%(account)s：已接单"), hazard, f"hazard-{hazard.pk}")


def _op_assign(request) -> StepDone:
    hazard = _hazard(request)
    data = _posted(request, forms.AssignForm, repairers=repairers_for(hazard=hazard))
    hazard_assign(acting_user=request.user, hazard=hazard, repairer=data["repairer"])
    return StepDone(
        _("%(account)s：已指派给 %(name)s")
        % {"account": hazard.household.account_no, "name": data["repairer"].full_name}
    )


def _op_repair(request) -> StepDone:
    hazard, data = _hazard(request), _posted(request, forms.PhotoNoteForm)
    photo = _store(request, data["photo"], Attachment.Kind.PHOTO, hazard.branch_id)
    hazard_repair_done(
        acting_user=request.user, hazard=hazard, after_photo=photo, note=data["note"]
    )
    return _done(_("%(account)s：维修完成已登记"), hazard)


def _op_repair_fail(request) -> StepDone:
    hazard, data = _hazard(request), _posted(request, forms.ReasonForm)
    hazard_repair_fail(acting_user=request.user, hazard=hazard, reason=data["reason"])
    return _done(_("%(account)s：已登记无法维修，转客户整改"), hazard)


def _op_seal(request) -> StepDone:
    hazard, data = _hazard(request), _posted(request, forms.PhotoNoteForm)
    photo = _store(request, data["photo"], Attachment.Kind.PHOTO, hazard.branch_id)
    hazard_seal(acting_user=request.user, hazard=hazard, photo=photo, note=data["note"])
    return _done(_("%(account)s：已停气封停"), hazard)


def _op_outcome(request) -> StepDone:
    hazard, data = _hazard(request), _posted(request, forms.OutcomeForm)
    photo = _store(request, data["photo"], Attachment.Kind.PHOTO, hazard.branch_id)
    hazard_outcome_record(
        acting_user=request.user,
        hazard=hazard,
        outcome=data["outcome"],
        note=data["note"],
        photo=photo,
    )
    return _done(_("%(account)s：处理结果已反馈"), hazard)


def _op_recheck(request) -> StepDone:
    hazard, data = _hazard(request), _posted(request, forms.RecheckForm)
    photo = _store(request, data["photo"], Attachment.Kind.PHOTO, hazard.branch_id)
    hazard_recheck(
        acting_user=request.user,
        hazard=hazard,
        rectified=data["rectified"],
        after_photo=photo,
        note=data["note"],
    )
    return _done(_("%(account)s：复查已登记"), hazard)


def _op_arranged(request) -> StepDone:
    hazard, data = _hazard(request), _posted(request, forms.NoteForm)
    hazard_mark_arranged(acting_user=request.user, hazard=hazard, note=data["note"])
    return _done(_("%(account)s：客户已办理整改，待复查"), hazard)


def _op_issue(request) -> StepDone:
    hazard = _hazard(request)
    kind = notice_kind_for(hazard.state)
    if kind is None:
        raise IllegalTransition(
            _("隐患当前状态为「%(state)s」，不需要开具文书") % {"state": State(hazard.state).label},
            code="hazard_illegal_transition",
        )
    batch = notice_batch(acting_user=request.user, hazard=hazard)
    notice = hazard_notice_issue(acting_user=request.user, kind=kind, hazards=batch)
    letter = kind == HazardNotice.Kind.PROPERTY_LETTER
    return StepDone(
        _("已开具%(kind)s %(number)s：请打印、送达后登记送达")
        % {"kind": notice.get_kind_display(), "number": notice.number},
        f"letter-{hazard.pk}" if letter else f"hazard-{hazard.pk}",
    )


def _op_deliver(request) -> StepDone:
    notice, data = _notice(request), _posted(request, forms.DeliverForm)
    photo = _store(request, data["photo"], Attachment.Kind.PHOTO, notice.branch_id)
    hazard_notice_deliver(
        acting_user=request.user,
        notice=notice,
        method=data["method"],
        on=data["delivered_on"],
        photo=photo,
        tracking_number=data["tracking_number"],
        recipient=data["recipient"],
    )
    return StepDone(
        _("%(kind)s %(number)s 已登记送达")
        % {"kind": notice.get_kind_display(), "number": notice.number}
    )


def _op_copy(request) -> StepDone:
    notice = _notice(request)
    hazard_notice_copy_receive(acting_user=request.user, notice=notice)
    return StepDone(_("%(number)s 的公司联已登记交回") % {"number": notice.number})


def _op_call(request) -> StepDone:
    hazard, data = _hazard(request), _posted(request, forms.CallForm)
    recording = _store(request, data["recording"], Attachment.Kind.RECORDING, hazard.branch_id)
    followup_call_record(
        acting_user=request.user,
        hazard=hazard,
        called_at=data["called_at"],
        result=data["result"],
        notes=data["notes"],
        recording=recording,
    )
    return _done(_("%(account)s：回访电话已登记"), hazard)


OPS = {
    "limit": _op_limit,
    "restore": _op_restore,
    "take": _op_take,
    "assign": _op_assign,
    "repair": _op_repair,
    "repair_fail": _op_repair_fail,
    "seal": _op_seal,
    "outcome": _op_outcome,
    "recheck": _op_recheck,
    "arranged": _op_arranged,
    "issue": _op_issue,
    "deliver": _op_deliver,
    "copy": _op_copy,
    "call": _op_call,
}


def perform(request) -> StepDone | StepRefused:
    """Run the posted step; a refusal names the card (hazard or notice) it belongs to."""
    post = request.POST
    key = f"notice-{post['notice']}" if post.get("notice") else f"hazard-{post.get('hazard', '')}"
    return step_perform(request, key=key, ops=OPS)
