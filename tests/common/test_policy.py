"""Policy values: seeded defaults, branch overrides, effective dates, validated changes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ruhu.common.errors import PolicyMissing, ValidationFailed
from ruhu.common.models import AuditEvent, PolicyKey, PolicyValue
from ruhu.common.policy import policy_get, policy_set
from ruhu.common.policy_registry import PolicyUndeclared

RESIDENTIAL = "inspection.cycle_months.residential"
RATIO = "target.rectification_rate.level2"


def test_it_returns_the_seeded_default(db):
    assert policy_get(RESIDENTIAL) == 24
    assert policy_get("inspection.cycle_months.commercial") == 12
    assert policy_get("target.rectification_rate.level1") == 0.99
    assert policy_get("checklist.hose_max_length_m") == 2.0
    assert policy_get("auth.session_idle_minutes") == 30
    assert policy_get("auth.lockout.max_failures") == 5


def test_it_seeds_every_rule_number(db):
    keys = set(PolicyKey.objects.values_list("key", flat=True))
    assert len(keys) >= 80
    assert {
        "inspection.cycle_months.residential",
        "inspection.cycle_months.special_min",
        "inspection.absent_review_share",
        "target.rectification_rate.level1",
        "notice.household_days_before",
        "hazard.customer_notice_days",
        "hazard.fix_working_days.leaking_installation",
        "facility.regulator_box.cutoff_min_pa",
        "facility.regulator_box.cleaning_interval_months",
        "appliance.service_life_years.gas_alarm",
        "auth.lockout.lock_minutes",
        "auth.password_min_length",
    } <= keys
    # every key has a company-wide value in force today
    for key in keys:
        policy_get(key)


def test_it_lets_a_branch_value_beat_the_company_value_only_for_that_branch(alice, org):
    policy_set(
        acting_user=alice,
        key=RESIDENTIAL,
        value=12,
        effective_from=dt.date(2020, 1, 1),
        branch=org.a,
        note="东城试点",
    )
    assert policy_get(RESIDENTIAL, branch=org.a) == 12
    assert policy_get(RESIDENTIAL, branch=org.a.pk) == 12
    assert policy_get(RESIDENTIAL, branch=org.team_a) == 12  # a team is in its branch
    assert policy_get(RESIDENTIAL, branch=org.b) == 24
    assert policy_get(RESIDENTIAL) == 24
    assert policy_get(RESIDENTIAL, branch=org.company) == 24


def test_it_switches_to_a_later_value_on_its_effective_date(alice, org):
    policy_set(acting_user=alice, key=RESIDENTIAL, value=18, effective_from=dt.date(2027, 1, 1))
    assert policy_get(RESIDENTIAL, on=dt.date(2026, 12, 31)) == 24
    assert policy_get(RESIDENTIAL, on=dt.date(2027, 1, 1)) == 18
    assert policy_get(RESIDENTIAL, branch=org.b, on=dt.date(2027, 1, 1)) == 18
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.UTC), tick=False):
        # 23:00 UTC is already 1 January in Shanghai
        assert policy_get(RESIDENTIAL) == 18
    with time_machine.travel(dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC), tick=False):
        assert policy_get(RESIDENTIAL) == 24


def test_it_prefers_a_branch_value_even_when_the_company_value_is_newer(alice, org):
    policy_set(
        acting_user=alice,
        key=RESIDENTIAL,
        value=12,
        effective_from=dt.date(2020, 1, 1),
        branch=org.a,
    )
    policy_set(acting_user=alice, key=RESIDENTIAL, value=36, effective_from=dt.date(2025, 1, 1))
    assert policy_get(RESIDENTIAL, branch=org.a, on=dt.date(2026, 1, 1)) == 12
    assert policy_get(RESIDENTIAL, branch=org.b, on=dt.date(2026, 1, 1)) == 36
    assert policy_get(RESIDENTIAL, branch=org.a, on=dt.date(2019, 1, 1)) == 24


def test_it_refuses_bad_values_and_changes_nothing(alice):
    rows = PolicyValue.objects.count()
    events = AuditEvent.objects.count()
    bad = [
        (RESIDENTIAL, "abc"),
        (RESIDENTIAL, 1.5),
        (RESIDENTIAL, True),
        (RESIDENTIAL, None),
        (RATIO, 1.5),
        (RATIO, -0.1),
        (RATIO, "seventy"),
        ("checklist.hose_max_length_m", "long"),
    ]
    for key, value in bad:
        with pytest.raises(ValidationFailed) as refused:
            policy_set(acting_user=alice, key=key, value=value, effective_from=dt.date(2026, 1, 1))
        assert refused.value.code == "policy_bad_value", (key, value)
    with pytest.raises(ValidationFailed):
        policy_set(
            acting_user=alice, key="no.such.key", value=1, effective_from=dt.date(2026, 1, 1)
        )
    assert PolicyValue.objects.count() == rows
    assert AuditEvent.objects.count() == events
    assert policy_get(RESIDENTIAL) == 24


def test_it_accepts_well_formed_values_in_their_kind(alice):
    policy_set(acting_user=alice, key=RESIDENTIAL, value="36", effective_from=dt.date(2026, 1, 1))
    assert policy_get(RESIDENTIAL, on=dt.date(2026, 1, 1)) == 36
    policy_set(
        acting_user=alice,
        key=RATIO,
        value="0.85",
        effective_from=dt.date(2026, 1, 1),
    )
    assert policy_get(RATIO, on=dt.date(2026, 1, 1)) == 0.85


def test_it_replaces_the_value_of_the_same_date_and_audits_old_and_new(alice):
    policy_set(acting_user=alice, key=RESIDENTIAL, value=20, effective_from=dt.date(2026, 1, 1))
    policy_set(acting_user=alice, key=RESIDENTIAL, value=22, effective_from=dt.date(2026, 1, 1))
    assert PolicyValue.objects.filter(key=RESIDENTIAL, effective_from="2026-01-01").count() == 1
    event = AuditEvent.objects.filter(action="policy.set").latest("id")
    assert event.changes["value"] == [20, 22]


def test_it_says_clearly_when_a_key_has_no_value(db, settings):
    with pytest.raises(PolicyUndeclared):  # outside production, at once
        policy_get("no.such.key")
    settings.PRODUCTION = True
    with pytest.raises(PolicyMissing):
        policy_get("no.such.key")
    with pytest.raises(PolicyMissing):
        policy_get(RESIDENTIAL, on=dt.date(1999, 12, 31))
