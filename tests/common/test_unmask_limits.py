"""Unmasking: meaningful reasons, an hourly limit per user, every refusal audited, and
security told once per window when someone passes the limit."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from ruhu.accounts.roles import Capability, Role, role_can
from ruhu.common import pii
from ruhu.common.errors import PermissionRefused, ValidationFailed
from ruhu.common.models import AuditEvent, InboxMessage
from ruhu.common.pii import UnmaskLimited, UnmaskUnavailable, pii_unmask
from ruhu.common.policy import policy_get, policy_set
from tests.accounts.test_throttle import BROKEN_CACHE
from tests.conftest import login, make_user

REASON = "核实联系电话"
START = timezone.make_aware(dt.datetime(2026, 12, 7, 9, 50, 3))  # the alert window crosses an hour


@pytest.fixture
def carol(org):
    """Customer service in branch A: may unmask, receives no security alerts."""
    return make_user("carol", Role.CUSTOMER_SERVICE, org.a)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def unmask(user, target, reason=REASON, field="phone"):
    return pii_unmask(acting_user=user, target=target, field=field, reason=reason)


def refusals(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="pii.unmask_refused", actor=user))


def use_up_the_hour(user, target) -> int:
    limit = policy_get("pii.unmask.max_per_hour")
    for _ in range(limit):
        assert unmask(user, target) == "+8613912345678"
    return limit


@pytest.mark.parametrize("reason", ["aaaa", "看看看看", "1234", "a a a a", "abab", "!!!!!"])
def test_it_refuses_a_reason_that_says_nothing_and_audits_the_refusal(carol, household_a, reason):
    with pytest.raises(ValidationFailed) as refused:
        unmask(carol, household_a, reason=reason)
    assert refused.value.code == "pii_reason_required"
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()
    [event] = refusals(carol)
    assert event.reason == reason
    assert event.target_id == str(household_a.pk)
    assert event.changes["refusal_code"] == [None, "pii_reason_required"]
    assert event.changes["field"] == [None, "phone"]


def test_it_accepts_short_meaningful_reasons(carol, household_a):
    for reason in ("核实身份", "紧急联系", "call back"):
        unmask(carol, household_a, reason=reason)
    assert AuditEvent.objects.filter(action="pii.unmask", actor=carol).count() == 3
    assert refusals(carol) == []


def test_it_audits_a_refusal_for_want_of_the_capability(charlie, household_a):
    with pytest.raises(PermissionRefused):
        unmask(charlie, household_a)
    [event] = refusals(charlie)
    assert event.changes["refusal_code"] == [None, "pii_unmask_refused"]
    assert event.reason == REASON
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


@pytest.mark.django_db(transaction=True)
def test_it_commits_the_refusal_although_the_request_fails(client, org, household_a):
    """Through the page, where a refusal ends the request with an error: the row stays."""
    inspector = make_user("ivan", Role.INSPECTOR, org.team_a)
    login(client, inspector)
    response = client.post(
        f"/households/{household_a.pk}/unmask/", {"field": "phone", "reason": REASON}
    )
    assert response.status_code in (403, 404)
    assert [e.changes["refusal_code"][1] for e in refusals(inspector)] == ["pii_unmask_refused"]


def test_it_limits_unmasks_per_user_in_a_sliding_hour(clock, carol, alice, household_a):
    limit = use_up_the_hour(carol, household_a)
    with pytest.raises(UnmaskLimited) as refused:
        unmask(carol, household_a)
    assert refused.value.status == 429
    assert refused.value.extra == {"limit": limit}
    assert unmask(alice, household_a)  # the limit is the user's own
    clock.shift(dt.timedelta(minutes=40))
    with pytest.raises(UnmaskLimited):
        unmask(carol, household_a, field="id_number")
    clock.shift(dt.timedelta(minutes=25))  # an hour (and a slice of the window) later
    assert unmask(carol, household_a, field="id_number") == "110101198001011232"
    assert AuditEvent.objects.filter(action="pii.unmask", actor=carol).count() == limit + 1
    codes = [e.changes["refusal_code"][1] for e in refusals(carol)]
    assert codes == ["pii_unmask_limited", "pii_unmask_limited"]


def test_it_takes_the_limit_from_the_branchs_policy(clock, carol, bella, household_a, org):
    policy_set(
        acting_user=None,
        key="pii.unmask.max_per_hour",
        value=2,
        effective_from=dt.date(2026, 1, 1),
        branch=org.a,
    )
    unmask(carol, household_a)
    unmask(carol, household_a)
    with pytest.raises(UnmaskLimited):
        unmask(carol, household_a)


def test_it_refuses_through_the_api_with_429(clock, client, carol, household_a):
    use_up_the_hour(carol, household_a)
    login(client, carol)
    response = client.post(
        f"/api/v1/households/{household_a.pk}/unmask",
        {"field": "phone", "reason": REASON},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "pii_unmask_limited"
    assert "+8613912345678" not in response.content.decode()


def test_it_shows_the_limit_on_the_page(clock, client, carol, household_a):
    use_up_the_hour(carol, household_a)
    login(client, carol)
    response = client.post(
        f"/households/{household_a.pk}/unmask/",
        {"field": "phone", "reason": REASON},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "上限" in page and "13912345678" not in page


def test_it_alerts_security_of_the_branch_and_head_office_once_per_window(
    clock, carol, alice, bob, bella, charlie, household_a
):
    use_up_the_hour(carol, household_a)
    assert not InboxMessage.objects.exists()  # reaching the limit is allowed
    for _ in range(3):
        with pytest.raises(UnmaskLimited):
            unmask(carol, household_a)
    alerted = InboxMessage.objects.order_by("recipient__username")
    assert [m.recipient.username for m in alerted] == ["alice", "bob"]
    message = alerted[0]
    assert "carol" in message.subject and "20" in message.body
    assert "13912345678" not in message.subject + message.body + message.link
    assert len(refusals(carol)) == 3
    clock.shift(dt.timedelta(minutes=59))
    with pytest.raises(UnmaskLimited):
        unmask(carol, household_a)
    assert InboxMessage.objects.count() == 2  # still the same window
    clock.shift(dt.timedelta(minutes=6))
    use_up_the_hour(carol, household_a)
    with pytest.raises(UnmaskLimited):
        unmask(carol, household_a)
    assert InboxMessage.objects.filter(recipient=alice).count() == 2


def test_it_leads_the_alert_to_the_users_trail(clock, client, carol, alice, household_a):
    use_up_the_hour(carol, household_a)
    with pytest.raises(UnmaskLimited):
        unmask(carol, household_a)
    message = InboxMessage.objects.get(recipient=alice)
    assert urlsplit(message.link).path == "/audit/"
    login(client, alice)
    response = client.get(message.link)
    assert response.status_code == 200
    shown = response.context["page"].object_list
    assert {e.action for e in shown} == {"pii.unmask", "pii.unmask_refused"}
    assert {e.actor_label for e in shown} == {"carol"}


def test_a_head_office_offender_alerts_head_office_only(clock, org, bob, household_a):
    auditor = make_user("hank", Role.CUSTOMER_SERVICE, org.company)
    watcher = make_user("wendy", Role.ADMIN, org.company)
    use_up_the_hour(auditor, household_a)
    with pytest.raises(UnmaskLimited):
        unmask(auditor, household_a)
    assert [m.recipient for m in InboxMessage.objects.all()] == [watcher]


def test_it_refuses_when_the_counter_store_is_down(carol, household_a, settings):
    settings.CACHES = BROKEN_CACHE
    with pytest.raises(UnmaskUnavailable) as refused:
        unmask(carol, household_a)
    assert refused.value.status == 503
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()
    assert [e.changes["refusal_code"][1] for e in refusals(carol)] == ["pii_unmask_unavailable"]


def test_common_names_the_capabilities_as_the_role_table_does():
    assert pii.UNMASK == Capability.UNMASK_PII
    assert pii.SECURITY_ALERTS == Capability.SECURITY_ALERTS
    assert role_can(Role.ADMIN, Capability.SECURITY_ALERTS)
    assert role_can(Role.MANAGER, Capability.SECURITY_ALERTS)
    assert not role_can(Role.CUSTOMER_SERVICE, Capability.SECURITY_ALERTS)
