"""Nobody grants what they don't hold: a role is given, and an account with a role is handed
access, only by someone holding every capability of that role (field work aside)."""

from __future__ import annotations

import pytest

from ruhu.accounts.models import ApiToken, User
from ruhu.accounts.roles import CAPABILITIES, FIELD_WORK, Capability, Role
from ruhu.accounts.selectors import staff_may_grant
from ruhu.accounts.services import (
    token_issue,
    token_revoke,
    user_create,
    user_deactivate,
    user_password_reset,
    user_reactivate,
    user_set_password,
    user_update,
)
from ruhu.common.errors import DomainError, PermissionRefused, ValidationFailed
from ruhu.common.models import AuditEvent, InboxMessage, OutboxMessage
from tests.conftest import PASSWORD, login, make_user

# What a branch manager may give: the roles whose capabilities, field work aside, they hold.
MANAGER_GRANTS = {
    Role.INSPECTOR,
    Role.REPAIRER,
    Role.INSTALLER,
    Role.CLEANER,
    Role.SUBCONTRACTOR,
    Role.RECEPTION,
    Role.SECURITY,
    Role.HOST,
    Role.MANAGER,
}


def add(acting_user, unit, role, username="frank"):
    return user_create(
        acting_user=acting_user, username=username, full_name="冯刚", role=role, org_unit=unit
    )


@pytest.fixture
def lead_a(org):
    return make_user("lena", Role.INSPECTION_LEAD, org.a, email="lena@example.com")


@pytest.fixture
def hq_admin(org):
    """An administrator by role, not a superuser."""
    return make_user("harry", Role.ADMIN, org.company)


@pytest.mark.parametrize("role", sorted(set(Role) - MANAGER_GRANTS))
def test_it_refuses_a_manager_a_role_with_more_than_they_hold(bob, org, role):
    with pytest.raises(PermissionRefused) as refused:
        add(bob, org.a, role)
    assert not User.objects.filter(username="frank").exists()
    assert not AuditEvent.objects.filter(action="user.create", actor=bob).exists()
    if role != Role.ADMIN:  # the administrator role has its own refusal
        missing = CAPABILITIES[role] - CAPABILITIES[Role.MANAGER] - FIELD_WORK
        assert refused.value.code == "role_grant_refused"
        assert set(refused.value.extra["missing"]) == missing
        for capability in missing:  # named in Chinese, so the manager knows why
            assert str(Capability(capability).label) in refused.value.message


def test_it_names_the_capabilities_the_issue_found_minted(bob, org):
    expected = {
        Role.CUSTOMER_SERVICE: "限量售气与恢复供气",
        Role.INSPECTION_LEAD: "批准安检计划",
        Role.SAFETY_SUPERVISION: "处理移交的隐患案件",
    }
    for role, label in expected.items():
        with pytest.raises(PermissionRefused, match=label):
            add(bob, org.a, role)


@pytest.mark.parametrize("role", sorted(MANAGER_GRANTS))
def test_it_lets_a_manager_give_what_they_hold_and_field_work(bob, org, role):
    frank = add(bob, org.a, role)
    held = CAPABILITIES[Role.MANAGER] | FIELD_WORK
    assert CAPABILITIES[frank.role] <= held


def test_it_keeps_a_manager_from_promoting_staff_past_themselves(bob, charlie):
    for role in (Role.INSPECTION_LEAD, Role.CUSTOMER_SERVICE, Role.REVIEWER):
        with pytest.raises(PermissionRefused):
            user_update(acting_user=bob, user=charlie, role=role)
    charlie.refresh_from_db()
    assert charlie.role == Role.INSPECTOR
    assert not AuditEvent.objects.filter(action__in=["user.update", "user.role_change"]).exists()


def test_it_keeps_a_manager_from_handing_out_access_to_an_account_above_them(bob, lead_a):
    token, _raw = token_issue(acting_user=lead_a, user=lead_a, name="phone")
    attempts = [
        lambda: user_update(acting_user=bob, user=lead_a, full_name="Mallory"),
        lambda: user_update(acting_user=bob, user=lead_a, role=Role.INSPECTOR),
        lambda: user_set_password(acting_user=bob, user=lead_a, password="bobs-choice-12345"),
        lambda: user_password_reset(acting_user=bob, user=lead_a),
        lambda: token_issue(acting_user=bob, user=lead_a, name="impersonation"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionRefused) as refused:
            attempt()
        assert refused.value.code == "role_above_refused"
        assert "批准安检计划" in refused.value.message
    lead_a.refresh_from_db()
    assert (lead_a.full_name, lead_a.role) == ("Lena", Role.INSPECTION_LEAD)
    assert lead_a.check_password(PASSWORD) and not lead_a.must_change_password
    assert list(lead_a.api_tokens.all()) == [token]


def test_it_still_lets_a_manager_protect_the_branch_from_an_account_above_them(bob, lead_a):
    """Revoking a lost phone or disabling a leaver gives nobody anything."""
    token, _raw = token_issue(acting_user=lead_a, user=lead_a, name="phone")
    token_revoke(acting_user=bob, token=token)
    user_deactivate(acting_user=bob, user=lead_a, reason="离职")
    with pytest.raises(PermissionRefused):  # but bringing the account back is a grant
        user_reactivate(acting_user=bob, user=lead_a, reason="返聘")
    lead_a.refresh_from_db()
    assert not lead_a.is_active


def test_it_lets_an_administrator_by_role_give_all_but_administrator(hq_admin, alice, org):
    for number, role in enumerate(set(Role) - {Role.ADMIN}):
        add(hq_admin, org.a, role, username=f"user{number}")
    with pytest.raises(PermissionRefused):
        add(hq_admin, org.company, Role.ADMIN)
    with pytest.raises(PermissionRefused) as refused:
        user_password_reset(acting_user=hq_admin, user=alice)
    assert refused.value.code == "admin_manage_refused"


def test_it_lets_a_superuser_give_any_role(alice, org):
    for number, role in enumerate(Role):
        add(alice, org.company if role == Role.ADMIN else org.a, role, username=f"user{number}")
    assert User.objects.filter(username__startswith="user").count() == len(Role)


def test_it_refuses_a_password_chosen_by_the_creator(bob, org):
    with pytest.raises(ValidationFailed) as refused:
        user_create(
            acting_user=bob,
            username="frank",
            full_name="冯刚",
            role=Role.INSPECTOR,
            org_unit=org.a,
            password="bobs-choice-12345",
        )
    assert refused.value.code == "initial_password_generated"
    assert not User.objects.filter(username="frank").exists()


def test_it_offers_on_the_staff_form_only_roles_the_manager_may_give(client, bob, org):
    login(client, bob)
    page = client.get("/staff/new/").content.decode()
    for role in Role:
        assert (f'value="{role.value}"' in page) == (role in MANAGER_GRANTS), role
    response = client.post(
        "/staff/new/",
        {
            "username": "frank",
            "full_name": "冯刚",
            "role": Role.SAFETY_SUPERVISION,
            "org_unit": org.a.pk,
            "delivery": "password",
        },
    )
    assert response.status_code == 422
    assert not User.objects.filter(username="frank").exists()


def test_it_offers_a_superuser_every_role(client, alice):
    login(client, alice)
    page = client.get("/staff/new/").content.decode()
    assert all(f'value="{role.value}"' in page for role in Role)


def test_it_audits_a_role_change_kills_tokens_and_mails_the_user(bob, charlie):
    charlie.email = "charlie@example.com"
    charlie.save(update_fields=["email"])
    token, _raw = token_issue(acting_user=charlie, user=charlie, name="phone")
    user_update(acting_user=bob, user=charlie, role=Role.REPAIRER)
    event = AuditEvent.objects.get(action="user.role_change")
    assert event.actor == bob
    assert event.changes == {"role": ["inspector", "repairer"], "tokens_revoked": [None, 1]}
    token.refresh_from_db()
    assert token.revoked_at is not None
    mail = OutboxMessage.objects.get(channel=OutboxMessage.Channel.EMAIL)
    assert mail.recipient == "charlie@example.com"
    assert "“安检员”调整为“维修员”" in mail.body and "bob" in mail.body
    notice = InboxMessage.objects.get(recipient=charlie)
    assert "“安检员”调整为“维修员”" in notice.body and notice.read_at is None


def test_it_tells_a_user_without_e_mail_of_a_role_change_in_the_inbox(bob, charlie):
    user_update(acting_user=bob, user=charlie, role=Role.REPAIRER)
    assert not OutboxMessage.objects.exists()
    assert InboxMessage.objects.filter(recipient=charlie, subject="您的角色已调整").count() == 1


def test_it_changes_a_role_on_the_staff_page(client, bob, charlie):
    login(client, bob)
    page = client.get(f"/staff/{charlie.pk}/").content.decode()
    assert 'data-testid="access-card"' in page and 'value="inspection_lead"' not in page
    response = client.post(f"/staff/{charlie.pk}/role/", {"role": Role.REPAIRER})
    assert response.status_code == 302
    charlie.refresh_from_db()
    assert charlie.role == Role.REPAIRER
    refused = client.post(f"/staff/{charlie.pk}/role/", {"role": Role.INSPECTION_LEAD}, follow=True)
    assert "请选择您可以授予的角色" in refused.content.decode()
    charlie.refresh_from_db()
    assert charlie.role == Role.REPAIRER
    assert AuditEvent.objects.filter(action="user.role_change").count() == 1


def test_it_hides_the_access_card_for_an_account_above_the_manager(client, bob, lead_a):
    login(client, bob)
    page = client.get(f"/staff/{lead_a.pk}/").content.decode()
    assert 'data-testid="access-card"' not in page
    assert client.post(f"/staff/{lead_a.pk}/password/").status_code == 403
    assert client.post(f"/staff/{lead_a.pk}/role/", {"role": Role.INSPECTOR}).status_code == 403
    lead_a.refresh_from_db()
    assert lead_a.role == Role.INSPECTION_LEAD and not lead_a.must_change_password


def test_the_staff_page_offers_access_exactly_where_the_services_give_it(
    bob, charlie, lead_a, hq_admin, alice, org
):
    gone = make_user("gina", Role.INSPECTOR, org.team_a)
    user_deactivate(acting_user=bob, user=gone, reason="离职")
    gone.refresh_from_db()
    pairs = [(bob, charlie), (bob, lead_a), (bob, bob), (bob, gone), (charlie, bob)]
    pairs += [(hq_admin, lead_a), (hq_admin, alice), (alice, hq_admin), (alice, alice)]
    for actor, person in pairs:
        try:
            user_password_reset(acting_user=actor, user=person)
        except DomainError:
            given = False
        else:
            given = True
        offered = staff_may_grant(acting_user=actor, user=person)
        assert offered == given, (actor, person)


def test_it_tells_the_user_of_a_role_change_once_at_their_next_sign_in(client, bob, charlie):
    login(client, charlie)
    client.post("/accounts/logout/")
    user_update(acting_user=bob, user=charlie, role=Role.REPAIRER)
    login(client, charlie)
    home = client.get("/").content.decode()
    assert "由“安检员”调整为“维修员”" in home
    client.post("/accounts/logout/")
    login(client, charlie)
    assert "调整为" not in client.get("/").content.decode()


def test_it_leaves_an_unchanged_role_unaudited_as_a_change(bob, charlie):
    user_update(acting_user=bob, user=charlie, role=Role.INSPECTOR, full_name="Charles")
    assert not AuditEvent.objects.filter(action="user.role_change").exists()
    assert not ApiToken.objects.filter(user=charlie, revoked_at__isnull=False).exists()
