"""What the ack path keeps of an event (bot/inbox.py stores it): the form stored, its order key and its key.

Kept: thread replies and their edits and deletions, and reactions okrbot may act on (ReactionFilter). Not kept:
bot messages, channel housekeeping, top-level messages, reactions on files.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.handlers.events import IGNORED_SUBTYPES

KeepReaction = Callable[[str, dict[str, Any]], bool]


class ReactionFilter:
    """Which reactions the ack path keeps: kudos reactions, and any reaction in a channel holding an objective's
    message (it may join an OKR conversation). The channel set is read again, at most every `ttl` seconds, when
    a reaction names a channel not in it; so one SELECT per `ttl` per process, not one per `:eyes:`."""

    def __init__(self, kudos_reactions: tuple[str, ...], channels_of: Callable[[str], set[str]], *,
                 ttl: float = 5.0) -> None:
        self._kudos = set(kudos_reactions)
        self._channels_of = channels_of
        self._ttl = ttl
        self._known: dict[str, tuple[float, set[str]]] = {}
        self._lock = threading.Lock()

    def __call__(self, team_id: str, event: dict[str, Any]) -> bool:
        """True when okrbot may act on this reaction event."""
        if str(event.get("reaction") or "").split("::", 1)[0] in self._kudos:
            return True
        channel = (event.get("item") or {}).get("channel", "")
        with self._lock:
            read_at, channels = self._known.get(team_id, (float("-inf"), set()))
            if channel not in channels and time.monotonic() - read_at >= self._ttl:
                channels = self._channels_of(team_id)
                self._known[team_id] = (time.monotonic(), channels)
        return channel in channels


def stored_form(body: dict[str, Any], keep_reaction: KeepReaction | None = None) -> tuple[dict[str, Any] | None,
                                                                                           str | None]:
    """What to keep of an event_callback: (payload or None when okrbot does not act on it, order key).

    Not kept: bot messages and channel housekeeping, top-level messages (okrbot reads only thread
    replies), edits of messages that are not thread replies, reactions on files, and reactions
    `keep_reaction` says okrbot cannot act on. Kept without text: the previous version of an edited or
    deleted message. Order key: the Slack message concerned.
    """
    event = body.get("event")
    if not isinstance(event, dict):  # nothing a listener could act on; kept so the worker decides, not the ack
        return body, None
    kind = event.get("type", "")
    team = body.get("team_id", "")
    if kind == "message":
        return _message_form(body, event, team)
    if kind in ("reaction_added", "reaction_removed"):
        item = event.get("item")
        if not isinstance(item, dict) or item.get("type") != "message":
            return None, None
        if keep_reaction is not None and not keep_reaction(team, event):
            return None, None
        return body, f"{team}:{item.get('channel', '')}:{item.get('ts', '')}"
    return body, None


def _message_form(body: dict[str, Any], event: dict[str, Any],
                  team: str) -> tuple[dict[str, Any] | None, str | None]:
    subtype = event.get("subtype")
    channel = event.get("channel", "")
    if subtype in IGNORED_SUBTYPES or event.get("bot_id"):
        return None, None
    if subtype == "message_changed":
        message = event.get("message")
        if not isinstance(message, dict) or message.get("bot_id") or not message.get("user") or not _is_reply(message):
            return None, None
        slim = {k: v for k, v in event.items() if k != "previous_message"}
        return {**body, "event": slim}, f"{team}:{channel}:{message.get('ts', '')}"
    if subtype == "message_deleted":
        previous = event.get("previous_message")
        if isinstance(previous, dict) and previous and not _is_reply(previous):
            return None, None
        slim = {k: v for k, v in event.items() if k != "previous_message"}
        return {**body, "event": slim}, f"{team}:{channel}:{event.get('deleted_ts', '')}"
    if not _is_reply(event) or not event.get("user"):
        return None, None
    return body, f"{team}:{channel}:{event.get('ts', '')}"


def _is_reply(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message.get("ts")


def event_key(body: dict[str, Any]) -> str:
    """Slack's event_id (the same on every retry); a digest of the body for the rare event without one."""
    return str(body.get("event_id") or "sha1:" + hashlib.sha1(  # noqa: S324 - a key, not a secret
        json.dumps(body, sort_keys=True).encode()).hexdigest())[:128]
