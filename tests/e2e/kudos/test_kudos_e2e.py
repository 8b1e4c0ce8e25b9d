"""Kudos end to end: signed requests to the real app, the real WebClient talking to the loopback Slack."""

from __future__ import annotations

import json

from tests.e2e.kudos.slack import kudos_command, kudos_rows, react
from tests.support.reading import dms, listeners_done
from tests.support.stack import Stack


def posts(stack: Stack) -> list[dict]:
    """Messages okrbot posted in #kudos."""
    return [m for m in stack.slack.messages("CKUDOS") if m.get("bot_id")]


def test_kudos_to_two_people(kudos_stack: Stack) -> None:
    """/kudos @ravi @lena: the giver is told, both get a DM, one post in #kudos names both."""
    stack = kudos_stack
    kudos_command(stack, "UMARIA", "<@URAVI|ravi> <@ULENA|lena> for shipping the onboarding revamp")
    [reply] = stack.slack.wait_for("response_url")
    assert "Kudos sent to <@URAVI> and <@ULENA>" in reply.args["text"]
    stack.deliver()
    for receiver in ("URAVI", "ULENA"):
        [dm] = dms(stack, receiver)
        assert "for shipping the onboarding revamp" in json.dumps(dm["blocks"])
    [post] = posts(stack)
    assert "<@URAVI> and <@ULENA>" in post["text"] and "<@UMARIA>" in post["text"]


def test_kudos_by_reaction(kudos_stack: Stack) -> None:
    """:clap: on Ravi's message: Ravi gets a DM linking the message, and #kudos a post."""
    stack = kudos_stack
    message = stack.slack.post_user_message("URAVI", "CGENERAL", "Shipped the onboarding revamp")
    react(stack, "UMARIA", message)
    listeners_done(stack)
    stack.deliver()
    [dm] = dms(stack, "URAVI")
    permalink = kudos_rows(stack)[0].permalink
    assert permalink and permalink in json.dumps(dm["blocks"])
    assert len(posts(stack)) == 1


def test_the_same_event_retried_counts_once(kudos_stack: Stack) -> None:
    """Slack delivering reaction_added again (same event id, X-Slack-Retry-Num) changes nothing."""
    stack = kudos_stack
    message = stack.slack.post_user_message("URAVI", "CGENERAL", "Shipped")
    react(stack, "UMARIA", message, event_id="EvKUDOS1")
    react(stack, "UMARIA", message, event_id="EvKUDOS1", retry_num=1, in_slack=False)
    listeners_done(stack)
    stack.deliver()
    assert len(kudos_rows(stack)) == 1 and len(dms(stack, "URAVI")) == 1


def test_a_reaction_added_twice_counts_once(kudos_stack: Stack) -> None:
    """Two distinct reaction_added events for the same clap (new event ids) are one kudos, one DM."""
    stack = kudos_stack
    message = stack.slack.post_user_message("URAVI", "CGENERAL", "Shipped")
    react(stack, "UMARIA", message)
    react(stack, "UMARIA", message, in_slack=False)
    listeners_done(stack)
    stack.deliver()
    assert len(kudos_rows(stack)) == 1 and len(dms(stack, "URAVI")) == 1


def test_removing_the_reaction_takes_the_kudos_back(kudos_stack: Stack) -> None:
    """reaction_removed deletes the kudos, removes the #kudos post and updates the receiver's DM in place."""
    stack = kudos_stack
    message = stack.slack.post_user_message("URAVI", "CGENERAL", "Shipped")
    react(stack, "UMARIA", message)
    listeners_done(stack)
    stack.deliver()
    react(stack, "UMARIA", message, removed=True)
    listeners_done(stack)
    stack.deliver()
    assert kudos_rows(stack) == []
    assert posts(stack) == []
    [dm] = dms(stack, "URAVI")
    assert "took back" in dm["text"]


def test_self_kudos_is_refused_privately(kudos_stack: Stack) -> None:
    """/kudos @me answers with an ephemeral refusal; nothing stored, nobody notified."""
    stack = kudos_stack
    kudos_command(stack, "URAVI", "<@URAVI|ravi> for being me")
    [reply] = stack.slack.wait_for("response_url")
    assert "yourself" in reply.args["text"] and reply.args.get("response_type") == "ephemeral"
    listeners_done(stack)
    stack.deliver()
    assert kudos_rows(stack) == [] and stack.slack.calls_to("chat.postMessage") == []


def test_clapping_on_ones_own_message_is_ignored(kudos_stack: Stack) -> None:
    """Ravi's :clap: on his own message: no kudos, no message at all."""
    stack = kudos_stack
    react(stack, "URAVI", stack.slack.post_user_message("URAVI", "CGENERAL", "I shipped"))
    listeners_done(stack)
    stack.deliver()
    assert kudos_rows(stack) == [] and stack.slack.calls_to("chat.postMessage") == []


def test_a_bots_message_gives_no_kudos(kudos_stack: Stack) -> None:
    """:clap: on a bot's message is silently ignored (and okrbot asks Slack who wrote it)."""
    stack = kudos_stack
    react(stack, "UMARIA", stack.slack.post_user_message("UROBOT", "CGENERAL", "Deployed v2"))
    listeners_done(stack)
    stack.deliver()
    assert kudos_rows(stack) == [] and stack.slack.calls_to("chat.postMessage") == []


def test_three_claps_make_one_post_updated_in_place(kudos_stack: Stack) -> None:
    """Three people clap on one message: one #kudos message, edited to name all three."""
    stack = kudos_stack
    message = stack.slack.post_user_message("URAVI", "CGENERAL", "Shipped")
    for giver in ("UMARIA", "ULENA", "UTOM"):
        react(stack, giver, message)
        listeners_done(stack)
    stack.deliver()
    [post] = posts(stack)
    assert all(f"<@{g}>" in post["text"] for g in ("UMARIA", "ULENA", "UTOM"))
    assert len(stack.slack.calls_to("chat.update")) == 2 and post["edited"]


def test_an_oversized_message_is_refused(kudos_stack: Stack) -> None:
    """A 2,001-character message: a clear ephemeral, nothing stored."""
    stack = kudos_stack
    kudos_command(stack, "UMARIA", "<@URAVI> " + "x" * 2001)
    [reply] = stack.slack.wait_for("response_url")
    assert "limited to 2,000" in reply.args["text"] and kudos_rows(stack) == []


def test_help_answers_with_the_usage(kudos_stack: Stack) -> None:
    """/kudos help is a short ephemeral usage."""
    kudos_command(kudos_stack, "UMARIA", "help")
    [reply] = kudos_stack.slack.wait_for("response_url")
    assert "/kudos top" in json.dumps(reply.args["blocks"])


def test_the_leaderboard(kudos_stack: Stack) -> None:
    """/kudos top: who received and gave the most this month."""
    stack = kudos_stack
    kudos_command(stack, "UMARIA", "<@URAVI> for the launch")
    stack.slack.wait_for("response_url")
    kudos_command(stack, "ULENA", "top")
    replies = stack.slack.wait_for("response_url", count=2)
    board = json.dumps(replies[-1].args["blocks"], ensure_ascii=False)
    assert "Most thanked" in board and "<@URAVI> · 1" in board


def test_the_shortcut_opens_the_form_for_the_message_and_sends(kudos_stack: Stack) -> None:
    """Give kudos on a thread reply: the form names its author; sending it thanks them for that message."""
    stack = kudos_stack
    root = stack.slack.post_user_message("UMARIA", "CGENERAL", "Launch thread")
    reply = stack.slack.post_user_message("URAVI", "CGENERAL", "Fixed the last bug", thread_ts=root["ts"])
    stack.send.shortcut(stack.team_id, "ULENA", "give_kudos", channel_id="CGENERAL", message=reply,
                        response_url=stack.slack.new_response_url(channel="CGENERAL", user="ULENA"))
    stack.slack.wait_for("views.open")
    [form] = stack.slack.open_views("ULENA")
    assert form["blocks"][1]["element"]["initial_users"] == ["URAVI"]
    answer = stack.send.submit(stack.team_id, "ULENA", form, {"kudos.message": "for the late-night fix"})
    assert answer.json()["response_action"] == "update"
    [kudos] = kudos_rows(stack)
    assert (kudos.receiver_id, kudos.source, kudos.message_ts) == ("URAVI", "shortcut", reply["ts"])


def test_the_form_refuses_oneself_under_the_people_field(kudos_stack: Stack) -> None:
    """/kudos alone opens the form; choosing oneself is an error under People, and the form stays open."""
    stack = kudos_stack
    kudos_command(stack, "UMARIA", "")
    stack.slack.wait_for("views.open")
    [form] = stack.slack.open_views("UMARIA")
    answer = stack.send.submit(stack.team_id, "UMARIA", form, {"kudos.receivers": ["UMARIA"],
                                                               "kudos.message": "me"})
    assert answer.json() == {"response_action": "errors",
                             "errors": {"kudos_receivers": "Kudos are for others: you can't give kudos to yourself."}}
    assert kudos_rows(stack) == []


def test_the_give_kudos_button_opens_the_form_for_someone(kudos_stack: Stack) -> None:
    """SharedAction.GIVE_KUDOS with a user id pre-fills that person."""
    stack = kudos_stack
    home = {"type": "home", "blocks": [{"type": "actions", "block_id": "a", "elements": [
        {"type": "button", "action_id": "kudos.give.open", "value": "ULENA",
         "text": {"type": "plain_text", "text": "Give kudos"}}]}]}
    stack.send.action(stack.team_id, "UMARIA", [{"action_id": "kudos.give.open"}], view=home)
    stack.slack.wait_for("views.open")
    [form] = stack.slack.open_views("UMARIA")
    assert form["blocks"][0]["element"]["initial_users"] == ["ULENA"]
