"""Staff services keep a branch manager inside their branch and away from admin rights.

The pages and the API fetch through scoped selectors first; these checks make the services
themselves safe for every other caller (admin actions, jobs, later apps).
"""

from __future__ import annotations

import pytest

from ruhu.accounts.roles import Role
from ruhu.accounts.services import (
    token_issue,
    token_revoke,
    user_create,
    user_deactivate,
    user_set_password,
    user_update,
)
from ruhu.common.errors import NotFound, PermissionRefused, ValidationFailed
from ruhu.common.models import AuditEvent
from tests.conftest import PASSWORD


def create(acting_user, unit, role=Role.INSPECTOR, **extra):
    return user_create(
        acting_user=acting_user,
        username="frank",
        full_name="Frank",
        role=role,
        org_unit=unit,
        **extra,
    )


def test_it_lets_a_manager_add_staff_to_their_own_branch(bob, org):
    frank = create(bob, org.team_a)
    assert frank.branch == org.a
    assert AuditEvent.objects.filter(action="user.create", actor=bob).count() == 1


def test_it_refuses_a_manager_adding_staff_to_another_branch(bob, org):
    for unit in (org.team_b, org.b, org.company, None):
        with pytest.raises(PermissionRefused):
            create(bob, unit)
    assert not AuditEvent.objects.filter(action="user.create", actor=bob).exists()


def test_it_refuses_admin_rights_from_anyone_but_an_administrator(bob, alice, org):
    with pytest.raises(PermissionRefused):
        create(bob, org.a, role=Role.ADMIN)
    with pytest.raises(PermissionRefused):
        create(bob, org.a, is_superuser=True)
    admin = create(alice, org.company, role=Role.ADMIN)
    assert admin.is_staff


def test_it_refuses_an_inspector_adding_staff(charlie, org):
    with pytest.raises(PermissionRefused):
        create(charlie, org.team_a)


def test_it_keeps_a_manager_from_changing_staff_of_another_branch(bob, dave):
    with pytest.raises(NotFound):
        user_update(acting_user=bob, user=dave, full_name="Mallory")
    with pytest.raises(NotFound):
        user_set_password(acting_user=bob, user=dave, password="a-long-unusual-phrase-7")
    with pytest.raises(NotFound):
        user_deactivate(acting_user=bob, user=dave, reason="离职")
    with pytest.raises(NotFound):
        token_issue(acting_user=bob, user=dave, name="impersonation")
    dave.refresh_from_db()
    assert dave.full_name == "Dave" and dave.is_active and dave.check_password(PASSWORD)
    assert not dave.api_tokens.exists()


def test_it_keeps_a_manager_from_promoting_or_moving_staff_out(bob, charlie, org):
    with pytest.raises(PermissionRefused):
        user_update(acting_user=bob, user=charlie, role=Role.ADMIN)
    with pytest.raises(PermissionRefused):
        user_update(acting_user=bob, user=charlie, org_unit=org.team_b)
    with pytest.raises(ValidationFailed):
        user_update(acting_user=bob, user=charlie, is_superuser=True)
    charlie.refresh_from_db()
    assert (charlie.role, charlie.org_unit, charlie.is_superuser) == (
        Role.INSPECTOR,
        org.team_a,
        False,
    )
    user_update(acting_user=bob, user=charlie, role=Role.REPAIRER)
    charlie.refresh_from_db()
    assert charlie.role == Role.REPAIRER


def test_it_lets_head_office_manage_everyone(alice, dave, org):
    user_update(acting_user=alice, user=dave, org_unit=org.team_a)
    dave.refresh_from_db()
    assert dave.branch == org.a
    token, _raw = token_issue(acting_user=alice, user=dave, name="spare phone")
    token_revoke(acting_user=alice, token=token)
    user_deactivate(acting_user=alice, user=dave, reason="离职")


def test_it_keeps_a_manager_from_revoking_tokens_of_another_branch(bob, dave):
    token, _raw = token_issue(acting_user=dave, user=dave, name="phone")
    with pytest.raises(NotFound):
        token_revoke(acting_user=bob, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None
