"""Buttons repeated per person or per objective act on the one clicked, never on the first of their kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SlackPage

pytestmark = pytest.mark.browser


def _nudge_as_maria(slack: SlackPage) -> None:
    slack.act_as("UMARIA")
    slack.page.get_by_role("button", name="Jump to this month's nudge").click()
    expect(slack.page.locator(".sidebar [data-app='okrbot'] .badge")).to_be_visible()
    slack.open_app("Messages")
    expect(slack.page.locator("#messages").get_by_role("button", name="Open agenda")).to_have_count(3)


def test_second_open_agenda_opens_the_second_reports_agenda(slack: SlackPage) -> None:
    """Maria's agendas list Lena, Ravi, Tom: "Open agenda" under Ravi's opens Ravi's agenda, not Lena's."""
    _nudge_as_maria(slack)
    slack.page.locator("#messages").get_by_role("button", name="Open agenda").nth(1).click()
    modal = slack.modal()
    expect(modal).to_contain_text("Raise week-1 activation")
    expect(modal).not_to_contain_text("Failed renewals")


def test_second_snooze_snoozes_the_second_report(slack: SlackPage) -> None:
    """"Snooze a week" under Ravi's agenda snoozes Ravi's; Lena's and Tom's keep their Snooze button."""
    _nudge_as_maria(slack)
    buttons = slack.page.locator("#messages").get_by_role("button", name="Snooze a week")
    buttons.nth(1).click()
    expect(buttons).to_have_count(2)
    messages = slack.page.locator("#messages")
    ravi = messages.locator(".bk-block").filter(has_text="Snoozed")
    expect(ravi).to_have_count(1)
    texts = messages.inner_text()
    assert texts.index("@Ravi ·") < texts.index("Snoozed") < texts.index("@Tom ·"), texts


def test_second_accept_in_the_home_accepts_the_second_request(slack: SlackPage) -> None:
    """Two requests wait in Maria's Home; Accept on the second one accepts that request, not the first."""
    slack.act_as("UTOM")
    slack.open_app("Messages")
    slack.send("/request-1on1 @maria Mobile release plan")
    expect(slack.page.locator("#messages .message.ephemeral")).to_contain_text("I asked @Maria")
    slack.act_as("URAVI")
    slack.open_app("Messages")
    slack.send("/request-1on1 @maria Analytics blocker")
    expect(slack.page.locator("#messages .message.ephemeral")).to_contain_text("I asked @Maria")
    slack.act_as("UMARIA")
    slack.open_app("Home")
    home = slack.page.locator("#home")
    accept = home.get_by_role("button", name="Accept", exact=True)
    expect(accept).to_have_count(2)
    second = home.locator(".bk-section").filter(has_text="asks for a 1-on-1").nth(1).inner_text()
    accepted, waiting = ("URAVI", "UTOM") if "Ravi" in second else ("UTOM", "URAVI")
    names = {"URAVI": "Ravi", "UTOM": "Tom"}
    accept.nth(1).click()
    modal = slack.modal()  # no time was proposed: Accept asks for one
    modal.get_by_label("Date").fill((datetime.now(UTC) + timedelta(days=7)).date().isoformat())
    modal.get_by_label("Time").fill("10:00")
    modal.get_by_role("button", name="Accept").click()
    expect(accept).to_have_count(1)
    expect(home.locator(".bk-section").filter(has_text="asks for a 1-on-1")).to_contain_text(names[waiting])
    slack.act_as(accepted)
    slack.open_app("Messages")
    expect(slack.message("accepted your 1-on-1")).to_have_count(1)


def test_check_in_beside_the_second_objective_checks_in_on_it(slack: SlackPage) -> None:
    """Tom adds a second objective; "Check in" beside it in his Home opens the check-in of that objective."""
    slack.act_as("UTOM")
    slack.open_app("Messages")
    slack.send("/okr new")
    modal = slack.modal()
    modal.get_by_label("Objective").fill("Make the support queue calm")
    modal.locator(".bk-input").filter(has_text="Key result").first.locator("input").fill("Tickets answered in a day")
    modal.locator(".bk-input").filter(has_text="Target value").first.locator("input").fill("90")
    modal.get_by_role("button", name="Create").click()
    modal.get_by_role("button", name="Done").click()
    expect(modal).to_be_hidden()
    slack.open_app("Home")
    home = slack.page.locator("#home")
    objectives = home.locator(".bk-section").filter(has=slack.page.get_by_role("button", name="Check in"))
    expect(objectives).to_have_count(2)
    second = objectives.nth(1)
    title = "Make the support queue calm" if "support queue" in second.inner_text() else "Ship the mobile app"
    other = "Ship the mobile app" if title.startswith("Make") else "Make the support queue calm"
    second.get_by_role("button", name="Check in").click()
    expect(slack.modal()).to_contain_text(title)
    expect(slack.modal()).not_to_contain_text(other)
