"""Feedback Block Kit as golden JSON files (paste into Block Kit Builder); regenerate with UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from bot.blocks import feedback as blocks
from bot.sandbox.slack.blockkit import block_errors, view_errors
from bot.views.feedback import (
    AboutChoice,
    FeedbackForm,
    FeedbackGiven,
    FeedbackHomeView,
    FeedbackRequested,
    FeedbackRequestView,
    FeedbackUsage,
    FeedbackView,
)
from tests.support.golden import check_golden as shared_check_golden

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> & <https://evil.example|click> " + "ω" * 3000


def request(n: int = 7, about: str = "my demo", objective: str | None = None) -> FeedbackRequestView:
    return FeedbackRequestView(id=n, requester_id="URAVI", giver_id="UPAT", about=about, objective_title=objective,
                               state="pending", created_at=NOW)


def feedback(text: str = "Great demo; slow down on slide 3.", visibility: str = "private",
             manager: str | None = None, receiver: str = "URAVI") -> FeedbackView:
    return FeedbackView(id=1, giver_id="UPAT", receiver_id=receiver, text=text, visibility=visibility,
                        about="Launch the app", created_at=NOW, manager_id=manager)


MESSAGES = {
    "usage": blocks.usage(FeedbackUsage()),
    "usage_problem": blocks.usage(FeedbackUsage("I don't know `thanks`: use `request` or `give`.")),
    "request_sent": blocks.request_sent(FeedbackRequested(requests=(request(), request(8)),
                                                          already_pending=(request(9),))),
    "request_dm": blocks.request_dm(request(objective="Launch <the> app")),
    "request_dm_hostile": blocks.request_dm(request(about=HOSTILE)),
    "reminder_dm": blocks.request_dm(request(), reminder=True),
    "request_answered": blocks.request_answered(request()),
    "feedback_private": blocks.feedback_dm(feedback()),
    "feedback_with_manager": blocks.feedback_dm(feedback(visibility="private+manager", manager="UMARIA")),
    "feedback_hostile": blocks.feedback_dm(feedback(text=HOSTILE)),
}
FORM = FeedbackForm(receiver_id="URAVI", receiver_name="ravi", manager_name="maria", request=None,
                    choices=(AboutChoice("objective:1", "🎯 Launch the app"),
                             AboutChoice("1on1:4", "1-on-1 of 2026-11-12")),
                    initial_about=None, text="", metadata='{"req": null, "to": null}')
VIEWS = {
    "form_for_person": blocks.give_modal(FORM),
    "form_empty": blocks.give_modal(FeedbackForm(receiver_id=None, receiver_name="", manager_name=None, request=None,
                                                 choices=(), initial_about=None, text="", metadata="{}")),
    "form_for_request": blocks.give_modal(FeedbackForm(
        receiver_id="URAVI", receiver_name="ravi", manager_name=None, request=request(objective="Launch the app"),
        choices=(AboutChoice("objective:1", "🎯 Launch the app"),), initial_about="objective:1", text="",
        metadata='{"req": 7, "to": "URAVI"}')),
    "form_problem": blocks.give_modal(FeedbackForm(receiver_id=None, receiver_name="", manager_name=None,
                                                   request=None, choices=(), initial_about=None, text="",
                                                   metadata="{}", problem="<@UROBOT> is a bot, not a person.")),
    "notice": blocks.notice("You already gave <@URAVI> the feedback they asked for. Thank you!"),
    "given_private": blocks.given_done(FeedbackGiven("URAVI", "private", None, "")),
    "given_with_manager": blocks.given_done(FeedbackGiven("URAVI", "private+manager", "UMARIA", "")),
}
HOME = FeedbackHomeView(viewer_id="UMARIA", to_answer=(request(1), request(2), request(3)), to_answer_count=5,
                        received=(feedback(receiver="UMARIA"), feedback(HOSTILE, receiver="UMARIA")),
                        received_count=4, about_reports=(feedback(visibility="private+manager", manager="UMARIA"),),
                        waiting_on=(request(4),))


check_golden = partial(shared_check_golden, GOLDEN, sort_keys=True)


@pytest.mark.parametrize("name", MESSAGES)
def test_message_matches_golden_and_is_accepted(name: str) -> None:
    """Each feedback message is the reviewed Block Kit JSON and within Slack's limits."""
    check_golden(name, {"blocks": MESSAGES[name]})
    assert block_errors(MESSAGES[name]) == []


@pytest.mark.parametrize("name", VIEWS)
def test_modal_matches_golden_and_is_accepted(name: str) -> None:
    """The Give feedback form and its done views are the reviewed JSON and within Slack's limits."""
    check_golden(name, VIEWS[name])
    assert view_errors(VIEWS[name], kind="modal") == []


@pytest.mark.parametrize("budget", [7, 4, 1])
def test_home_section_respects_its_block_budget(budget: int) -> None:
    """The Home section never uses more blocks than the Home tab gives it."""
    section = blocks.home_section(HOME, budget)
    assert 0 < len(section) <= budget and block_errors(section) == []


def test_home_section_matches_golden() -> None:
    """The Home section with 7 blocks is the reviewed JSON."""
    check_golden("home", {"blocks": blocks.home_section(HOME, 7)})


def test_the_notification_text_never_carries_the_feedback() -> None:
    """Lock screens and notifications show who sent feedback, not what it says."""
    assert "slide" not in blocks.feedback_text(feedback())


def test_feedback_text_cannot_broadcast_or_forge_links() -> None:
    """<!channel> and <url|label> in feedback are escaped."""
    rendered = json.dumps(MESSAGES["feedback_hostile"])
    assert "<!channel>" not in rendered and "<https://evil" not in rendered


def test_the_request_form_does_not_let_the_giver_change_the_recipient() -> None:
    """Answering a request, the recipient is fixed: no person picker."""
    assert "users_select" not in json.dumps(VIEWS["form_for_request"])
