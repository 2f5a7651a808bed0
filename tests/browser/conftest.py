"""Browser fixtures: one headless Debian Chromium per session, a fresh context per page.

Playwright's sync API runs an asyncio event loop in the test thread; Django refuses ORM
calls from a thread with a running loop unless told the caller knows what it is doing.
`BrowserSession` says so (DJANGO_ALLOW_ASYNC_UNSAFE) only for as long as that loop runs,
not from import time: other tests' subprocesses (`ruhu check --deploy`) inherit the
environment, and the deploy check rightly refuses that variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pytest_django.plugin import blocking_manager_key

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SIZES = {"phone": PHONE, "desktop": DESKTOP}


class BrowserSession:
    """One Chromium for the session's run of browser tests, started on first use.

    Playwright's sync API keeps an event loop running in the test thread while it is
    started, and Django refuses ORM calls there unless DJANGO_ALLOW_ASYNC_UNSAFE is set.
    The variable is set only while Chromium runs; once the browser tests are done
    (`pytest_runtest_teardown` below) it is removed again, before the suite's non-db tests,
    which pytest-django runs last, spawn `ruhu check --deploy` and the like.
    """

    def __init__(self):
        self._playwright = None
        self._browser: Browser | None = None
        self._previous_env: str | None = None

    def new_context(self, **options) -> BrowserContext:
        return self._start().new_context(**options)

    def _start(self) -> Browser:
        if self._browser is not None:
            return self._browser
        self._previous_env = os.environ.get(ASYNC_UNSAFE)
        os.environ[ASYNC_UNSAFE] = "true"
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        return self._browser

    def stop(self) -> None:
        if self._browser is None:
            return
        from django.db import connections

        connections.close_all()  # the connections opened while the loop ran
        self._browser.close()
        self._playwright.stop()
        self._browser = self._playwright = None
        if self._previous_env is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = self._previous_env


_SESSION = BrowserSession()


@pytest.fixture(scope="session")
def browser(django_db_setup) -> BrowserSession:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    yield _SESSION
    _SESSION.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Stop Chromium after the last browser test, before the suite's non-database tests."""
    yield
    if item.get_closest_marker("browser") is None or nextitem is None:
        return
    if nextitem.get_closest_marker("browser") is None:
        with item.config.stash[blocking_manager_key].unblock():
            _SESSION.stop()


@pytest.fixture
def open_page(browser, live_server):
    """`open_page("phone")` → a page in a new context (own cookies), closed after the test.

    The context asks for Chinese, as the staff's phones and desktops do; Django's
    LocaleMiddleware would otherwise answer an en-US browser in English.
    """
    contexts = []

    def make(size: str = "desktop") -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES[size]
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page) -> Page:
    return open_page("desktop")
