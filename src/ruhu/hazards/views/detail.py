"""One hazard with its history, its paper and its calls, the steps the user may take on it;
and the household page's section of hazards and notices."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.web import StepDone, attachment_response, step_redirect
from ruhu.hazards import forms
from ruhu.hazards.models import FollowUpCall, State
from ruhu.hazards.selectors import (
    hazard_attachment,
    hazard_calls,
    hazard_get,
    hazard_notices,
    hazard_steps,
    household_hazards,
    household_notices,
    household_supply_reasons,
    may_hear_recordings,
    notice_hazard_ids,
    pending_notices,
    repairers_for,
)
from ruhu.hazards.views.cards import NoticeRow, error_for, hazard_cards
from ruhu.hazards.views.steps import perform
from ruhu.hazards.workflow import Action, notice_kind_for, permitted
from ruhu.premises.selectors import household_get

CALLS_SHOWN = 100


@require_http_methods(["GET", "POST"])
@requires(Capability.VIEW_HAZARDS)
def detail(request, pk: int):
    hazard = hazard_get(acting_user=request.user, pk=pk)
    error = None
    if request.method == "POST":
        outcome = perform(request)
        if isinstance(outcome, StepDone):
            return step_redirect(request, outcome)
        error = outcome
        hazard = hazard_get(acting_user=request.user, pk=pk)  # as it is now: unchanged
    user, today = request.user, timezone.localdate()
    kind = notice_kind_for(hazard.state)
    pending = pending_notices(hazard_ids=[hazard.pk], kinds=[kind]) if kind else {}
    [card] = hazard_cards([hazard], user, today=today, pending=pending, error=error)
    steps = list(hazard_steps(hazard=hazard))
    receives = permitted(user, Action.COPY_RECEIVED)
    notices = [
        NoticeRow(
            notice,
            may_receive=receives and notice.copy_outstanding,
            error=error_for(error, f"notice-{notice.pk}"),
        )
        for notice in hazard_notices(hazard=hazard)
    ]
    context = {
        "hazard": hazard,
        "card": card,
        "steps": steps,
        "photos": [s for s in steps if s.photo_id],
        "notice_rows": notices,
        "calls": list(hazard_calls(hazard=hazard)[:CALLS_SHOWN]),
        "hear": may_hear_recordings(user),
        "repairers": list(repairers_for(hazard=hazard)) if "assign" in card.ops else [],
        "visit_openable": hazard.found_visit_id is not None
        and (not user.is_field_staff or hazard.found_by_id == user.pk),
        "error": error,
        "today": today,
        "now": timezone.now(),
        "call_now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "call_results": FollowUpCall.Result.choices,
        "outcomes": forms.OUTCOME_LABELS.items(),
    }
    return render(request, "hazards/detail.html", context, status=error.status if error else 200)


@require_GET
@requires(Capability.VIEW_HAZARDS)
def hazard_file(request, pk: int, attachment_id):
    """A photo (or document, or recording) the hazard's record cites."""
    hazard = hazard_get(acting_user=request.user, pk=pk)
    attachment = hazard_attachment(
        hazard=hazard,
        attachment_id=attachment_id,
        with_recordings=may_hear_recordings(request.user),
    )
    return attachment_response(attachment)


@require_GET
@requires(Capability.VIEW_HAZARDS, section=True)
def household_section(request, pk: int):
    """The household page's 隐患与整改文书 section (loaded into it by HTMX): its supply
    status and why, every hazard, every notice with its proof."""
    household = household_get(acting_user=request.user, pk=pk)
    hazards = household_hazards(
        acting_user=request.user, household=household, today=timezone.localdate()
    )
    notices = household_notices(acting_user=request.user, household=household)
    covered = notice_hazard_ids(notices=notices)
    return render(
        request,
        "hazards/partials/household_section.html",
        {
            "household": household,
            "hazards": hazards,
            "notice_rows": [NoticeRow(n, hazard_ids=tuple(covered.get(n.pk, ()))) for n in notices],
            "reasons": household_supply_reasons(hazards=hazards, notices=notices),
            "open_count": sum(h.state != State.CLOSED for h in hazards),
            "now": timezone.now(),
        },
    )
