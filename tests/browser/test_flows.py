"""The whole product through a real browser: the sandbox page driving okrbot as people would in Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SlackPage

pytestmark = pytest.mark.browser

RAVIS_LAUNCH = "Onboarding v2 is live"


def request_one_on_one(slack: SlackPage, topic: str = "Onboarding metrics and the analytics blocker") -> None:
    """Ravi types /request-1on1 @maria <topic> in his conversation with okrbot."""
    slack.act_as("URAVI")
    slack.open_app("Messages")
    slack.send(f"/request-1on1 @maria {topic}")


def accept_with_a_time(slack: SlackPage, request: Any) -> None:
    """Maria clicks Accept on a request without a proposed time and picks a date next week at 10:00."""
    request.get_by_role("button", name="Accept").click()
    modal = slack.modal()
    expect(modal).to_contain_text("when shall you meet?")
    modal.get_by_label("Date").fill((datetime.now(UTC) + timedelta(days=7)).date().isoformat())
    modal.get_by_label("Time").fill("10:00")
    modal.get_by_role("button", name="Accept").click()
    expect(modal).to_have_count(0)


def test_ravi_requests_a_one_on_one_with_maria(slack: SlackPage) -> None:
    """Ravi's /request-1on1 is confirmed to him only, with Maria's name."""
    request_one_on_one(slack)
    confirmation = slack.page.locator("#messages .message.ephemeral")
    expect(confirmation).to_contain_text("I asked @Maria for a 1-on-1")
    expect(confirmation).to_contain_text("Only visible to you")


def test_maria_sees_the_request_with_a_badge_and_accepts_it(slack: SlackPage) -> None:
    """Maria sees okrbot unread, opens the request, clicks Accept; the message turns into the outcome in place."""
    request_one_on_one(slack)
    expect(slack.page.locator("#messages .message.ephemeral")).to_contain_text("I asked @Maria")
    slack.act_as("UMARIA")
    expect(slack.page.locator(".sidebar [data-app='okrbot'] .badge")).to_have_text("1")
    slack.open_app("Messages")
    request = slack.message("asks you for a 1-on-1")
    expect(request).to_contain_text("Onboarding metrics and the analytics blocker")
    accept_with_a_time(slack, request)
    expect(request).to_contain_text("Accepted")
    expect(request.get_by_role("button", name="Accept")).to_have_count(0)
    expect(slack.message("asks you for a 1-on-1")).to_have_count(1)


def test_ravi_hears_that_maria_accepted(slack: SlackPage) -> None:
    """After Maria accepts, Ravi's conversation with okrbot says so."""
    request_one_on_one(slack)
    expect(slack.page.locator("#messages .message.ephemeral")).to_contain_text("I asked @Maria")
    slack.act_as("UMARIA")
    slack.open_app("Messages")
    accept_with_a_time(slack, slack.message("asks you for a 1-on-1"))
    expect(slack.message("asks you for a 1-on-1")).to_contain_text("Accepted")
    slack.act_as("URAVI")
    slack.open_app("Messages")
    expect(slack.message("accepted your 1-on-1")).to_contain_text("@Maria")


def test_pat_claps_ravis_message_and_sees_the_kudos_post(slack: SlackPage) -> None:
    """Pat reacts :clap: to Ravi's message in #general; the kudos post for Ravi appears in #kudos."""
    slack.act_as("UPAT")
    slack.open_channel("general")
    launch = slack.message(RAVIS_LAUNCH)
    launch.hover()
    launch.get_by_role("button", name="React with clap").click()
    expect(launch.locator(".reaction.mine")).to_contain_text("1")
    slack.open_channel("kudos")
    post = slack.messages().filter(has_text="Ravi")
    expect(post.first).to_be_visible()
    expect(post.first).to_contain_text("Pat")


def test_reaction_picker_adds_and_removes_a_reaction(slack: SlackPage) -> None:
    """Any emoji can be added from the picker and taken back by clicking it again."""
    slack.act_as("UTOM")
    slack.open_channel("general")
    message = slack.message("Billing retries")
    message.hover()
    message.get_by_role("button", name="Add reaction").click()
    message.get_by_role("button", name="eyes").click()
    pill = message.locator(".reaction")
    expect(pill).to_contain_text("1")
    pill.click()
    expect(message.locator(".reaction")).to_have_count(0)


def test_jump_to_the_nudge_brings_marias_agenda_with_ravis_off_track_result(slack: SlackPage) -> None:
    """"Jump to this month's nudge" runs the scan; Maria's DM has Ravi's agenda with his off-track key result."""
    slack.act_as("UMARIA")
    slack.page.get_by_role("button", name="Jump to this month's nudge").click()
    expect(slack.page.locator(".sidebar [data-app='okrbot'] .badge")).to_be_visible()
    slack.open_app("Messages")
    agenda = slack.message("1-on-1 agendas")
    expect(agenda).to_contain_text("It's mid-month: time for a 1-on-1 with each of your reports")
    expect(agenda).to_contain_text("🔴 Raise week-1 activation from 30% to 45%")
    expect(agenda).to_contain_text("Blocked on the analytics events from the data team")


def test_home_tab_shows_maria_the_leader_view(slack: SlackPage) -> None:
    """Maria's Home tab answers where the team is, where the obstacles are and what to do next."""
    slack.act_as("UMARIA")
    slack.open_app("Home")
    home = slack.page.locator("#home")
    expect(home).to_contain_text("Where are we")
    expect(home).to_contain_text("obstacles")
    expect(home).to_contain_text("analytics")


def test_missing_required_field_shows_the_error_under_it(slack: SlackPage) -> None:
    """Submitting the 1-on-1 request form without a topic shows Slack's error under Topic; the form stays."""
    slack.act_as("URAVI")
    slack.open_app("Messages")
    slack.send("/request-1on1")
    modal = slack.modal()
    expect(modal).to_contain_text("Request a 1-on-1")
    modal.get_by_role("button", name="Send request").click()
    topic = modal.locator(".bk-input").filter(has_text="Topic")
    expect(topic.locator(".bk-error")).to_have_text("Please complete this required field.")
    expect(modal).to_be_visible()


def test_okrbots_own_field_error_shows_under_the_field(slack: SlackPage) -> None:
    """An error okrbot answers with (response_action: errors) shows under its field, as Slack shows it."""
    slack.act_as("UPAT")
    slack.open_app("Messages")
    slack.send("/okr new")
    modal = slack.modal()
    modal.get_by_label("Objective").fill("One design system across web and mobile")
    modal.locator(".bk-input").filter(has_text="Key result").first.locator("input").fill("Adopted by 3 teams")
    modal.locator(".bk-input").filter(has_text="Target value").first.locator("input").fill("3")
    modal.get_by_role("button", name="Create").click()
    title = modal.locator(".bk-input").filter(has_text="Objective").first
    expect(title.locator(".bk-error")).to_contain_text("already have an objective called that")
    expect(modal.get_by_label("Objective")).to_have_value("One design system across web and mobile")


def test_thread_reply_on_an_objective(slack: SlackPage) -> None:
    """Replying in an objective's thread in #okrs shows the reply in the thread pane."""
    slack.act_as("UMARIA")
    slack.open_channel("okrs")
    objective = slack.message("Make onboarding effortless")
    objective.hover()
    objective.get_by_role("button", name="Reply in thread").click()
    box = slack.page.locator("#thread-input")
    box.fill("Can the data team help with the events, @ravi?")
    box.press("Enter")
    thread = slack.page.locator("#thread-messages")
    expect(thread).to_contain_text("Can the data team help with the events, @Ravi?")
    expect(objective).to_contain_text("1 reply")


def test_commands_are_suggested_while_typing(slack: SlackPage) -> None:
    """Typing / lists okrbot's commands with their usage, like Slack's composer."""
    slack.page.locator("#composer-input").fill("/ku")
    suggestion = slack.page.locator("#suggestions .suggestion")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text("/kudos")
    expect(suggestion).to_contain_text("Thank colleagues publicly")


def test_unknown_command_is_answered_by_slackbot(slack: SlackPage) -> None:
    """A command okrbot does not have gets Slack's answer, visible only to its author."""
    slack.act_as("UTOM")
    slack.send("/weather berlin")
    notice = slack.page.locator("#messages .message.ephemeral")
    expect(notice).to_contain_text("Slackbot")
    expect(notice).to_contain_text("/weather is not a valid command")


def test_give_kudos_shortcut_opens_the_form_and_it_turns_into_the_receipt(slack: SlackPage) -> None:
    """"Give kudos" from a message's menu opens okrbot's form; sending it updates the modal in place."""
    slack.act_as("UPAT")
    slack.open_channel("general")
    launch = slack.message(RAVIS_LAUNCH)
    launch.hover()
    launch.get_by_role("button", name="More actions").click()
    launch.get_by_role("menuitem", name="Give kudos").click()
    modal = slack.modal()
    expect(modal).to_contain_text("Give kudos")
    expect(modal.get_by_label("People")).to_have_values(["URAVI"])
    modal.get_by_label("What for?").fill("for shipping onboarding v2 on time")
    modal.get_by_role("button", name="Send kudos").click()
    expect(modal).not_to_contain_text("What for?")
    expect(modal).to_contain_text("Ravi")
    modal.get_by_role("button", name="Done").click()
    expect(modal).to_be_hidden()


def test_pushed_modal_stacks_and_clear_closes_everything(slack: SlackPage) -> None:
    """Ada, with no objective, checks in: "New objective" pushes a second modal; creating it says so, and Done
    closes the whole stack (clear_on_close)."""
    slack.act_as("UADA")
    slack.open_app("Messages")
    slack.send("/okr checkin")
    modal = slack.modal()
    expect(modal).to_contain_text("You have no objectives")
    modal.get_by_role("button", name="New objective").click()
    expect(slack.page.locator("#modal-title")).to_have_text("New objective")
    expect(slack.page.get_by_role("button", name="Back")).to_be_visible()
    modal.get_by_label("Objective").fill("Keep okrbot running smoothly")
    modal.locator(".bk-input").filter(has_text="Key result").first.locator("input").fill("Uptime")
    modal.locator(".bk-input").filter(has_text="Target value").first.locator("input").fill("99.9")
    modal.get_by_role("button", name="Create").click()
    expect(slack.page.locator("#modal-title")).to_have_text("Objective created")
    expect(modal).to_contain_text("Keep okrbot running smoothly is saved with 1 key result")
    modal.get_by_role("button", name="Done").click()
    expect(modal).to_be_hidden()
    slack.open_channel("okrs")
    expect(slack.message("Keep okrbot running smoothly")).to_be_visible()


def test_choosing_a_person_updates_the_feedback_form_and_keeps_what_was_typed(slack: SlackPage) -> None:
    """Picking whom feedback is for sends block_actions; okrbot's views.update redraws the form, the text stays."""
    slack.act_as("UPAT")
    slack.open_app("Messages")
    slack.send("/feedback give")
    modal = slack.modal()
    expect(modal).to_contain_text("Give feedback")
    modal.get_by_label("Feedback").fill("The onboarding demo was crisp.")
    modal.get_by_label("For").select_option("URAVI")
    expect(modal).to_contain_text("Ravi and their manager (Maria)")
    expect(modal.get_by_label("Feedback")).to_have_value("The onboarding demo was crisp.")
    modal.get_by_role("button", name="Send").click()
    expect(modal).to_contain_text("Feedback sent to @Ravi")


def test_ticking_a_task_in_the_one_on_one_updates_it(slack: SlackPage) -> None:
    """In Ravi and Maria's group conversation, ticking the task carried into their next 1-on-1 (the seeded
    monthly series) sends the checkbox action and the card updates."""
    slack.act_as("UMARIA")
    slack.open_app("Messages")
    slack.page.locator("#dm-list button").filter(has_text="Ravi").click()
    agenda = slack.messages().filter(has_text="Monthly OKR check-in").filter(has_text="Talking points")
    expect(agenda).to_contain_text("1 open")
    expect(agenda).to_contain_text("all-hands")  # the talking point carried over from their last 1-on-1
    agenda.get_by_role("checkbox", name="Done").check()
    expect(agenda).to_contain_text("0 open")
    expect(agenda).to_contain_text("(edited)")


def test_check_in_shows_status_emoji_and_confirms_what_was_saved(slack: SlackPage) -> None:
    """The status choices show 🟢/🔴 (not :codes:); saving turns the modal into "Check-in saved"."""
    slack.act_as("UPAT")
    slack.open_app("Messages")
    slack.send("/okr checkin")
    modal = slack.modal()
    expect(modal).to_contain_text("Move 40 components")
    choices = modal.locator("select option").all_inner_texts()
    assert any("🟢" in c for c in choices) and not any(":large_green_circle:" in c for c in choices), choices
    modal.locator(".bk-input").filter(has_text="Current value").first.locator("input").fill("25")
    slack.page.locator("#modal-submit").click()
    expect(slack.page.locator("#modal-title")).to_have_text("Check-in saved")
    expect(modal).to_contain_text("1 key result updated")


def test_an_obstacle_checked_in_by_a_report_reaches_the_leader_view_newest_last(slack: SlackPage) -> None:
    """Tom marks his release off track with an obstacle; Maria's leader view lists it with its text, after
    Ravi's older obstacles (oldest first), and counts one more key result off track."""
    slack.act_as("UMARIA")
    slack.open_app("Home")
    expect(slack.page.locator("#home")).to_contain_text("2 key results off track, oldest first")
    slack.act_as("UTOM")
    slack.open_app("Messages")
    slack.send("/okr checkin")
    modal = slack.modal()
    expect(modal).to_contain_text("Ship the mobile app")
    first = modal.locator(".bk-input").filter(has_text="Status").first
    first.locator("select").select_option(label="🔴 Off track")
    modal.get_by_label("Obstacles").first.fill("Apple's review rejected the build twice")
    slack.page.locator("#modal-submit").click()
    expect(slack.page.locator("#modal-title")).to_have_text("Check-in saved")
    modal.get_by_role("button", name="Done").click()
    slack.act_as("UMARIA")
    slack.open_app("Home")
    home = slack.page.locator("#home")
    expect(home).to_contain_text("3 key results off track, oldest first")
    text = home.inner_text()
    assert text.index("Blocked on the analytics events") < text.index("Apple's review rejected the build twice")
