"""The project's own management commands: demo, createadmin, keys generate."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from ruhu.accounts.models import OrgUnit, User
from ruhu.accounts.roles import Role
from ruhu.common.ledger import ledger_verify
from ruhu.common.models import AuditEvent
from ruhu.facilities.models import Facility, FacilityRepair, FacilityTask
from ruhu.premises.demo import DEMO_PASSWORD, demo_logins
from ruhu.premises.models import Household


# A leap day: the demo dates its history back from today, and 29 February has no twin
# in the years before (the audit-trail test below loads the demo on the real day).
@time_machine.travel(dt.datetime(2028, 2, 29, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_it_loads_the_demo_once_with_every_role(db):
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert OrgUnit.objects.filter(kind="branch").count() == 2
    assert Household.objects.count() >= 200
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    printed = out.getvalue()
    for username, _role, _where in demo_logins():
        assert username in printed
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)

    assert Facility.objects.count() == 20
    assert Facility.objects.filter(flagged=True).count() == 2  # a cut-off pressure too low
    assert FacilityRepair.objects.filter(item="cutoff_pa", status="open").count() == 2
    assert FacilityTask.objects.filter(status="planned").count() == 4
    assert ledger_verify().ok

    again = io.StringIO()
    call_command("demo", stdout=again)
    assert "0 staff and 0 households created" in again.getvalue()
    assert "0 station facilities" in again.getvalue()


def test_it_refuses_demo_data_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo", stdout=io.StringIO())
    assert not Household.objects.exists()


def test_it_creates_the_first_administrator_and_the_company(db, monkeypatch):
    monkeypatch.setenv("RUHU_ADMIN_PASSWORD", "a-long-admin-passphrase")
    call_command("createadmin", "--username", "root", stdout=io.StringIO())
    admin = User.objects.get(username="root")
    assert admin.is_superuser and admin.role == Role.ADMIN
    assert admin.org_unit.kind == OrgUnit.Kind.COMPANY
    with pytest.raises(CommandError, match="already exists"):
        call_command("createadmin", "--username", "root", stdout=io.StringIO())


def test_it_refuses_a_weak_administrator_password(db, monkeypatch):
    monkeypatch.setenv("RUHU_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError):
        call_command("createadmin", "--username", "root", stdout=io.StringIO())
    assert not User.objects.filter(username="root").exists()
    assert not OrgUnit.objects.exists()


def test_it_generates_a_usable_key():
    from ruhu.common.crypto import parse_keys

    out = io.StringIO()
    call_command("keys", "generate", stdout=out)
    ((kid, key),) = parse_keys(out.getvalue().strip())
    assert kid == "kNEW" and len(key) == 32


def test_it_renders_the_audit_trail_after_every_kind_of_action_in_the_demo(db, client):
    call_command("demo", quiet_logins=True, stdout=io.StringIO())
    actions = sorted(set(AuditEvent.objects.values_list("action", flat=True)))
    assert {"visit.submit", "facility_check.submit", "hazard_notice.issue"} <= set(actions)
    for username in ("admin.hq", "manager.east", "inspection_lead.west"):
        client.force_login(User.objects.get(username=username))
        last = -(-AuditEvent.objects.count() // 50)
        for page in sorted({*range(1, min(last, 10) + 1), last}):
            assert client.get(f"/audit/?page={page}").status_code == 200, (username, page)
        for action in actions:
            response = client.get("/audit/", {"action": action})
            assert response.status_code == 200, (username, action)
