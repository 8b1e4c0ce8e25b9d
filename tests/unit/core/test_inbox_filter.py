"""What the ack path keeps of an event: only what okrbot acts on, without text it does not need, keyed by message."""

from __future__ import annotations

import json
import time

from bot.inbox_filter import ReactionFilter, event_key, stored_form
from bot.sandbox.slack.payloads import event_callback, message_event, reaction_event

TEAM = "T0001"


def body(event: dict, event_id: str = "Ev1") -> dict:
    return json.loads(event_callback(TEAM, event, event_id=event_id)[1])


def test_a_top_level_channel_message_is_not_kept() -> None:
    """okrbot reads thread replies only: a plain channel message is acknowledged and forgotten."""
    assert stored_form(body(message_event("URAVI", "CGENERAL", "lunch?", ts="1.1"))) == (None, None)


def test_a_thread_reply_is_kept_keyed_by_its_message() -> None:
    """A reply (it may be in an OKR or 1-on-1 thread) is kept whole; its order key is its own message."""
    reply = body(message_event("URAVI", "CGENERAL", "done", ts="1.3", thread_ts="1.2"))
    assert stored_form(reply) == (reply, "T0001:CGENERAL:1.3")


def test_bot_messages_and_channel_housekeeping_are_not_kept() -> None:
    """Messages by bots and joins/leaves never reach a listener that acts on them."""
    bot = {**message_event("UBOT", "CGENERAL", "beep", ts="1.3", thread_ts="1.2"), "bot_id": "B1"}
    join = {**message_event("URAVI", "CGENERAL", "joined", ts="1.4"), "subtype": "channel_join"}
    assert stored_form(body(bot)) == (None, None)
    assert stored_form(body(join)) == (None, None)


def test_an_edit_of_a_reply_is_kept_without_the_previous_text() -> None:
    """message_changed of a reply: the new text is kept (the listener needs it), the old one is not."""
    event = {"type": "message", "subtype": "message_changed", "channel": "CGENERAL",
             "message": {"user": "URAVI", "text": "new", "ts": "1.3", "thread_ts": "1.2"},
             "previous_message": {"user": "URAVI", "text": "old secret", "ts": "1.3", "thread_ts": "1.2"}}
    payload, order = stored_form(body(event))
    assert payload is not None and "old secret" not in json.dumps(payload) and payload["event"]["message"]["text"]
    assert order == "T0001:CGENERAL:1.3"


def test_edits_and_deletions_of_top_level_messages_are_not_kept() -> None:
    """Edits and deletions of messages okrbot never stored are not kept either."""
    edit = {"type": "message", "subtype": "message_changed", "channel": "CGENERAL",
            "message": {"user": "URAVI", "text": "new", "ts": "1.1"}}
    deletion = {"type": "message", "subtype": "message_deleted", "channel": "CGENERAL", "deleted_ts": "1.1",
                "previous_message": {"user": "URAVI", "text": "gone", "ts": "1.1"}}
    assert stored_form(body(edit)) == (None, None)
    assert stored_form(body(deletion)) == (None, None)


def test_a_deleted_reply_is_kept_without_its_text_and_after_the_reply() -> None:
    """message_deleted of a reply is kept (to forget the stored reply) without its text, in the reply's order."""
    deletion = {"type": "message", "subtype": "message_deleted", "channel": "CGENERAL", "deleted_ts": "1.3",
                "previous_message": {"user": "URAVI", "text": "gone", "ts": "1.3", "thread_ts": "1.2"}}
    payload, order = stored_form(body(deletion))
    assert payload is not None and "gone" not in json.dumps(payload)
    assert order == "T0001:CGENERAL:1.3"


def test_reactions_are_ordered_by_the_message_they_are_on() -> None:
    """A reaction and its removal share the reacted message's order key; a reaction on a file is not kept."""
    added = body(reaction_event("URAVI", "clap", channel="CGENERAL", ts="1.3", item_user="ULENA"))
    removed = body(reaction_event("URAVI", "clap", channel="CGENERAL", ts="1.3", item_user="ULENA", removed=True))
    on_file = body({"type": "reaction_added", "user": "URAVI", "reaction": "clap", "item": {"type": "file"}})
    assert stored_form(added)[1] == stored_form(removed)[1] == "T0001:CGENERAL:1.3"
    assert stored_form(on_file) == (None, None)


def test_other_events_are_kept_unordered_and_malformed_ones_do_not_break_the_ack() -> None:
    """app_home_opened is kept with no order key; an event that is not an object is kept for the worker to judge."""
    home = body({"type": "app_home_opened", "user": "URAVI", "tab": "home"})
    odd = {"type": "event_callback", "team_id": TEAM, "event": "not an object", "event_id": "Ev2"}
    assert stored_form(home) == (home, None)
    assert stored_form(odd) == (odd, None)


def test_the_key_is_slacks_event_id_or_a_digest() -> None:
    """Retries carry the same event_id, so they get the same key; without one, the same body gives the same key."""
    assert event_key(body({"type": "app_home_opened"}, event_id="EvX")) == "EvX"
    bare = {"type": "event_callback", "event": {"type": "x"}}
    assert event_key(bare) == event_key(dict(bare)) and event_key(bare).startswith("sha1:")


def test_only_kudos_reactions_and_reactions_where_objectives_live_are_kept() -> None:
    """:clap: is kept anywhere; :eyes: only in a channel holding an objective's message; the channel list is read
    again after `ttl` when a reaction names an unknown channel, not for every reaction."""
    reads: list[str] = []
    okr_channels = {"COKRS"}

    def channels_of(team_id: str) -> set[str]:
        reads.append(team_id)
        return set(okr_channels)

    keep = ReactionFilter(("clap",), channels_of, ttl=0.2)

    def kept(reaction: str, channel: str) -> bool:
        event = reaction_event("URAVI", reaction, channel=channel, ts="1.3", item_user="ULENA")
        return stored_form(body(event), keep)[0] is not None

    assert kept("clap::skin-tone-2", "CGENERAL") and reads == []
    assert kept("eyes", "COKRS") and not kept("eyes", "CGENERAL") and not kept("eyes", "CRANDOM")
    assert reads == [TEAM]  # one read for the three
    okr_channels.add("CGENERAL")  # an objective is posted in #general
    time.sleep(0.25)
    assert kept("eyes", "CGENERAL") and len(reads) == 2
