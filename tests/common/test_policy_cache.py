from __future__ import annotations

import datetime as dt

from ruhu.common import policy
from ruhu.common.models import PolicyValue
from ruhu.common.policy import policy_get, policy_set

KEY = "inspection.cycle_months.residential"


def test_it_sees_its_own_change_at_once(db, alice):
    assert policy_get(KEY) == 24
    policy_set(acting_user=alice, key=KEY, value=18, effective_from=dt.date(2001, 1, 1))
    assert policy_get(KEY) == 18


def test_it_sees_another_workers_change_after_the_cache_period(db, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(policy.time, "monotonic", lambda: clock[0])
    assert policy_get(KEY) == 24
    # another process writes the value: this process's cache does not know yet
    PolicyValue.objects.filter(key_id=KEY).update(value=20)
    assert policy_get(KEY) == 24
    clock[0] += policy.CACHE_SECONDS + 1
    assert policy_get(KEY) == 20
