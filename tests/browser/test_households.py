"""Household pages in the browser: the list and unmasking personal data through HTMX."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from ruhu.common.models import AuditEvent
from tests.browser.pages import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_manager_unmasks_a_phone_with_a_reason_without_reloading_the_page(
    open_page, bob, household_a
):
    page = open_page("phone")
    log_in(page, "bob")
    page.goto(f"/households/{household_a.pk}/")
    phone = page.locator("#pii-phone")
    expect(phone).to_contain_text("139****5678")
    page.evaluate("window.__sameDocument = true")

    phone.get_by_role("button", name="查看完整").click()
    reason = phone.get_by_label("查看原因")
    expect(reason).to_be_focused()
    reason.fill("用户来电核实身份")
    with page.expect_response(lambda r: r.url.endswith("/unmask/")) as answer:
        phone.get_by_role("button", name="确认查看").click()
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true"

    revealed = page.get_by_test_id("unmasked-phone")
    expect(revealed).to_be_visible()
    assert "13912345678" in revealed.inner_text().replace(" ", "")
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    expect(page.locator("#pii-id_number")).to_contain_text("*")  # the other field stays masked

    event = AuditEvent.objects.get(action="pii.unmask", actor=bob)
    assert event.reason == "用户来电核实身份"
    page.reload()
    expect(page.get_by_text("用户来电核实身份")).to_be_visible()


def test_a_too_short_reason_is_refused_and_the_number_stays_hidden(page, bob, household_a):
    log_in(page, "bob")
    page.goto(f"/households/{household_a.pk}/")
    phone = page.locator("#pii-phone")
    phone.get_by_role("button", name="查看完整").click()
    reason = phone.get_by_label("查看原因")
    reason.fill("看")
    phone.get_by_role("button", name="确认查看").click()
    # the browser's own check stops the request: nothing is revealed, nothing logged
    assert reason.evaluate("el => el.validity.valid") is False
    expect(page.get_by_test_id("unmasked-phone")).to_have_count(0)
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_an_inspector_sees_the_masked_number_and_no_unmask_button(page, charlie, household_a):
    log_in(page, "charlie")
    page.goto(f"/households/{household_a.pk}/")
    expect(page.locator("#pii-phone")).to_contain_text("139****5678")
    expect(page.get_by_role("button", name="查看完整")).to_have_count(0)
    expect(page.locator("form[hx-post]")).to_have_count(0)


def test_the_list_searches_in_place(page, bob, household_a, org):
    from ruhu.premises.services import household_create

    household_create(
        acting_user=None,
        branch=org.a,
        account_no="A000002",
        name="张敏",
        category="commercial",
        phone="13611112222",
        address="望江花园3幢1单元301室",
    )
    log_in(page, "bob")
    page.goto("/households/")
    rows = page.locator("#household-rows tbody tr")
    expect(rows).to_have_count(2)
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("searchbox").fill("望江花园")
    page.get_by_role("button", name="查找").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("A000002")
    assert page.evaluate("window.__sameDocument") is True
    page.wait_for_url("**/households/?s=*")  # the term stays out of the URL (common.search)
    assert "望江" not in unquote(page.url) and "q=" not in page.url


def test_an_upload_imports_households_and_reports_bad_rows(open_page, bob, org, settings, tmp_path):
    import csv

    from tests.browser.pages import shoot
    from tests.premises.test_import import BAD, GOOD, HEADER

    settings.MEDIA_ROOT = tmp_path
    path = tmp_path / "客户导出.csv"
    with open(path, "w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(GOOD + BAD)
    page = open_page("phone")
    log_in(page, "bob")
    page.goto("/households/")
    page.get_by_role("link", name="导入").click()
    shoot(page, "household-import-phone")
    page.get_by_label("文件（CSV 或 XLSX）").set_input_files(str(path))
    page.get_by_label("有错误行时").select_option("valid")
    page.get_by_role("button", name="开始导入").click()
    status = page.get_by_test_id("import-status")
    expect(status).to_contain_text("已完成")
    expect(page.get_by_test_id("import-inserted")).to_have_text("3")
    expect(page.get_by_test_id("import-rejected")).to_have_text("3")
    expect(page.get_by_role("link", name="下载错误报告")).to_be_visible()
    shoot(page, "household-import-done-phone")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_list_longer_than_its_count_pages_to_its_end_and_jumps(
    open_page, bob, org, size, monkeypatch
):
    """Decision 0032: past the cap the list says "3+" and still reaches every page."""
    from tests.browser.pages import horizontal_overflow, shoot, small_tap_targets
    from tests.factories import make_household

    monkeypatch.setattr("ruhu.premises.views.COUNT_CAP", 3)
    monkeypatch.setattr("ruhu.premises.views.HOUSEHOLDS_PER_PAGE", 2)
    for n in range(7):
        make_household(org.a, account_no=f"A{n:06d}", name=f"住户{n}", address=f"翠苑小区{n}幢")
    page = open_page(size)
    log_in(page, "bob")
    page.goto("/households/")
    expect(page.get_by_test_id("household-count")).to_have_text("3+ 户")
    expect(page.get_by_test_id("page-of")).to_have_text("第 1 / 2+ 页")
    shoot(page, f"household-list-capped-{size}")
    assert horizontal_overflow(page) == 0
    if size == "phone":
        assert small_tap_targets(page) == []
    page.get_by_role("spinbutton").fill("4")
    page.get_by_role("button", name="跳转").click()
    rows = page.locator("#household-rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("A000006")
    expect(page.locator("a[rel=next]")).to_have_count(0)
    expect(page.get_by_test_id("page-of")).to_have_text("第 4 / 4 页")
    page.locator("a[rel=prev]").click()
    expect(page.get_by_test_id("page-of")).to_have_text("第 3 / 4+ 页")
    expect(rows.first).to_contain_text("A000004")
    shoot(page, f"household-list-capped-page3-{size}")
