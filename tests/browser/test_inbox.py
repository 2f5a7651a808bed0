"""The inbox in the browser: the unread count in the header on a phone, reading and
marking messages read."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ruhu.common.inbox import inbox_post
from tests.browser.pages import horizontal_overflow, log_in, shoot, small_tap_targets

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_manager_sees_the_count_reads_the_alerts_and_marks_them_read(open_page, bob, size):
    for n in (1, 2, 3):
        inbox_post(
            users=[bob],
            subject=f"安全提醒：carol{n} 查看个人信息超过每小时上限",
            body="在一小时内查看完整个人信息已达 20 次上限，之后的查看已被拒绝。",
            link="/audit/?actor=carol&action=pii.unmask",
        )
    page = open_page(size)
    log_in(page, "bob")
    expect(page.get_by_test_id("inbox-unread")).to_have_text("3")
    assert horizontal_overflow(page) == 0
    assert small_tap_targets(page) == []
    page.get_by_test_id("inbox-link").click()
    expect(page.get_by_test_id("inbox-message")).to_have_count(3)
    shoot(page, f"inbox-{size}")
    assert horizontal_overflow(page) == 0
    if size == "phone":
        assert small_tap_targets(page) == []
    page.get_by_test_id("inbox-message").first.get_by_role("button", name="标为已读").click()
    expect(page.get_by_test_id("inbox-unread")).to_have_text("2")
    page.get_by_test_id("inbox-read-all").click()
    expect(page.get_by_test_id("inbox-unread")).to_have_count(0)
    page.get_by_test_id("inbox-message").first.get_by_role("link", name="查看").click()
    expect(page).to_have_url("/audit/?actor=carol&action=pii.unmask")
