"""Every slash command and every modal's inputs fed nasty text (unicode, RTL, NUL, 10k characters, Slack
markup): always a clear answer, never the generic apology, never a 5xx."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.ids import SharedAction
from bot.sandbox.slack.shapes import new_trigger_id
from bot.views import feedback as feedback_views
from bot.views import kudos as kudos_views
from bot.views.okrs import OkrView
from bot.views.one_on_ones import OneOnOneAction, OneOnOneModal
from tests.e2e.foundation.test_hostile import button
from tests.e2e.one_on_ones.flow import request_and_accept
from tests.support.hostile import FORM_TYPE, interaction_body, post, signed_headers
from tests.support.reading import listeners_done, modal
from tests.support.stack import SIGNING_SECRET, TEAM, Stack

APOLOGY = "Sorry, something went wrong"
NASTY = (
    "", " ", "é漢字🙂👩‍👩‍👧", "\u202eevil RTL override\u202c", "مرحبا بالعالم", "nul\x00byte", "x" * 10_000,
    "<!channel> <!here> <!everyone>", "<@UMARIA|maria> <#CGENERAL|general> <https://evil.example|click>",
    "*b* _i_ ~s~ `c` ```block``` &lt;&gt;&amp;", "=cmd|'/C calc'!A0", "\r\n\t", "１２３", "-1", "1e400",
    "99999999999999999999999", "'; DROP TABLE people; --", "\ufffd\ue000\U0010ffff",
)
COMMANDS = {
    "/okr": ("", "list", "new", "checkin", "away", "away until", "help", "bogus"),
    "/kudos": ("", "<@URAVI|ravi>", "top", "help"),
    "/feedback": ("", "request <@UMARIA|maria> about", "give", "give <@URAVI|ravi>", "help"),
    "/request-1on1": ("", "<@UMARIA|maria>", "help"),
}


def answers_of(stack: Stack, before: int) -> list[str]:
    """Everything okrbot sent to Slack since call `before`, as text."""
    listeners_done(stack, timeout=30)
    return [json.dumps(call.args, ensure_ascii=False) for call in stack.slack.calls[before:]]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_slash_command_answers_nasty_text_clearly(stack: Stack, command: str) -> None:
    """Each subcommand followed by each nasty text: 200 and an answer (the reply, a response_url post or a
    modal), never the generic apology."""
    stack.set_manager("URAVI", "UMARIA")
    before = len(stack.slack.calls)
    sent: list[tuple[str, str, str]] = []
    for prefix in COMMANDS[command]:
        for nasty in NASTY:
            url = stack.slack.new_response_url(channel="CGENERAL", user="URAVI")
            trigger = new_trigger_id("URAVI")
            answer = stack.send.command(TEAM, "URAVI", command, f"{prefix} {nasty}".strip(), channel_id="CGENERAL",
                                        response_url=url, trigger_id=trigger)
            assert answer.status == 200, (prefix, nasty[:40], answer.text[:200])
            assert APOLOGY not in answer.text
            sent.append((answer.text, url, trigger))
    texts = answers_of(stack, before)
    assert not [t for t in texts if APOLOGY in t]
    calls = stack.slack.calls[before:]
    answered_urls = {urlsplit(c.url).path for c in calls if c.method == "response_url"}
    triggers = {c.args.get("trigger_id") for c in calls}
    for text, url, trigger in sent:
        assert text.strip() or urlsplit(url).path in answered_urls or trigger in triggers, (text, url)


def text_inputs(view: dict[str, Any]) -> list[str]:
    """The action ids of a modal's free-text inputs."""
    return [block["element"]["action_id"] for block in view.get("blocks", [])
            if block.get("type") == "input" and block.get("element", {}).get("type") in ("plain_text_input",
                                                                                      "number_input")]


def fuzz_modal(stack: Stack, user: str, view: dict[str, Any]) -> None:
    """Submit `view` once per nasty text (in every text input): 200, no apology in the answer or after."""
    inputs = text_inputs(view)
    assert inputs, view["callback_id"]
    before = len(stack.slack.calls)
    for nasty in NASTY:
        answer = stack.send.submit(TEAM, user, view, {action_id: nasty for action_id in inputs})
        assert answer.status == 200, (view["callback_id"], nasty[:40], answer.text[:300])
        assert APOLOGY not in answer.text, (view["callback_id"], nasty[:40], answer.text[:300])
    assert not [t for t in answers_of(stack, before) if APOLOGY in t]


def open_by_command(stack: Stack, user: str, command: str, text: str, callback_id: str) -> dict[str, Any]:
    stack.send.command(TEAM, user, command, text, channel_id="CGENERAL",
                       response_url=stack.slack.new_response_url(channel="CGENERAL", user=user))
    return modal(stack, user, callback_id)


def open_by_button(stack: Stack, user: str, action_id: str, value: str, callback_id: str) -> dict[str, Any]:
    body = interaction_body(button(action_id, value, user=user,
                                   response_url=stack.slack.new_response_url(channel="CGENERAL", user=user)))
    assert post(stack.url, body, signed_headers(SIGNING_SECRET, body, FORM_TYPE)).status == 200
    try:
        return modal(stack, user, callback_id)
    except AssertionError as error:
        raise AssertionError(f"{callback_id} did not open: {answers_of(stack, 0)[-3:]}") from error


def test_command_modals_answer_nasty_inputs_clearly(stack: Stack) -> None:
    """New objective, Give kudos, Give feedback and Request a 1-on-1 forms, every text input nasty."""
    stack.set_manager("URAVI", "UMARIA")
    fuzz_modal(stack, "URAVI", open_by_command(stack, "URAVI", "/okr", "new", OkrView.NEW))
    fuzz_modal(stack, "URAVI", open_by_command(stack, "URAVI", "/kudos", "", kudos_views.CALLBACK))
    fuzz_modal(stack, "UMARIA", open_by_command(stack, "UMARIA", "/feedback", "give <@URAVI|ravi>",
                                                feedback_views.CALLBACK))
    fuzz_modal(stack, "URAVI", open_by_command(stack, "URAVI", "/request-1on1", "", OneOnOneModal.REQUEST))


def test_one_on_one_modals_answer_nasty_inputs_clearly(stack: Stack) -> None:
    """Add note, Add task and Schedule forms of a real 1-on-1, every text input nasty."""
    stack.set_manager("URAVI", "UMARIA")
    one_on_one_id, _, _ = request_and_accept(stack)
    fuzz_modal(stack, "URAVI", open_by_button(stack, "URAVI", OneOnOneAction.ADD_NOTE, str(one_on_one_id),
                                              OneOnOneModal.NOTE))
    fuzz_modal(stack, "URAVI", open_by_button(stack, "URAVI", OneOnOneAction.ADD_TASK, str(one_on_one_id),
                                              OneOnOneModal.TASK))
    stack.set_manager("ULENA", "UMARIA")  # Ravi and Maria have a 1-on-1 now: Schedule is for one who has none
    fuzz_modal(stack, "UMARIA", open_by_button(stack, "UMARIA", SharedAction.SCHEDULE_ONE_ON_ONE, "ULENA",
                                               OneOnOneModal.SCHEDULE))
