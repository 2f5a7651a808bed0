"""Audit trail API."""

from ninja import Router
from ninja.pagination import paginate

from ruhu.common.pagination import Pages
from ruhu.common.schemas import AuditEventOut, Text
from ruhu.common.selectors import audit_list

router = Router(tags=["audit"])


@router.get("/audit", response=list[AuditEventOut])
@paginate(Pages)
def audit_events(request, action: Text = ""):
    return audit_list(acting_user=request.user, action=action)
