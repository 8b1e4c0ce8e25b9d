"""End to end: /okr, the new-objective and check-in modals, and the OKR thread, through signed HTTP and the
loopback Slack."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from bot.ids import SharedAction
from bot.sandbox.slack.payloads import message_event
from bot.views.okrs import OkrView, checkin_field, new_field
from storage.models import Person
from tests.e2e.okrs.flow import (
    check_ins,
    checkin_values,
    click_check_in,
    comments,
    create,
    key_results,
    last_ephemeral,
    objective_message,
    objectives,
    okr,
    reaction,
    thread_reply,
)
from tests.support.reading import action_ids, dm, eventually, listeners_done, modal, rows, submit, text_of
from tests.support.stack import TEAM, Stack, start_stack

MID_NOVEMBER = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def okr_stack(stack: Stack) -> Stack:
    """The running okrbot, its clock in mid-November 2026 (half-way through 2026-Q4)."""
    stack.clock.travel_to(MID_NOVEMBER)
    return stack


@pytest.fixture
def channel_stack(db_url: str) -> Iterator[Stack]:
    """The same with OKRBOT_OKR_CHANNEL=COKRS: objective threads live in #okrs."""
    running = start_stack(db_url, env={"OKRBOT_OKR_CHANNEL": "COKRS"})
    running.clock.travel_to(MID_NOVEMBER)
    try:
        yield running
    finally:
        running.close()


def test_new_objective_from_the_modal_posts_its_message(okr_stack: Stack) -> None:
    """/okr new → modal → submit: stored, posted in the owner's DM with a Check in button, Home refreshed."""
    okr(okr_stack, "URAVI", "new")
    view = modal(okr_stack, "URAVI", OkrView.NEW)
    response = submit(okr_stack, "URAVI", view, {
        new_field("title"): "Delight our first customers", new_field("title", 1): "Weekly active teams",
        new_field("target", 1): "40", new_field("unit", 1): "teams", new_field("title", 2): "NPS",
        new_field("start", 2): "10", new_field("target", 2): "50"})
    assert response.status == 200 and response.json()["response_action"] == "update"
    assert "*Delight our first customers* is saved with 2 key results" in text_of(response.json()["view"])
    okr_stack.slack.wait_for("views.publish", lambda c: c.args["user_id"] == "URAVI")
    okr_stack.deliver()
    [row] = objectives(okr_stack)
    message = okr_stack.slack.message(dm(okr_stack, "URAVI"), row.message_ts)
    assert "Delight our first customers" in text_of(message) and "0 of 40 teams" in text_of(message)
    assert SharedAction.CHECK_IN in action_ids(message)
    assert [kr.title for kr in key_results(okr_stack)] == ["Weekly active teams", "NPS"]


def test_new_objective_errors_stay_in_the_modal(okr_stack: Stack) -> None:
    """A target that is not a number comes back as that field's error; nothing is stored."""
    okr(okr_stack, "URAVI", "new")
    view = modal(okr_stack, "URAVI", OkrView.NEW)
    response = submit(okr_stack, "URAVI", view, {new_field("title"): "Grow", new_field("title", 1): "Users",
                                                 new_field("target", 1): "lots"})
    assert response.json()["response_action"] == "errors"
    assert list(response.json()["errors"]) == [new_field("target", 1)]
    assert objectives(okr_stack) == [] and okr_stack.slack.open_views("URAVI")


def test_check_in_end_to_end(okr_stack: Stack) -> None:
    """Check in on the message → modal → submit: stored, the message updated in place, a summary in its thread."""
    view = create(okr_stack, krs=(("Weekly active teams", 0, 40), ("NPS", 10, 50)))
    channel = dm(okr_stack, "URAVI")
    message = objective_message(okr_stack, view.id)
    click_check_in(okr_stack, "URAVI", channel, message)
    form = modal(okr_stack, "URAVI", OkrView.CHECKIN)
    values = checkin_values(form, kr0={"value": "24", "status": "on_track", "obstacles": "Design review slipped",
                                       "next_steps": "Book the review"})
    response = submit(okr_stack, "URAVI", form, values)
    assert response.json()["response_action"] == "update"
    [saved] = okr_stack.slack.open_views("URAVI")
    assert "Your check-in on *Delight our first customers* is saved (1 key result updated)" in text_of(saved)
    assert saved["clear_on_close"] is True

    [check_in] = check_ins(okr_stack)
    assert (check_in.value, check_in.status, check_in.obstacles) == (24, "on_track", "Design review slipped")
    okr_stack.slack.wait_for("chat.update", lambda c: c.args["ts"] == message["ts"])
    okr_stack.deliver()
    updated = okr_stack.slack.message(channel, message["ts"])
    assert "24 of 40" in text_of(updated) and "Last check-in" in text_of(updated)
    [reply] = [m for m in okr_stack.slack.messages(channel) if m.get("thread_ts") == message["ts"]
               and m["ts"] != message["ts"]]
    assert "0 → 24" in text_of(reply) and "Design review slipped" in text_of(reply)
    okr_stack.slack.wait_for("views.publish", lambda c: c.args["user_id"] == "URAVI")


def test_check_in_picker_for_several_objectives(okr_stack: Stack) -> None:
    """/okr checkin with two objectives: pick one, its form is pushed, submitting closes both."""
    create(okr_stack, title="First")
    second = create(okr_stack, title="Second")
    okr(okr_stack, "URAVI", "checkin")
    picker = modal(okr_stack, "URAVI", OkrView.CHECKIN_PICK)
    assert "First" in text_of(picker) and "Second" in text_of(picker)
    okr_stack.send.action(TEAM, "URAVI", [{"action_id": SharedAction.CHECK_IN, "value": str(second.id)}],
                          view=picker)
    form = modal(okr_stack, "URAVI", OkrView.CHECKIN)
    assert len(okr_stack.slack.open_views("URAVI")) == 2
    submit(okr_stack, "URAVI", form, checkin_values(form, kr0={"value": "5"}))
    assert [text_of(v) for v in okr_stack.slack.open_views("URAVI")][-1].count("is saved") == 1
    [check_in] = check_ins(okr_stack)
    assert check_in.key_result_id == second.key_results[0].id


def test_a_bad_value_is_a_field_error(okr_stack: Stack) -> None:
    """The check-in modal keeps a wrong number in place with an error under it."""
    view = create(okr_stack)
    okr_stack.send.action(TEAM, "URAVI", [{"action_id": SharedAction.CHECK_IN, "value": str(view.id)}],
                          channel_id=dm(okr_stack, "URAVI"), message=objective_message(okr_stack, view.id))
    form = modal(okr_stack, "URAVI", OkrView.CHECKIN)
    response = submit(okr_stack, "URAVI", form, {checkin_field(view.key_results[0].id, "value"): "12abc"})
    assert response.json() == {"response_action": "errors",
                               "errors": {checkin_field(view.key_results[0].id, "value"): "Enter a number, e.g. 42 "
                                                                                           "or 3.5."}}
    assert check_ins(okr_stack) == []


def test_a_double_submit_checks_in_once(okr_stack: Stack) -> None:
    """The same modal submitted twice (a double click): one CheckIn, one reply, one update."""
    view = create(okr_stack)
    okr(okr_stack, "URAVI", "checkin")
    form = modal(okr_stack, "URAVI", OkrView.CHECKIN)
    values = checkin_values(form, kr0={"value": "7"})
    first = okr_stack.send.submit(TEAM, "URAVI", form, values)
    second = okr_stack.send.submit(TEAM, "URAVI", form, values)
    assert first.status == second.status == 200
    okr_stack.deliver()
    assert len(check_ins(okr_stack)) == 1
    message = objective_message(okr_stack, view.id)
    replies = [m for m in okr_stack.slack.messages(dm(okr_stack, "URAVI"))
               if m.get("thread_ts") == message["ts"] and m["ts"] != message["ts"]]
    assert len(replies) == 1


def test_someone_else_cannot_check_in_on_your_objective(channel_stack: Stack) -> None:
    """In #okrs, Lena clicks Check in on Ravi's objective: she is told privately; no modal, nothing stored."""
    view = create(channel_stack)
    message = objective_message(channel_stack, view.id)
    click_check_in(channel_stack, "ULENA", "COKRS", message)
    assert "Only <@URAVI> can check in" in last_ephemeral(channel_stack, "ULENA")
    assert channel_stack.slack.open_views("ULENA") == [] and check_ins(channel_stack) == []


def test_okr_lists_my_objectives_privately(okr_stack: Stack) -> None:
    """/okr shows the caller's OKRs of the quarter with progress and buttons, only to them."""
    create(okr_stack)
    create(okr_stack, owner="ULENA", title="Lena's")
    okr(okr_stack, "URAVI")
    text = last_ephemeral(okr_stack, "URAVI")
    assert "Your OKRs for 2026-Q4" in text and "Delight our first customers" in text and "Lena's" not in text
    assert okr_stack.slack.messages("CGENERAL") == []


@pytest.mark.parametrize("text", ["help", "frobnicate", "away until someday", "away until 2020-01-01"])
def test_help_and_bad_arguments_get_a_short_private_answer(okr_stack: Stack, text: str) -> None:
    """Usage or a clear error, ephemeral, never a stack trace."""
    okr(okr_stack, "URAVI", text)
    answer = last_ephemeral(okr_stack, "URAVI")
    assert answer and "Traceback" not in answer and "something went wrong" not in answer
    if text in ("help", "frobnicate"):
        assert "/okr checkin" in answer


def test_away_until_a_date_and_back(okr_stack: Stack) -> None:
    """/okr away until 2026-12-24 sets the away date; /okr away off clears it."""
    okr(okr_stack, "URAVI", "away until 2026-12-24")
    assert "away until 2026-12-24" in last_ephemeral(okr_stack, "URAVI")
    [ravi] = [p for p in rows_people(okr_stack) if p.user_id == "URAVI"]
    assert ravi.away_until == date(2026, 12, 24)
    okr(okr_stack, "URAVI", "away off")
    assert "Welcome back" in last_ephemeral(okr_stack, "URAVI", 2)
    assert [p.away_until for p in rows_people(okr_stack) if p.user_id == "URAVI"] == [None]


def rows_people(stack: Stack) -> list[Person]:
    return rows(stack, Person)


def test_thread_replies_become_the_objectives_conversation(channel_stack: Stack) -> None:
    """Replies in the objective's thread are stored with author and text; edits and deletions follow."""
    view = create(channel_stack)
    root = objective_message(channel_stack, view.id)
    first = thread_reply(channel_stack, "UMARIA", "COKRS", root["ts"], "How can I help with hiring?")
    eventually(lambda: comments(channel_stack))
    [comment] = comments(channel_stack)
    assert (comment.objective_id, comment.user_id, comment.text) == (view.id, "UMARIA", "How can I help with hiring?")

    edit = {"type": "message", "subtype": "message_changed", "channel": "COKRS", "hidden": True,
            "message": {"type": "message", "user": "UMARIA", "text": "Can I help with hiring?", "ts": first["ts"],
                        "thread_ts": root["ts"]}, "ts": "1795000000.000900"}
    channel_stack.send.event(TEAM, edit)
    eventually(lambda: comments(channel_stack)[0].text == "Can I help with hiring?")
    channel_stack.send.event(TEAM, {"type": "message", "subtype": "message_deleted", "channel": "COKRS",
                                    "hidden": True, "deleted_ts": first["ts"], "ts": "1795000000.000901"})
    eventually(lambda: comments(channel_stack)[0].deleted_at is not None)
    assert channel_stack.services.okrs.conversation(team_id=TEAM, objective_id=view.id) == []


def test_replies_in_other_threads_and_bot_messages_are_ignored(channel_stack: Stack) -> None:
    """Another thread in #okrs, a top-level message and the bot's own posts are not conversation."""
    view = create(channel_stack)
    root = objective_message(channel_stack, view.id)
    other = channel_stack.slack.post_user_message("ULENA", "COKRS", "Unrelated announcement")
    thread_reply(channel_stack, "UTOM", "COKRS", other["ts"], "Reply elsewhere")
    channel_stack.send.event(TEAM, message_event("UTOM", "COKRS", "Top level", ts=other["ts"]))
    bot = {"type": "message", "subtype": "bot_message", "bot_id": "BBOT", "channel": "COKRS", "text": "beep",
           "ts": "1795000000.000500", "thread_ts": root["ts"]}
    channel_stack.send.event(TEAM, bot)
    channel_stack.send.event(TEAM, {**message_event("UBOT", "COKRS", "our own", ts="1795000000.000600",
                                                    thread_ts=root["ts"]), "bot_id": "BBOT"})
    listeners_done(channel_stack)
    assert comments(channel_stack) == []


def test_a_retried_reply_event_is_stored_once(channel_stack: Stack) -> None:
    """Slack retries the event: one comment."""
    view = create(channel_stack)
    root = objective_message(channel_stack, view.id)
    posted = thread_reply(channel_stack, "UMARIA", "COKRS", root["ts"], "Nice", event_id="EvREPLY1")
    event = message_event("UMARIA", "COKRS", "Nice", ts=posted["ts"], thread_ts=root["ts"])
    channel_stack.send.event(TEAM, event, event_id="EvREPLY1", retry_num=1)
    channel_stack.send.event(TEAM, event, event_id="EvREPLY2")  # a second delivery under another id
    listeners_done(channel_stack)
    assert len(comments(channel_stack)) == 1


def test_reactions_on_the_objective_are_kept(channel_stack: Stack) -> None:
    """A reaction on the message is stored; taking it back removes it from the conversation."""
    view = create(channel_stack)
    root = objective_message(channel_stack, view.id)
    reaction(channel_stack, "ULENA", "COKRS", root["ts"], "eyes")
    eventually(lambda: comments(channel_stack))
    assert [(c.kind, c.user_id, c.reaction) for c in comments(channel_stack)] == [("reaction", "ULENA", "eyes")]
    reaction(channel_stack, "ULENA", "COKRS", root["ts"], "eyes", removed=True)
    eventually(lambda: comments(channel_stack)[0].deleted_at is not None)


def test_replies_in_the_owners_dm_thread_are_captured_too(okr_stack: Stack) -> None:
    """Without an OKR channel the thread lives in the owner's DM; replies there count."""
    view = create(okr_stack)
    root = objective_message(okr_stack, view.id)
    thread_reply(okr_stack, "URAVI", dm(okr_stack, "URAVI"), root["ts"], "Note to self: call Acme")
    eventually(lambda: comments(okr_stack))
    assert [c.text for c in comments(okr_stack)] == ["Note to self: call Acme"]


def test_a_rate_limited_post_is_delivered_once_and_its_thread_still_works(okr_stack: Stack) -> None:
    """Slack answers 429 to the objective's first post: okrbot waits, posts it once, and remembers its thread."""
    okr_stack.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    view = create(okr_stack)
    message = objective_message(okr_stack, view.id)
    posts = [c for c in okr_stack.slack.calls_to("chat.postMessage") if c.ok]
    assert len(posts) == 1 and len(okr_stack.slack.calls_to("chat.postMessage")) == 2
    thread_reply(okr_stack, "URAVI", dm(okr_stack, "URAVI"), message["ts"], "Started on it")
    eventually(lambda: comments(okr_stack))
