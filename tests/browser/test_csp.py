"""The main pages under the Content-Security-Policy in Chromium: nothing refused, nothing
fetched from outside loopback, and the moved inline code (schedule ticks, import progress)
still works. Also: a phone search leaves no number in the address bar."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Page, expect

from ruhu.accounts.roles import Role
from ruhu.common.models import ImportJob
from ruhu.premises.services import household_create
from tests.browser.pages import log_in
from tests.browser.test_facility_pages import station  # noqa: F401 (fixture)
from tests.browser.test_visit import open_visit, picture, task  # noqa: F401 (fixtures)
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script; the CSP does not apply to what Playwright injects.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${where}`);
});
"""


class Watch:
    """A page's CSP reports (events and console) and every URL it requested."""

    def __init__(self, page: Page):
        self.page, self.console, self.requests = page, [], []
        page.add_init_script(WATCH)
        page.on("console", self._on_console)
        page.on("request", lambda request: self.requests.append(request.url))

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations || []") + self.console

    def outside(self, base: str) -> list[str]:
        host = urlsplit(base).netloc
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "blob:")) and urlsplit(url).netloc != host
        ]


@pytest.fixture
def watched(open_page):
    def make(size: str = "desktop") -> tuple[Page, Watch]:
        page = open_page(size)
        return page, Watch(page)

    return make


def test_the_watch_sees_a_refused_inline_style(watched, bob):
    page, watch = watched()
    log_in(page, "bob")
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<p style="color:red">x</p>')""")
    page.wait_for_function("window.__violations.length > 0")
    assert "style-src-attr" in watch.violations()[0]


def test_home_and_a_phone_search_break_no_rule_and_keep_the_number_out_of_the_url(
    watched, org, bob, household_a
):
    household_create(
        acting_user=None, branch=org.a, account_no="A000002", name="张敏",
        category="commercial", phone="13611112222",
    )  # fmt: skip
    page, watch = watched()
    log_in(page, "bob")
    page.goto("/households/")
    rows = page.locator("#household-rows tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_role("searchbox").fill("139 1234 5678")
    page.get_by_role("button", name="查找").click()
    expect(rows).to_have_count(1)
    page.wait_for_url("**/households/?s=*")
    expect(rows.first).to_contain_text("A000001")
    assert "s=" in page.url and "1234" not in page.url and "q=" not in page.url
    page.get_by_text("更多筛选").click()
    page.get_by_label("用户类别").select_option("commercial")  # a filter keeps the search
    expect(page.locator("#household-rows")).to_contain_text("没有符合条件的用户")
    assert "category=commercial" in page.url and "1234" not in page.url
    page.go_back()
    expect(page.locator("#household-rows")).to_contain_text("A000001")
    page.goto("/")
    assert watch.violations() == []
    assert watch.outside(page.url) == []


def test_the_front_desk_checks_a_badge_by_phone_without_a_number_in_the_url(watched, org, bob):
    make_user("rita", Role.RECEPTION, org.a)
    page, watch = watched("phone")
    log_in(page, "rita")
    page.get_by_label("核验员工").fill("13812348000")
    page.get_by_role("button", name="核验").click()
    expect(page.locator("table")).to_contain_text("Bob")
    assert "/staff/?s=" in page.url and "13812348000" not in page.url
    assert watch.violations() == []


def test_a_visit_on_a_phone_with_a_photo_breaks_no_rule(open_page, task, picture):  # noqa: F811
    page, hand = open_visit(open_page, task)
    watch = Watch(page)
    page.reload()  # the watch is in place from this load on
    hand.tap(page.get_by_role("button", name="开始入户"))
    hand.tap(page.get_by_role("button", name="已入户"))
    hose = page.locator('[data-item="hose_condition"]')
    hand.tap(hose.get_by_role("radio", name="隐患"))
    form = hose.locator("[data-hazard]")
    hand.photo(form.locator('input[data-photo="before"]'), picture("red"))
    expect(form.locator("[data-thumbs-before] img")).to_have_count(1)  # a data: URL
    assert watch.violations() == []
    assert watch.outside(page.url) == []


def test_the_schedule_ticks_rows_from_its_script_file(watched, station):  # noqa: F811
    page, watch = watched()
    log_in(page, "lena")
    page.goto("/facilities/schedule/")
    expect(page.get_by_test_id("schedule-row")).to_have_count(3)
    page.locator("[data-select-all]").check()
    expect(page.locator("[data-picked]")).to_contain_text("已选 3 个设施")
    page.get_by_test_id("schedule-row").first.get_by_role("checkbox").uncheck()
    expect(page.locator("[data-picked]")).to_contain_text("已选 2 个设施")
    expect(page.locator("[data-select-all]")).not_to_be_checked()
    assert watch.violations() == []


def test_the_import_progress_bar_needs_no_inline_style(watched, bob, org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ImportJob(
        kind="household", branch=org.a, mode="valid", file_name="客户.csv",
        status=ImportJob.Status.RUNNING, rows_total=200, rows_read=50, created_by=bob,
    )  # fmt: skip
    job.file.save("x.csv", ContentFile(b"a,b\n"), save=False)
    job.save()
    page, watch = watched()
    log_in(page, "bob")
    page.goto(f"/households/import/{job.pk}/")
    bar = page.locator("progress.progress")
    expect(bar).to_have_attribute("value", "25")
    assert bar.bounding_box()["width"] > 100
    ImportJob.objects.filter(pk=job.pk).update(rows_read=150)
    expect(bar).to_have_attribute("value", "75")  # polled in by htmx
    assert watch.violations() == []


def test_the_admin_change_form_works_under_the_policy(watched, alice, bob):
    page, watch = watched()
    log_in(page, "alice")
    page.goto(f"/admin/accounts/user/{bob.pk}/change/")
    expect(page.locator("#user_form")).to_be_visible()
    page.goto("/admin/common/policyvalue/add/")
    expect(page.locator("#policyvalue_form")).to_be_visible()
    page.locator(".datetimeshortcuts a").first.click()  # the admin's own scripts run
    assert watch.violations() == []
    assert watch.outside(page.url) == []


def test_the_api_docs_render_from_loopback_only(watched, alice):
    page, watch = watched()
    log_in(page, "alice")
    page.goto("/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    assert page.locator(".opblock").count() > 40
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/households/search")
    ).to_have_count(1)
    assert watch.violations() == []
    assert watch.outside(page.url) == []
