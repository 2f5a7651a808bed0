"""The lead's home page counts the branch's facilities past their check."""

from __future__ import annotations

import datetime as dt

from tests.facilities.conftest import make_facility


def test_it_counts_the_overdue_facilities_on_the_leads_home(clock, client, lena, charlie, org):
    make_facility(org.a, "LATE", last_checked_on=dt.date(2026, 8, 1))
    make_facility(org.a, "FINE", last_checked_on=dt.date(2026, 11, 1))
    make_facility(org.b, "WEST", last_checked_on=dt.date(2026, 1, 1))
    client.force_login(lena)
    page = client.get("/").content.decode()
    assert 'data-testid="tile-facilities-overdue"' in page
    assert '<span class="tile-n">1</span><span class="tile-l">超期未检设施' in page
    client.force_login(charlie)  # an inspector's home has no such tile
    assert "tile-facilities-overdue" not in client.get("/").content.decode()
