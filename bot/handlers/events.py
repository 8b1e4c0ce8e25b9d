"""Events several features listen to. Bolt runs only the first matching listener, so one listener per
event fans out to each feature's service; each service ignores what is not its own (another thread,
another reaction) and returns quickly.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.handlers.reading import object_of, team_of, text_of
from bot.services import Services

IGNORED_SUBTYPES = {"bot_message", "channel_join", "channel_leave", "channel_topic", "channel_purpose",
                    "channel_name", "pinned_item", "unpinned_item", "ekm_access_denied", "thread_broadcast_hidden"}


def handle_message(ack: Ack, body: dict[str, Any], event: dict[str, Any], services: Services) -> None:
    """message.*: thread replies, edits and deletions become the conversation of a 1-on-1 or an OKR."""
    ack()
    team_id = team_of(body)
    channel = text_of(event, "channel")
    subtype = text_of(event, "subtype")
    if subtype in IGNORED_SUBTYPES or text_of(event, "bot_id"):
        return
    if subtype == "message_changed":
        message = object_of(event, "message")
        if text_of(message, "bot_id") or not text_of(message, "user"):
            return
        for capture in (services.one_on_ones.conversation, services.okrs):
            capture.record_edit(team_id=team_id, channel=channel, ts=text_of(message, "ts"),
                                text=text_of(message, "text"))
        return
    if subtype == "message_deleted":
        for capture in (services.one_on_ones.conversation, services.okrs):
            capture.record_delete(team_id=team_id, channel=channel, ts=text_of(event, "deleted_ts"))
        return
    thread_ts = text_of(event, "thread_ts")
    user = text_of(event, "user")
    if not thread_ts or thread_ts == text_of(event, "ts") or not user:
        return
    for capture in (services.one_on_ones.conversation, services.okrs):
        capture.record_reply(team_id=team_id, channel=channel, thread_ts=thread_ts, ts=text_of(event, "ts"),
                             user_id=user, text=text_of(event, "text"))


def handle_reaction_added(ack: Ack, body: dict[str, Any], event: dict[str, Any], services: Services) -> None:
    """reaction_added: kudos by reaction, and reactions on an OKR's message."""
    ack()
    _reaction(body, event, services, added=True)


def handle_reaction_removed(ack: Ack, body: dict[str, Any], event: dict[str, Any], services: Services) -> None:
    """reaction_removed: takes that kudos back, and removes the reaction from the OKR conversation."""
    ack()
    _reaction(body, event, services, added=False)


def _reaction(body: dict[str, Any], event: dict[str, Any], services: Services, *, added: bool) -> None:
    item = object_of(event, "item")
    if text_of(item, "type") != "message":
        return
    fields = {"team_id": team_of(body), "user_id": text_of(event, "user"),
              "item_user": text_of(event, "item_user") or None, "channel": text_of(item, "channel"),
              "ts": text_of(item, "ts"), "reaction": text_of(event, "reaction"), "added": added}
    services.kudos.record_reaction(**fields)
    services.okrs.record_reaction(**fields)


def register(app: App) -> None:
    """Bind the shared event listeners."""
    app.event("message")(handle_message)
    app.event("reaction_added")(handle_reaction_added)
    app.event("reaction_removed")(handle_reaction_removed)
