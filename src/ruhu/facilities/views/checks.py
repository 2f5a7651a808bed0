"""One facility check as recorded: frozen evidence, its answers and photos, the repair
jobs it raised and its place in the ledger."""

from __future__ import annotations

import uuid

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.web import attachment_response
from ruhu.facilities.documents import corrected_by
from ruhu.facilities.selectors import check_get, check_ledger_entry, check_photo, check_repairs
from ruhu.facilities.views.rows import check_items, check_pressures


@require_GET
@requires(Capability.VIEW_FACILITIES)
def check_detail(request, pk: uuid.UUID):
    check = check_get(acting_user=request.user, pk=pk)
    return render(
        request,
        "facilities/check_detail.html",
        {
            "check": check,
            "facility": check.facility,
            "items": check_items(check),
            "pressures": check_pressures(check),
            "defects": list(check.defects.all()),
            "correction": corrected_by(check),
            "repairs": check_repairs(check=check),
            "ledger": check_ledger_entry(check=check),
        },
    )


@require_GET
@requires(Capability.VIEW_FACILITIES)
def check_file(request, pk: uuid.UUID, attachment_id: uuid.UUID):
    """A photo the check cites; any other attachment id answers 404."""
    check = check_get(acting_user=request.user, pk=pk)
    return attachment_response(check_photo(check=check, attachment_id=attachment_id))
