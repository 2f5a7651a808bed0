"""Audit trail API."""

from __future__ import annotations

from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from ruhu.common.schemas import AuditEventOut
from ruhu.common.selectors import audit_list

router = Router(tags=["audit"])


@router.get("/audit", response=list[AuditEventOut])
@paginate(PageNumberPagination, page_size=50)
def audit_events(request, action: str = ""):
    return audit_list(acting_user=request.user, action=action)
