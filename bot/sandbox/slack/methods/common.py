"""What every Web API method of the loopback Slack shares: required arguments, Slack's errors, cursors, ids.

The handlers themselves are mixins of FakeSlack (bot/sandbox/slack/fake.py), one module per family:
users.py, conversations.py, chat.py, views.py, reactions.py, files.py. FakeSlack owns the workspace state
(`_users`, `_channels`, `_messages`, `_stacks`, `_homes`, ...), the lock, and the state helpers
(`_channel`, `_message`, `_store_message`, `_view_object`, ...) they use; every handler runs under the
lock and answers the method's fields (FakeSlack adds `"ok": true`) or raises `SlackError`.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

# Required arguments as in slack-reference/methods/*.json, minus `token` (it comes in the header).
REQUIRED_ARGS: dict[str, tuple[str, ...]] = {
    "apps.connections.open": (),
    "auth.test": (),
    "users.info": ("user",),
    "users.list": (),
    "users.lookupByEmail": ("email",),
    "conversations.open": (),
    "conversations.info": ("channel",),
    "conversations.history": ("channel",),
    "conversations.replies": ("channel", "ts"),
    "chat.postMessage": ("channel",),
    "chat.update": ("ts", "channel"),
    "chat.delete": ("ts", "channel"),
    "chat.postEphemeral": ("user", "channel"),
    "chat.getPermalink": ("channel", "message_ts"),
    "views.open": ("view",),
    "views.update": ("view",),
    "views.push": ("view",),
    "views.publish": ("user_id", "view"),
    "reactions.add": ("name", "timestamp", "channel"),
    "reactions.remove": ("name",),
    "reactions.get": (),
    "team.info": (),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
}


class SlackError(Exception):
    """A Slack-level failure: `{"ok": false, "error": ...}` with the HTTP status Slack would use."""

    def __init__(self, error: str, *, messages: list[str] | None = None, status: int = 200) -> None:
        super().__init__(error)
        self.error, self.messages, self.status = error, messages, status

    def body(self) -> dict:
        """The JSON Slack answers for it."""
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def flag(value: Any) -> bool:
    """A boolean argument as Slack reads it (true, 1, "1", "true")."""
    return value in (True, 1, "1", "true", "True")


def cursor(prefix: str, value: Any) -> str:
    """An opaque pagination cursor for `value`."""
    return base64.b64encode(f"{prefix}:{value}".encode()).decode()


def uncursor(prefix: str, cursor: str) -> str:
    """The value a cursor() carries; invalid_cursor if it is not one of ours for `prefix`."""
    try:
        kind, _, value = base64.b64decode(cursor, validate=True).decode().partition(":")
    except ValueError as error:
        raise SlackError("invalid_cursor") from error
    if kind != prefix:
        raise SlackError("invalid_cursor")
    return value


def stable_id(prefix: str, key: str) -> str:
    """The same Slack-shaped id for the same key (DM and group DM channel ids)."""
    return prefix + hashlib.sha1(key.encode()).hexdigest()[:10].upper()  # noqa: S324 (an id, not security)
