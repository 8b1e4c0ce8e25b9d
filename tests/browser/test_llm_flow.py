"""`okrbot sandbox --llm-stub` in headless Chromium: Maria asks for next steps from her leader view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.fake_llm import LABEL, stub_settings
from bot.sandbox.server import Sandbox
from tests.browser.conftest import SlackPage
from tests.support.stack import running_sandbox


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """The seeded sandbox pointed at the loopback model stand-in (what `--llm-stub` does)."""
    fake, env = stub_settings()
    try:
        with running_sandbox(tmp_path / "sandbox.db", env=env) as running:
            yield running
    finally:
        fake.stop()


def test_maria_reads_suggested_steps_and_what_was_sent(slack: SlackPage) -> None:
    """Home (with its Privacy part) → Suggest next steps → the labelled steps → What was sent shows the prompt."""
    from playwright.sync_api import expect

    slack.act_as("UMARIA")
    slack.open_app("Home")
    home = slack.page.locator("#home")
    expect(home).to_contain_text("Privacy: language model")
    home.get_by_role("button", name="Suggest next steps").first.click()
    expect(slack.modal()).to_contain_text(LABEL)
    expect(slack.modal()).to_contain_text("& agree on one date")
    slack.modal().get_by_role("button", name="What was sent").click()
    prompt = slack.page.get_by_role("dialog").filter(has_text="Only you can see this")
    expect(prompt).to_contain_text("[system]")
    expect(prompt).to_contain_text("Key result:")
