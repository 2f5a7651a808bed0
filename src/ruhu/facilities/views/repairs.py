"""The repair jobs of facility defects (设施维修), earliest due first. A lead gives a job
to a repairer; the repairer reports it done with a photo of the work. Each is a posted
step of the page (`common.web.step_perform`): a refused one changes nothing and shows its
message on the job's card."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ruhu.accounts.roles import Capability, Role
from ruhu.common.access import requires
from ruhu.common.attachments import attachment_upload
from ruhu.common.converters import query_id
from ruhu.common.models import Attachment
from ruhu.common.scoping import require
from ruhu.common.web import StepDone, StepRefused, form_data, paginate, step_perform, step_redirect
from ruhu.facilities import forms
from ruhu.facilities.selectors import (
    repair_counts,
    repair_get,
    repair_queue,
    repairer_choices,
    repairers,
)
from ruhu.facilities.services import facility_repair_assign, facility_repair_done
from ruhu.facilities.views.rows import repair_key, repair_rows

REPAIRS_PER_PAGE = 30


def repair_statuses() -> dict[str, str]:
    return {
        "open": _("未完成"),
        "todo": _("待维修"),
        "repaired": _("待复查"),
        "verified": _("复查合格"),
        "withdrawn": _("已撤销"),
        "all": _("全部"),
    }


def _assign(request, repair) -> StepDone:
    data = form_data(
        forms.RepairAssignForm(request.POST, repairers=repairers(acting_user=request.user))
    )
    person = data["repairer"]
    facility_repair_assign(acting_user=request.user, repair=repair, assignee=person)
    done = _("%(code)s：已分派给 %(name)s") % {
        "code": repair.facility.code,
        "name": person.full_name or person.username,
    }
    return StepDone(done, repair_key(repair))


def _done(request, repair) -> StepDone:
    require(request.user, Capability.REPAIR_FACILITIES)  # before keeping any photo
    data = form_data(forms.RepairDoneForm(request.POST, request.FILES))
    photo = attachment_upload(
        acting_user=request.user,
        kind=Attachment.Kind.PHOTO,
        file=data["photo"],
        branch_id=repair.branch_id,
    )
    facility_repair_done(
        acting_user=request.user, repair=repair, note=data["note"], after_photo=photo.sha256
    )
    done = _("%(code)s：维修完成已登记，待下次检查复查") % {"code": repair.facility.code}
    return StepDone(done, repair_key(repair))


REPAIR_STEPS = {"assign": _assign, "done": _done}


def _perform(request) -> StepDone | StepRefused:
    pk = query_id(request.POST, "repair")
    if pk is None:
        raise Http404
    repair = repair_get(acting_user=request.user, pk=pk)
    return step_perform(request, key=repair_key(repair), ops=REPAIR_STEPS, args=(repair,))


@require_http_methods(["GET", "POST"])
@requires(Capability.REPAIR_FACILITIES, Capability.MANAGE_FACILITIES)
def repairs(request):
    """设施维修: the jobs of one status tab; a repairer may narrow them to their own."""
    user, today = request.user, timezone.localdate()
    refused = None
    if request.method == "POST":
        outcome = _perform(request)
        if isinstance(outcome, StepDone):
            return step_redirect(request, outcome)
        refused = outcome
    labels = repair_statuses()
    status = request.GET.get("status", "")
    if status not in labels:
        status = "open"
    is_repairer = user.role == Role.REPAIRER
    mine = is_repairer and request.GET.get("mine") == "1"
    queue = repair_queue(acting_user=user, status=status, mine=mine)
    page = paginate(request, queue, per_page=REPAIRS_PER_PAGE)
    people = repairer_choices(acting_user=user) if user.can(Capability.MANAGE_FACILITIES) else []
    counts = repair_counts(acting_user=user, mine=mine)
    return render(
        request,
        "facilities/repairs.html",
        {
            "page": page,
            "rows": repair_rows(page, on=today, user=user, people=people, refused=refused),
            "status": status,
            "tabs": [{"key": k, "label": v, "count": counts[k]} for k, v in labels.items()],
            "mine": mine,
            "is_repairer": is_repairer,
            "error": refused,
            "many_branches": user.is_head_office,
        },
        status=refused.status if refused else 200,
    )
