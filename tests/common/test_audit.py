"""The audit trail: one event per service write, personal data masked, rows append-only."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import DatabaseError, connection, transaction

from ruhu.accounts.models import OrgUnit
from ruhu.accounts.services import (
    org_unit_create,
    token_issue,
    token_revoke,
    user_create,
    user_deactivate,
    user_set_password,
    user_update,
)
from ruhu.common.models import AuditEvent
from ruhu.common.pii import pii_unmask
from ruhu.common.policy import policy_set
from ruhu.common.workdays import calendar_day_set
from ruhu.premises.services import household_create, household_update
from tests.conftest import login

PLAIN = [
    "13812348000",
    "13912345678",
    "13700001111",
    "110101199003071233",
    "110101198001011232",
    "11010119850505122X",
]


def last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def assert_no_plaintext(event: AuditEvent) -> None:
    text = json.dumps(event.changes, ensure_ascii=False) + event.target_repr + event.reason
    for value in PLAIN:
        assert value not in text, (event.action, value)


def test_it_audits_every_service_write_with_actor_and_old_and_new(
    alice, bob, charlie, org, household_a
):
    team = org_unit_create(acting_user=alice, kind="team", code="a2", name="东城二班", parent=org.a)
    event = last("org_unit.create")
    assert event.actor == alice and event.actor_label == "alice"
    assert event.changes["code"] == [None, "a2"]
    assert event.target_id == str(team.pk) and event.branch_id == org.a.pk

    frank = user_create(
        acting_user=bob,
        username="frank",
        full_name="Frank",
        role="inspector",
        org_unit=team,
        phone="13700001111",
        id_number="11010119850505122X",
    )
    event = last("user.create")
    assert event.actor == bob
    assert event.changes["username"] == [None, "frank"]
    assert event.changes["phone"] == [None, "137****1111"]
    assert event.changes["id_number"] == [None, "110***********122X"]
    assert "password" not in event.changes
    assert_no_plaintext(event)

    user_update(acting_user=bob, user=frank, full_name="Frank Li", phone="13812348000")
    event = last("user.update")
    assert event.actor == bob
    assert event.changes == {
        "full_name": ["Frank", "Frank Li"],
        "phone": ["137****1111", "138****8000"],
    }
    assert_no_plaintext(event)

    user_set_password(acting_user=frank, user=frank, password="franks-own-secret-7")
    assert last("user.set_password").changes["must_change_password"] == [True, False]
    token, _raw = token_issue(acting_user=frank, user=frank, name="phone")
    event = last("token.issue")
    assert event.actor == frank and event.changes["name"] == [None, "phone"]
    token_revoke(acting_user=bob, token=token)
    event = last("token.revoke")
    assert event.actor == bob and event.changes["revoked_at"][0] is None

    user_deactivate(acting_user=bob, user=frank, reason="调岗")
    event = last("user.deactivate")
    assert event.actor == bob and event.changes["is_active"] == [True, False]
    assert event.reason == "调岗"

    policy_set(
        acting_user=alice,
        key="hazard.customer_notice_days",
        value=5,
        effective_from=dt.date(2000, 1, 1),
        note="地方规定",
    )
    event = last("policy.set")
    assert event.actor == alice
    assert event.changes["value"] == [7, 5]
    assert event.reason == "地方规定"

    household = household_create(
        acting_user=bob,
        branch=org.a,
        account_no="A000002",
        name="张三",
        category="residential",
        phone="13700001111",
        id_number="11010119850505122X",
    )
    event = last("household.create")
    assert event.actor == bob
    assert event.changes["account_no"] == [None, "A000002"]
    assert event.changes["phone"] == [None, "137****1111"]
    assert_no_plaintext(event)

    household_update(
        acting_user=bob, household=household, name="张三丰", id_number="110101199003071233"
    )
    event = last("household.update")
    assert event.changes["name"] == ["张三", "张三丰"]
    assert event.changes["id_number"] == ["110***********122X", "110***********1233"]
    assert_no_plaintext(event)

    calendar_day_set(acting_user=alice, day=dt.date(2026, 3, 2), is_working=False, name="停气检修")
    event = last("calendar.day_set")
    assert event.actor == alice
    assert event.changes["is_working"] == [None, False]

    value = pii_unmask(acting_user=bob, target=household_a, field="phone", reason="核实联系电话")
    assert value == "+8613912345678"
    event = last("pii.unmask")
    assert event.actor == bob and event.reason == "核实联系电话"
    assert event.changes == {"field": [None, "phone"]}
    assert_no_plaintext(event)

    for event in AuditEvent.objects.all():
        assert_no_plaintext(event)


def test_it_records_the_system_as_actor_when_there_is_no_user(org):
    event = AuditEvent.objects.filter(action="org_unit.create").first()
    assert event.actor is None and event.actor_label == "system"


@pytest.mark.django_db(transaction=True)
def test_it_refuses_updates_and_deletes_of_audit_events_whatever_the_path(alice):
    event = last("user.create")
    count = AuditEvent.objects.count()
    event.reason = "tampered"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET reason = %s WHERE id = %s", ["x", event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    assert AuditEvent.objects.count() == count
    event.refresh_from_db()
    assert event.reason == ""
    # appending still works
    org_unit_create(acting_user=alice, kind="company", code="other", name="另一家")
    assert AuditEvent.objects.count() == count + 1


def test_it_refuses_changes_inside_an_ordinary_test_transaction_too(alice):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(reason="tampered")
    assert not AuditEvent.objects.filter(reason="tampered").exists()


def test_it_shows_the_trail_on_the_household_and_staff_pages(client, bob, charlie, household_a):
    household_update(acting_user=bob, household=household_a, name="王伟伟")
    login(client, bob)
    page = client.get(f"/households/{household_a.pk}/").content.decode()
    assert "household.create" in page and "household.update" in page
    assert re.search(r"王伟\W*→\W*王伟伟", re.sub(r"<[^>]+>", "", page))  # old → new
    assert "139****5678" in page
    assert "13912345678" not in page
    staff_page = client.get(f"/staff/{charlie.pk}/").content.decode()
    assert "user.create" in staff_page
    assert "A-001" in staff_page


def test_it_keeps_org_units_in_the_trail_of_their_branch(org):
    assert OrgUnit.objects.count() == 5
    branches = set(
        AuditEvent.objects.filter(action="org_unit.create").values_list("branch_id", flat=True)
    )
    assert branches == {None, org.a.pk, org.b.pk}
