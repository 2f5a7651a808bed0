"""The in-app inbox: posting, the user's own list, marking read, the header's unread count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruhu.common.errors import NotFound, ValidationFailed
from ruhu.common.inbox import (
    inbox_list,
    inbox_mark_read,
    inbox_post,
    inbox_unread_count,
    users_holding,
)
from ruhu.common.models import InboxMessage
from tests.conftest import login


def post(users, subject="安全提醒", **extra):
    return inbox_post(users=users, subject=subject, body="正文", **extra)


def test_it_posts_to_users_or_their_ids(alice, bob):
    assert post([alice, bob.pk], link="/audit/") == 2
    assert sorted(InboxMessage.objects.values_list("recipient__username", flat=True)) == [
        "alice",
        "bob",
    ]


def test_it_posts_once_per_recipient_and_dedupe_key(alice, bob):
    assert post([alice], dedupe_key="k1") == 1
    assert post([alice, bob], dedupe_key="k1") == 1  # only bob is new
    assert post([alice], dedupe_key="k2") == 1
    assert post([alice]) == 1 and post([alice]) == 1  # no key: no deduplication
    assert InboxMessage.objects.filter(recipient=alice).count() == 4


@pytest.mark.parametrize(
    "link", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)", "/\\evil"]
)
def test_it_refuses_a_link_out_of_ruhu(alice, link):
    with pytest.raises(ValidationFailed) as refused:
        post([alice], link=link)
    assert refused.value.code == "inbox_bad_link"
    assert not InboxMessage.objects.exists()


def test_it_refuses_an_empty_subject(alice):
    with pytest.raises(ValidationFailed):
        post([alice], subject="  ")
    assert not InboxMessage.objects.exists()


def test_each_user_reads_only_their_own(alice, bob):
    post([alice], subject="给 alice")
    post([bob], subject="给 bob")
    assert [m.subject for m in inbox_list(acting_user=bob)] == ["给 bob"]
    assert inbox_unread_count(acting_user=bob) == 1
    theirs = InboxMessage.objects.get(recipient=alice)
    with pytest.raises(NotFound):
        inbox_mark_read(acting_user=bob, message_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_finds_the_security_alert_holders_of_a_branch_and_head_office(
    org, alice, bob, bella, charlie
):
    holders = users_holding(capability="security.alerts", branch_id=org.a.pk)
    assert [u.username for u in holders] == ["alice", "bob"]
    assert [u.username for u in users_holding(capability="security.alerts", branch_id=None)] == [
        "alice"
    ]


def test_the_page_lists_marks_read_and_the_header_counts(client, bob, alice):
    post([bob], subject="第一条", link="/audit/")
    post([bob], subject="第二条")
    post([alice], subject="别人的")
    login(client, bob)
    home = client.get("/").content.decode()
    assert 'data-testid="inbox-unread">2<' in home
    page = client.get("/me/inbox/").content.decode()
    assert "第一条" in page and "第二条" in page and "别人的" not in page
    first = InboxMessage.objects.get(subject="第一条")
    assert client.post(f"/me/inbox/{first.pk}/read/").status_code == 302
    assert 'data-testid="inbox-unread">1<' in client.get("/").content.decode()
    foreign = InboxMessage.objects.get(subject="别人的")
    assert client.post(f"/me/inbox/{foreign.pk}/read/").status_code == 404
    assert client.post("/me/inbox/read/").status_code == 302
    assert "inbox-unread" not in client.get("/me/inbox/").content.decode()
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_the_header_count_costs_one_query(client, bob):
    post([bob])
    login(client, bob)
    client.get("/me/tokens/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/me/tokens/")
    counts = [q["sql"] for q in captured if "common_inboxmessage" in q["sql"]]
    assert len(counts) == 1 and "COUNT(" in counts[0].upper()


def test_it_needs_a_login(client, db):
    response = client.get("/me/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post("/me/inbox/read/").status_code in (302, 403)
