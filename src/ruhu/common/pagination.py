"""API pagination: page numbers bounded so an absurd page cannot overflow the database offset."""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=200)

    def __init__(self, page_size: int = 50, **kwargs):
        super().__init__(page_size=page_size, max_page_size=200, **kwargs)
