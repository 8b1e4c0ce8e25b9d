"""The sandbox page in headless Chromium (Debian's /usr/bin/chromium; Playwright's own download is not used).

Each test starts its own sandbox on an ephemeral port with a temporary SQLite file, and drives the page
like a person: pick who you are, click in the sidebar, type in the composer, click buttons.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.screenshots import CHROMIUM, launch_chromium
from bot.sandbox.server import Sandbox
from tests.support.stack import running_sandbox

TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole run (each test gets its own context)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A fresh seeded sandbox (scheduler off: the test decides when the nudge runs)."""
    with running_sandbox(tmp_path / "sandbox.db") as running:
        yield running


@pytest.fixture
def slack(browser: Any, sandbox: Sandbox) -> Iterator[SlackPage]:
    """The sandbox page, open in a new browser context."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(sandbox.url)
    page.locator("#start").wait_for()  # a first visit opens on the guided start; the tests begin in #general
    page.locator(".sidebar [data-channel='CGENERAL']").click()
    page.locator(".message").first.wait_for()
    try:
        yield SlackPage(page, sandbox)
        assert errors == [], f"JavaScript errors on the page: {errors}"
    finally:
        context.close()


class SlackPage:
    """What a person does on the page, in their words."""

    def __init__(self, page: Any, sandbox: Sandbox) -> None:
        self.page = page
        self.sandbox = sandbox

    def act_as(self, user_id: str) -> None:
        """Pick who you are in the "You are" switcher."""
        self.page.get_by_label("You are").select_option(user_id)

    def open_channel(self, name: str) -> None:
        """Click a channel in the sidebar."""
        self.page.locator(".sidebar [data-channel]").filter(has_text=f"# {name}").click()
        self.page.locator(".pane-title").filter(has_text=f"# {name}").wait_for()

    def open_app(self, tab: str) -> None:
        """Click okrbot under Apps, then its Home or Messages tab."""
        self.page.locator(".sidebar [data-app='okrbot']").click()
        self.page.get_by_role("tab", name=tab).click()

    def send(self, text: str) -> None:
        """Type in the composer and press Enter."""
        box = self.page.locator("#composer-input")
        box.fill(text)
        box.press("Enter")

    def messages(self) -> Any:
        """The messages of the open conversation."""
        return self.page.locator("#messages .message")

    def message(self, text: str) -> Any:
        """The message of the open conversation that shows `text`."""
        return self.messages().filter(has_text=text)

    def modal(self) -> Any:
        """The open modal."""
        return self.page.get_by_role("dialog")
