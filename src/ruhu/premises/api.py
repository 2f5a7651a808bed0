"""Households API (scoped to the caller's branch)."""

from ninja import Query, Router
from ninja.pagination import paginate

from ruhu.accounts.roles import Capability
from ruhu.common.access import requires
from ruhu.common.pagination import Pages
from ruhu.common.pii import pii_unmask
from ruhu.common.schemas import ErrorOut, ObjectId, UnmaskIn, UnmaskOut
from ruhu.common.search import refuse_term_in_url
from ruhu.premises.schemas import (
    HouseholdDetailOut,
    HouseholdFilterIn,
    HouseholdOut,
    HouseholdSearchIn,
)
from ruhu.premises.selectors import household_get, household_list

router = Router(tags=["households"])


@router.get("/households", response={200: list[HouseholdOut], 403: ErrorOut})
@paginate(Pages)
@requires(Capability.VIEW_HOUSEHOLDS)
def households(request, filters: Query[HouseholdFilterIn]):
    """The filtered list. A search term goes to POST /households/search, never in the URL.

    `count` is exact up to 10,000 households; past that it is `at_least` 10,000, or, for
    head office's unfiltered list, the database's `estimate` of all households (`count_is`).
    Page on while `has_next` is true."""
    refuse_term_in_url(request, search_path="/api/v1/households/search")
    return household_list(acting_user=request.user, filters=filters.to_filter())


@router.post("/households/search", response={200: list[HouseholdOut], 403: ErrorOut})
@paginate(Pages)
@requires(Capability.VIEW_HOUSEHOLDS)
def households_search(request, payload: HouseholdSearchIn):
    """Search by account number, name, phone, ID number or address (term in the body).

    `count` is exact up to 10,000 matches, else `at_least` 10,000 (`count_is`)."""
    return household_list(acting_user=request.user, filters=payload.to_filter())


@router.get("/households/{household_id}", response={200: HouseholdDetailOut, (403, 404): ErrorOut})
@requires(Capability.VIEW_HOUSEHOLDS)
def household(request, household_id: ObjectId):
    return household_get(acting_user=request.user, pk=household_id)


@router.post(
    "/households/{household_id}/unmask", response={200: UnmaskOut, (403, 404, 429): ErrorOut}
)
@requires(Capability.VIEW_HOUSEHOLDS)
def household_unmask(request, household_id: ObjectId, payload: UnmaskIn):
    target = household_get(acting_user=request.user, pk=household_id)
    value = pii_unmask(
        acting_user=request.user,
        target=target,
        field=payload.field,
        reason=payload.reason,
        via="api",
    )
    return {"field": payload.field, "value": value}
