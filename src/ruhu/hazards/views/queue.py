"""我的待办: what waits on the user's role, section by section, with the steps inline."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.errors import PermissionRefused
from ruhu.common.web import StepDone, StepRefused, step_redirect
from ruhu.hazards import forms
from ruhu.hazards.models import FollowUpCall
from ruhu.hazards.selectors import (
    QUEUES,
    copies_overdue,
    hazard_queue,
    may_hear_recordings,
    pending_notices,
    queue_roles,
)
from ruhu.hazards.views.cards import (
    HazardCard,
    LetterGroup,
    NoticeRow,
    error_for,
    hazard_cards,
    letter_groups,
)
from ruhu.hazards.views.steps import perform
from ruhu.hazards.workflow import NOTICE_ACTIONS

SECTION_SIZE = 50
# the operations a section's cards show, of those the table allows the user
SECTION_OPS = {
    "limit": ("limit",),
    "restore": ("restore",),
    "repair": ("repair", "repair_fail"),
    "take": ("take",),
    "seal": ("seal",),
    "outcome": ("outcome",),
    "recheck": ("recheck",),
    "notice": ("issue",),
    "renotice": ("issue",),
    "stop_notice": ("issue",),
    "letter": ("issue",),
    "call": ("call",),
    "view": (),
}


@dataclass
class Section:
    key: str
    title: str
    action: str
    page: Page
    pager: dict
    cards: list[HazardCard] = field(default_factory=list)
    groups: list[LetterGroup] = field(default_factory=list)
    rows: list[NoticeRow] = field(default_factory=list)


def _pager(request, key: str, page: Page) -> dict:
    def url(number: int) -> str:
        query = request.GET.copy()
        query[f"{key}_page"] = str(number)
        return f"?{query.urlencode()}#sec-{key}"

    return {
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }


def _page(request, key: str, items) -> tuple[Page, dict]:
    page = Paginator(items, SECTION_SIZE).get_page(request.GET.get(f"{key}_page"))
    return page, _pager(request, key, page)


def _sections(request, role: str, error: StepRefused | None) -> list[Section]:
    user, today = request.user, timezone.localdate()
    sections = []
    for found in hazard_queue(acting_user=user, role=role):
        page, pager = _page(request, found.key, found.items)
        hazards = list(page.object_list)
        kinds = [k for k, action in NOTICE_ACTIONS.items() if action == found.action]
        pending = pending_notices(hazard_ids=[h.pk for h in hazards], kinds=kinds) if kinds else {}
        section = Section(found.key, str(found.title), found.action, page, pager)
        if found.action == "letter":
            section.groups = letter_groups(hazards, pending, error)
        else:
            section.cards = hazard_cards(
                hazards, user, today=today, pending=pending, error=error,
                shown=SECTION_OPS[found.action],
            )  # fmt: skip
        sections.append(section)
        if role == "lead" and found.key == "letter":
            sections.append(_copies_section(request, error))
    return sections


def _copies_section(request, error: StepRefused | None) -> Section:
    page, pager = _page(request, "copies", copies_overdue(acting_user=request.user))
    section = Section("copies", _("逾期未交回的公司联"), "copy", page, pager)
    section.rows = [
        NoticeRow(notice, error=error_for(error, f"notice-{notice.pk}"))
        for notice in page.object_list
    ]
    return section


@require_http_methods(["GET", "POST"])
@requires(Capability.VIEW_HAZARDS)
def queue(request):
    """我的待办: what waits on the user's role, section by section, with the steps inline."""
    roles = queue_roles(request.user)
    wanted = request.GET.get("role", "")
    if wanted and wanted not in roles:
        raise PermissionRefused(_("您不能打开这个工作队列"), code="capability_missing")
    role = wanted or (roles[0] if roles else "")
    error = None
    if request.method == "POST":
        outcome = perform(request)
        if isinstance(outcome, StepDone):
            return step_redirect(request, outcome)
        error = outcome
    switch = [
        {"role": r, "label": QUEUES[r].label, "url": "?" + urlencode({"role": r})} for r in roles
    ]
    context = {
        "role": role,
        "role_label": QUEUES[role].label if role else "",
        "switch": switch if len(roles) > 1 else [],
        "sections": _sections(request, role, error) if role else [],
        "error": error,
        "today": timezone.localdate(),
        "call_now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "call_results": FollowUpCall.Result.choices,
        "outcomes": forms.OUTCOME_LABELS.items(),
        "hear": may_hear_recordings(request.user),
    }
    return render(request, "hazards/queue.html", context, status=error.status if error else 200)
