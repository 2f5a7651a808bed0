"""The check page quotes the policy's numbers: the safety valve's "expiring" badge says the
branch's own horizon (facility.safety_valve_warning_days), never a number of its own."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from ruhu.common.policy import policy_set
from ruhu.facilities.models import FacilityKind
from tests.conftest import login
from tests.facilities.conftest import make_facility

WARNING = "facility.safety_valve_warning_days"


def badge(client, facility) -> str:
    return client.get(reverse("facility-check-unplanned", args=[facility.pk])).content.decode()


def test_it_says_the_branch_s_warning_days_on_the_valve_badge(
    client, clock, alice, charlie, dave, org, room
):
    room_b = make_facility(
        org.b,
        "FS-B-009",
        FacilityKind.VALVE_ROOM,
        safety_valve_valid_until=dt.date(2026, 12, 20),
    )
    login(client, charlie)
    assert "30 天内到期" in badge(client, room)  # the regulation default

    policy_set(acting_user=alice, key=WARNING, value=60, effective_from=dt.date(2026, 1, 1),
               branch=org.a)  # fmt: skip
    page = badge(client, room)
    assert 'class="fc-valve expiring"' in page and "60 天内到期" in page
    assert "30 天内到期" not in page

    client.force_login(dave)  # branch B keeps the company's horizon
    assert "30 天内到期" in badge(client, room_b)
