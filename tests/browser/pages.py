"""Helpers for the browser tests: signing in, screenshots, layout checks."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real login page and wait for the home page."""
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("home-role")).to_be_visible()


def shoot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 = no sideways scroll)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


TAP_TARGETS = "button, input:not([type=hidden]), select, nav a, a.btn, a.tile, a.back"


def small_tap_targets(page: Page, minimum: float = 44) -> list[str]:
    """Visible controls smaller than `minimum` CSS pixels either way, described for a message."""
    return page.evaluate(
        """([selector, minimum]) => [...document.querySelectorAll(selector)]
            .filter(el => el.offsetParent !== null)
            // a checkbox or radio is tapped through its label, which must be big enough
            .map(el => [el, (/^(checkbox|radio)$/.test(el.type) && el.closest("label")
                             ? el.closest("label") : el).getBoundingClientRect()])
            .filter(([el, r]) => r.height + 0.5 < minimum || r.width + 0.5 < minimum)
            .map(([el, r]) => {
                const label = (el.innerText || el.name || "").trim();
                const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
                return `${el.tagName.toLowerCase()} "${label}" ${size}`;
            })""",
        [TAP_TARGETS, minimum],
    )
