from __future__ import annotations

import re

from ruhu.accounts.models import User
from ruhu.accounts.services import user_deactivate
from ruhu.common.models import AuditEvent
from tests.conftest import PASSWORD, login

NEW_STAFF = {
    "username": "frank",
    "full_name": "冯刚",
    "role": "inspector",
    "badge_no": "A-009",
    "phone": "13812345670",
    "id_number": "",
    "email": "",
    "delivery": "password",
}


def shown_one_time_password(response) -> str:
    match = re.search(r'id="one-time-password-value">([^<]+)<', response.content.decode())
    assert match, response.content.decode()[:500]
    return match.group(1)


def test_it_lets_a_manager_create_staff_in_their_branch(client, bob, org):
    login(client, bob)
    response = client.post("/staff/new/", {**NEW_STAFF, "org_unit": org.team_a.pk})
    frank = User.objects.get(username="frank")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert frank.branch_id == org.a.pk and frank.must_change_password
    assert frank.check_password(shown_one_time_password(response))
    assert AuditEvent.objects.filter(action="user.create", target_id=str(frank.pk)).exists()


def test_it_refuses_to_place_staff_in_another_branch(client, bob, org):
    login(client, bob)
    response = client.post("/staff/new/", {**NEW_STAFF, "org_unit": org.team_b.pk})
    assert response.status_code == 422
    assert not User.objects.filter(username="frank").exists()


def test_it_offers_a_branch_manager_no_administrator_role(client, bob, org):
    login(client, bob)
    page = client.get("/staff/new/").content.decode()
    assert 'value="inspector"' in page and 'value="admin"' not in page
    response = client.post("/staff/new/", {**NEW_STAFF, "role": "admin", "org_unit": org.a.pk})
    assert response.status_code == 422
    assert not User.objects.filter(username="frank").exists()


def test_it_refuses_an_invitation_without_an_email_and_creates_nothing(client, bob, org):
    login(client, bob)
    response = client.post(
        "/staff/new/", {**NEW_STAFF, "delivery": "invitation", "org_unit": org.team_a.pk}
    )
    assert response.status_code == 422
    assert "没有邮箱" in response.content.decode()
    assert not User.objects.filter(username="frank").exists()
    assert not AuditEvent.objects.filter(action="user.create", actor=bob).exists()


def test_it_refuses_the_staff_form_to_an_inspector(client, charlie):
    login(client, charlie)
    assert client.get("/staff/new/").status_code == 403
    assert client.post("/staff/new/", NEW_STAFF).status_code == 403


def test_it_reactivates_a_disabled_account(client, bob, charlie):
    user_deactivate(acting_user=bob, user=charlie, reason="离职")
    login(client, bob)
    client.post(f"/staff/{charlie.pk}/reactivate/", {"reason": "返聘"})
    charlie.refresh_from_db()
    assert charlie.is_active
    assert AuditEvent.objects.filter(action="user.reactivate", reason="返聘").exists()


def test_it_refuses_to_reactivate_staff_of_another_branch(client, bella, bob, charlie):
    user_deactivate(acting_user=bob, user=charlie, reason="离职")
    login(client, bella)
    assert client.post(f"/staff/{charlie.pk}/reactivate/", {"reason": "返聘"}).status_code == 404
    charlie.refresh_from_db()
    assert not charlie.is_active


def test_it_changes_my_password_and_keeps_me_signed_in(client, charlie):
    login(client, charlie)
    response = client.post(
        "/me/password/",
        {
            "old_password": PASSWORD,
            "new_password": "another-long-secret-7",
            "new_password_again": "another-long-secret-7",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    charlie.refresh_from_db()
    assert charlie.check_password("another-long-secret-7")


def test_it_refuses_a_password_change_with_the_wrong_current_password(client, charlie):
    login(client, charlie)
    response = client.post(
        "/me/password/",
        {
            "old_password": "not-my-password",
            "new_password": "another-long-secret-7",
            "new_password_again": "another-long-secret-7",
        },
    )
    assert response.status_code == 422
    assert "当前密码不正确" in response.content.decode()
    charlie.refresh_from_db()
    assert charlie.check_password(PASSWORD)


def test_it_refuses_mismatched_new_passwords(client, charlie):
    login(client, charlie)
    response = client.post(
        "/me/password/",
        {
            "old_password": PASSWORD,
            "new_password": "another-long-secret-7",
            "new_password_again": "another-long-secret-8",
        },
    )
    assert response.status_code == 422
    charlie.refresh_from_db()
    assert charlie.check_password(PASSWORD)


def test_it_answers_a_plain_unmask_post_with_a_whole_page(client, bob, household_a):
    login(client, bob)
    plain = client.post(
        f"/households/{household_a.pk}/unmask/", {"field": "phone", "reason": "核实联系电话"}
    )
    assert plain.status_code == 200
    page = plain.content.decode()
    assert "<html" in page and f'href="/households/{household_a.pk}/"' in page
    htmx = client.post(
        f"/households/{household_a.pk}/unmask/",
        {"field": "phone", "reason": "核实联系电话"},
        HTTP_HX_REQUEST="true",
    )
    assert "<html" not in htmx.content.decode()


def test_it_links_managers_to_the_staff_form(client, bob, charlie, alice):
    login(client, bob)
    assert 'href="/staff/new/"' in client.get("/staff/").content.decode()


def test_it_shows_the_access_card_in_english(client, bob, charlie):
    login(client, bob)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/staff/{charlie.pk}/").content.decode()
    assert "Role and password" in page and "Generate one-time password" in page
    assert "角色与密码" not in page
