"""The audit view, the user's inbox and the public health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ruhu.common.access import requires, signed_in
from ruhu.common.forms import AuditFilterForm
from ruhu.common.inbox import inbox_list, inbox_mark_read
from ruhu.common.selectors import VIEW_AUDIT, audit_list
from ruhu.common.web import paginate


@require_GET
@requires(VIEW_AUDIT)
def audit(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = audit_list(acting_user=request.user, **{k: v for k, v in filters.items() if v})
    return render(request, "common/audit_list.html", {"page": paginate(request, qs), "form": form})


@require_GET
@signed_in
def inbox(request):
    page = paginate(request, inbox_list(acting_user=request.user))
    return render(request, "common/inbox.html", {"page": page})


@require_POST
@signed_in
def inbox_read(request, pk: int | None = None):
    """Mark one message read (pk), or every message."""
    inbox_mark_read(acting_user=request.user, message_id=pk)
    return redirect("inbox")


@login_not_required
@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
