"""Accounts API: device tokens, the current user, the staff directory."""

from ninja import Router, Status
from ninja.pagination import paginate

from ruhu.accounts import selectors, services
from ruhu.accounts.roles import Capability
from ruhu.accounts.schemas import (
    ReasonIn,
    StaffOut,
    StaffSearchIn,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)
from ruhu.common.access import requires, signed_in
from ruhu.common.pagination import Pages
from ruhu.common.pii import pii_unmask
from ruhu.common.schemas import ErrorOut, ObjectId, Text, UnmaskIn, UnmaskOut
from ruhu.common.search import refuse_term_in_url

router = Router(tags=["accounts"])


@router.post("/auth/token", auth=None, response={201: TokenCreatedOut, (401, 429, 503): ErrorOut})
def token_create(request, payload: TokenIn):
    user = services.login_check(request, username=payload.username, password=payload.password)
    token, raw = services.token_issue(acting_user=user, user=user, name=payload.device_name)
    return Status(
        201,
        {
            "id": token.pk,
            "token": raw,
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
        },
    )


@router.get("/auth/tokens", response=list[TokenOut])
@signed_in
def token_list(request):
    return list(selectors.token_list(acting_user=request.user))


@router.delete("/auth/tokens/{token_id}", response={200: TokenOut, (403, 404, 409): ErrorOut})
@signed_in
def token_revoke(request, token_id: ObjectId):
    token = selectors.token_get(acting_user=request.user, pk=token_id)
    return services.token_revoke(acting_user=request.user, token=token)


@router.get("/me", response=StaffOut)
@signed_in
def me(request):
    return request.user


@router.get("/staff", response={200: list[StaffOut], 403: ErrorOut})
@paginate(Pages)
@requires(Capability.VIEW_STAFF)
def staff_list(request, role: Text = "", branch: ObjectId | None = None):
    """The filtered directory. A search term goes to POST /staff/search, never in the URL."""
    refuse_term_in_url(request, search_path="/api/v1/staff/search")
    return selectors.user_list(acting_user=request.user, role=role, branch_id=branch)


@router.post("/staff/search", response={200: list[StaffOut], 403: ErrorOut})
@paginate(Pages)
@requires(Capability.VIEW_STAFF)
def staff_search(request, payload: StaffSearchIn):
    """Search by name, username, badge number or phone (term in the body)."""
    return selectors.user_list(
        acting_user=request.user, q=payload.q, role=payload.role, branch_id=payload.branch
    )


@router.get("/staff/{user_id}", response={200: StaffOut, (403, 404): ErrorOut})
@requires(Capability.VIEW_STAFF)
def staff_get(request, user_id: ObjectId):
    return selectors.user_get(acting_user=request.user, pk=user_id)


@router.post("/staff/{user_id}/deactivate", response={200: StaffOut, (403, 404, 409): ErrorOut})
@requires(Capability.MANAGE_STAFF)
def staff_deactivate(request, user_id: ObjectId, payload: ReasonIn):
    user = selectors.user_get(acting_user=request.user, pk=user_id)
    return services.user_deactivate(acting_user=request.user, user=user, reason=payload.reason)


@router.post("/staff/{user_id}/unmask", response={200: UnmaskOut, (403, 404, 429): ErrorOut})
@requires(Capability.VIEW_STAFF)
def staff_unmask(request, user_id: ObjectId, payload: UnmaskIn):
    user = selectors.user_get(acting_user=request.user, pk=user_id)
    value = pii_unmask(
        acting_user=request.user, target=user, field=payload.field, reason=payload.reason, via="api"
    )
    return {"field": payload.field, "value": value}
