"""The page opens on a guided start: three things to try, each one click away."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from bot.sandbox.server import Sandbox
from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh(browser: Any, sandbox: Sandbox) -> Any:
    """The sandbox page as a first-time visitor sees it."""
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(sandbox.url)
    yield page
    context.close()


def test_page_opens_on_the_guided_start(fresh: Any) -> None:
    """A first visit shows the three things to try, not #general's chatter."""
    start = fresh.locator("#start")
    expect(start).to_be_visible()
    expect(start.locator(".start-step")).to_have_count(3)
    expect(fresh.locator("#messages")).to_be_hidden()


def test_agenda_is_one_click_away(fresh: Any) -> None:
    """"The mid-month agenda, as Maria" switches to Maria and shows her agendas in her DM with okrbot."""
    fresh.get_by_role("button", name="The mid-month agenda, as Maria").click()
    expect(fresh.get_by_label("You are")).to_have_value("UMARIA")
    expect(fresh.locator("#messages")).to_contain_text("1-on-1 agendas")


def test_request_is_one_click_away(fresh: Any) -> None:
    """"A 1-on-1 request, as Ravi" opens okrbot's request form as Ravi."""
    fresh.get_by_role("button", name="A 1-on-1 request, as Ravi").click()
    expect(fresh.get_by_label("You are")).to_have_value("URAVI")
    expect(fresh.get_by_role("dialog")).to_contain_text("Request a 1-on-1")


def test_kudos_is_one_click_away(fresh: Any) -> None:
    """"Kudos with a clap, as Pat" opens #general as Pat with Ravi's launch note outlined, ready for 👏."""
    fresh.get_by_role("button", name="Kudos with a clap, as Pat").click()
    expect(fresh.get_by_label("You are")).to_have_value("UPAT")
    launch = fresh.locator("#messages .message.spotlight")
    expect(launch).to_contain_text("Onboarding v2 is live")
    launch.hover()
    launch.get_by_role("button", name="React with clap").click()
    fresh.locator(".sidebar [data-channel='CKUDOS']").click()
    expect(fresh.locator("#messages")).to_contain_text("Pat")
