"""The plan page tells how many days ahead a community's notice goes up from the branch's
policy (notice.community_days_before, RULES B3), not "a week" of its own."""

from __future__ import annotations

import datetime as dt

import time_machine

from ruhu.common.policy import policy_set
from ruhu.inspection.services import plan_approve, plan_generate
from tests.conftest import make_user

NOV_20 = dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@time_machine.travel(NOV_20, tick=False)
def test_it_says_the_branch_s_notice_days_on_the_plan_page(client, alice, org):
    lena = make_user("lena", "inspection_lead", org.a)
    draft = plan_generate(acting_user=lena, branch=org.a, month=dt.date(2026, 12, 1))
    plan = plan_approve(acting_user=lena, plan=draft)
    client.force_login(lena)
    url = f"/inspection/plans/{plan.pk}/"
    assert "请至少提前 7 天张贴" in client.get(url).content.decode()

    policy_set(
        acting_user=alice,
        key="notice.community_days_before",
        value=10,
        effective_from=dt.date(2026, 11, 1),
        branch=org.a,
    )
    page = client.get(url).content.decode()
    assert "请至少提前 10 天张贴" in page and "7 天" not in page and "一周" not in page
