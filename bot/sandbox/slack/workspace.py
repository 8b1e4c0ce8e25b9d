"""The loopback Slack's workspace state: members, conversations, messages, ephemerals, Home tabs, modals.

A mixin of FakeSlack (bot/sandbox/slack/fake.py), which creates the state in __init__ and owns the lock.
The public readers are for tests and the sandbox page; "what people do" changes state without telling the
app (the sandbox sends the app Slack's payload separately); the `_` helpers run under the lock for the
method handlers (bot/sandbox/slack/methods/).
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.slack.methods.common import SlackError, stable_id
from bot.sandbox.slack.shapes import fill_ids


@contextlib.contextmanager
def _as_python_error() -> Iterator[None]:
    # What people do in the sandbox goes through the same rules as the API, but fails like Python.
    try:
        yield
    except SlackError as error:
        kind = LookupError if error.error.endswith("not_found") else ValueError
        raise kind(error.error) from error


class Workspace:
    """One workspace's state and the helpers that change it (a FakeSlack mixin)."""

    def messages(self, channel: str) -> list[dict]:
        """Messages in a channel (top level and replies) in ts order."""
        with self._cond:
            return copy.deepcopy(self._messages.get(channel, []))

    def message(self, channel: str, ts: str) -> dict | None:
        """One message, or None."""
        with self._cond:
            return copy.deepcopy(self._by_ts.get((channel, ts)))

    def ephemerals(self, user: str | None = None) -> list[dict]:
        """Ephemeral messages (chat.postEphemeral and ephemeral response_url posts), for one user or all."""
        with self._cond:
            return copy.deepcopy([e for e in self._ephemerals if user is None or e["user"] == user])

    def files(self, channel: str | None = None) -> list[dict]:
        """Uploaded files (id, name, title, content bytes, channels shared in), optionally shared in `channel`."""
        with self._cond:
            return [copy.deepcopy(f) for f in self._uploads.values()
                    if channel is None or channel in f["shared_in"]]

    def home_view(self, user: str) -> dict | None:
        """The last view published to the user's Home tab."""
        with self._cond:
            return copy.deepcopy(self._homes.get(user))

    def open_views(self, user: str | None) -> list[dict]:
        """The user's modal stack, bottom first (None: views opened with triggers naming nobody)."""
        with self._cond:
            return copy.deepcopy(self._stacks.get(user, []))

    def users(self) -> list[dict]:
        """Every member as users.info would describe them."""
        with self._cond:
            return [self._user_object(user) for user in self._users.values()]

    def channels(self) -> list[dict]:
        """Every conversation (channels, DMs, group DMs) as conversations.info would describe them."""
        with self._cond:
            return [self._channel_object(channel) for channel in self._channels.values()]

    def snapshot(self) -> dict:
        """The whole workspace state as one JSON-serialisable dict (for the sandbox page)."""
        with self._cond:
            return {
                "team": {"id": self.team_id, "name": self.team_name, "domain": self.domain},
                "bot_user_id": self.bot_user_id,
                "users": self.users(),
                "channels": [{**self._channel_object(c), "members": list(c["members"])}
                             for c in self._channels.values()],
                "messages": copy.deepcopy(dict(self._messages)),
                "ephemerals": copy.deepcopy(self._ephemerals),
                "homes": copy.deepcopy(self._homes),
                "views": copy.deepcopy({user: stack for user, stack in self._stacks.items() if user and stack}),
            }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Load a snapshot() back: members and channels it lacks, then messages, ephemerals, Home tabs, modals.

        For the sandbox, which keeps its conversations across restarts; the transcript starts empty.
        """
        with self._cond:
            for user in state.get("users", []):
                if user["id"] not in self._users:
                    profile = user.get("profile", {})
                    self._users[user["id"]] = {
                        "id": user["id"], "name": user["name"], "real_name": user.get("real_name", user["name"]),
                        "display_name": profile.get("display_name", user["name"]), "email": profile.get("email"),
                        "tz": user.get("tz"), "is_bot": user.get("is_bot", False),
                        "deleted": user.get("deleted", False), "is_admin": user.get("is_admin", False),
                        "is_owner": user.get("is_owner", False), "updated": user.get("updated", 0)}
            for channel in state.get("channels", []):
                if channel.get("is_im"):
                    self._dm(channel["user"])
                elif channel["id"] not in self._channels:
                    self._channels[channel["id"]] = {
                        "id": channel["id"], "kind": "mpim" if channel.get("is_mpim") else "channel",
                        "name": channel["name"], "members": list(channel.get("members", [])),
                        "is_private": channel.get("is_private", False),
                        "is_archived": channel.get("is_archived", False),
                        "topic": channel.get("topic", {}).get("value", ""),
                        "purpose": channel.get("purpose", {}).get("value", ""),
                        "created": channel.get("created", self._created)}
            self._messages = defaultdict(list, {channel: [dict(m) for m in messages]
                                                for channel, messages in state.get("messages", {}).items()})
            self._by_ts = {(channel, m["ts"]): m for channel, messages in self._messages.items() for m in messages}
            self._ephemerals = [dict(e) for e in state.get("ephemerals", [])]
            self._homes = {user: dict(view) for user, view in state.get("homes", {}).items()}
            self._stacks = defaultdict(list, {user: list(stack) for user, stack in state.get("views", {}).items()})
            # New ts and view ids must come after the restored ones, or they would collide.
            stamps = [m["ts"] for m in self._by_ts.values()] + [e["ts"] for e in self._ephemerals]
            for stamp in stamps:
                seconds, _, micros = stamp.partition(".")
                self._last_ts = max(self._last_ts, int(seconds) * 1_000_000 + int(micros or 0))
            views = [*self._homes.values(), *(v for stack in self._stacks.values() for v in stack)]
            numbers = [int(v["id"][1:], 16) for v in views if len(v["id"]) == 9 and v["id"][1:].isalnum()
                       and all(ch in "0123456789ABCDEF" for ch in v["id"][1:])]
            self._ids = itertools.count(max([next(self._ids), *(n + 1 for n in numbers)]))
            self._emit("restored", {})
        self._flush()

    # ----------------------------------------------------------------------- what people do (state only)

    def post_user_message(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> dict:
        """A person posts a message (nothing is sent to the app); returns it, with its ts."""
        with self._cond, _as_python_error():
            target = self._dm(user) if channel == self.bot_user_id else self._channel(channel)
            message = self._store_message(target["id"], user=user, text=text, blocks=None, thread_ts=thread_ts)
        self._flush()
        return copy.deepcopy(message)

    def add_reaction(self, user: str, channel: str, ts: str, name: str) -> dict:
        """A person reacts to a message (nothing is sent to the app); returns the message."""
        with self._cond, _as_python_error():
            message = self._react(user, channel, ts, name, add=True)
        self._flush()
        return message

    def remove_reaction(self, user: str, channel: str, ts: str, name: str) -> dict:
        """A person takes a reaction back (nothing is sent to the app); returns the message."""
        with self._cond, _as_python_error():
            message = self._react(user, channel, ts, name, add=False)
        self._flush()
        return message

    def close_view(self, user: str, *, clear: bool = False) -> None:
        """The person closes the top modal view (or the whole stack with clear=True)."""
        with self._cond:
            stack = self._stacks.get(user, [])
            if clear:
                stack.clear()
            elif stack:
                stack.pop()
            self._emit("views", {"user": user, "views": copy.deepcopy(stack)})
        self._flush()

    def apply_view_ack(self, user: str, ack: Mapping[str, Any] | None) -> None:
        """Do to the user's modal stack what Slack does with the app's answer to a view_submission."""
        action = (ack or {}).get("response_action")
        with self._cond:
            stack = self._stacks[user]
            if action in ("update", "push") and stack:
                view = ack["view"]  # type: ignore[index]
                previous = stack[-1]
                if action == "update":
                    stack[-1] = self._view_object(view, view_id=previous["id"], root_view_id=previous["root_view_id"],
                                                  previous_view_id=previous["previous_view_id"])
                else:
                    stack.append(self._view_object(view, root_view_id=previous["root_view_id"],
                                                   previous_view_id=previous["id"]))
            elif action == "errors" and stack:
                stack[-1]["errors"] = dict(ack["errors"])  # type: ignore[index]
            elif action == "clear":
                stack.clear()
            elif stack:
                stack.pop()
            self._emit("views", {"user": user, "views": copy.deepcopy(stack)})
        self._flush()

    # ----------------------------------------------------------------------- state helpers (under the lock)

    def _next_ts(self) -> str:
        # Unique and increasing across the workspace even within one microsecond or under freezegun.
        self._last_ts = max(int(time.time() * 1_000_000), self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{next(self._ids):08d}"

    def _user_object(self, user: dict) -> dict:
        profile = {"real_name": user["real_name"], "real_name_normalized": user["real_name"],
                   "display_name": user["display_name"], "display_name_normalized": user["display_name"],
                   "team": self.team_id, "image_48": f"https://avatars.example.com/{user['id']}_48.png",
                   "status_text": "", "status_emoji": ""}
        if user["email"]:
            profile["email"] = user["email"]
        if user["is_bot"]:
            profile.update(bot_id=self.bot_id if user["id"] == self.bot_user_id else "B" + user["id"],
                           api_app_id=self.app_id if user["id"] == self.bot_user_id else "")
        shaped = {"id": user["id"], "team_id": self.team_id, "name": user["name"], "deleted": user["deleted"],
                  "color": "9f69e7", "real_name": user["real_name"], "profile": profile,
                  "is_admin": user["is_admin"], "is_owner": user["is_owner"], "is_primary_owner": False,
                  "is_restricted": False, "is_ultra_restricted": False, "is_bot": user["is_bot"],
                  "is_app_user": False, "updated": user["updated"]}
        if user["tz"] is not None:
            local = datetime.now(UTC).astimezone(ZoneInfo(user["tz"]))
            offset = local.utcoffset()
            shaped.update(tz=user["tz"], tz_label=local.tzname() or user["tz"],
                          tz_offset=int(offset.total_seconds()) if offset is not None else 0)
        return shaped

    def _channel_object(self, channel: dict, *, num_members: bool = False) -> dict:
        base = {"id": channel["id"], "created": channel["created"], "is_org_shared": False,
                "context_team_id": self.team_id}
        if channel["kind"] == "im":
            return {**base, "is_im": True, "user": channel["user"], "is_open": True,
                    "last_read": "0000000000.000000", "latest": None, "unread_count": 0,
                    "unread_count_display": 0, "priority": 0, "is_user_deleted": channel["user_deleted"]}
        shaped = {
            **base, "name": channel["name"], "name_normalized": channel["name"],
            "is_channel": channel["kind"] == "channel" and not channel["is_private"],
            "is_group": channel["kind"] == "channel" and channel["is_private"],
            "is_im": False, "is_mpim": channel["kind"] == "mpim", "is_private": channel["is_private"],
            "is_archived": channel.get("is_archived", False), "is_general": channel["name"] == "general",
            "is_shared": False, "is_ext_shared": False, "is_member": self.bot_user_id in channel["members"],
            "topic": {"value": channel.get("topic", ""), "creator": "", "last_set": 0},
            "purpose": {"value": channel.get("purpose", ""), "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if num_members:
            shaped["num_members"] = len(channel["members"])
        return shaped

    def _dm(self, user_id: str) -> dict:
        channel_id = self._dms.get(user_id)
        if channel_id is None:
            channel_id = stable_id("D", user_id)
            self._dms[user_id] = channel_id
            self._channels[channel_id] = {"id": channel_id, "kind": "im", "user": user_id,
                                          "members": [user_id, self.bot_user_id], "is_private": True,
                                          "created": int(time.time()), "user_deleted": False}
        channel = self._channels[channel_id]
        channel["user_deleted"] = bool(self._users.get(user_id, {}).get("deleted"))
        return channel

    def _channel(self, ref: Any, *, users_as_dm: bool = False) -> dict:
        ref = str(ref)
        if ref in self._channels:
            return self._channels[ref]
        if users_as_dm and ref in self._users:
            return self._dm(ref)
        name = ref.removeprefix("#")
        for channel in self._channels.values():
            if channel.get("name") == name and channel["kind"] == "channel":
                return channel
        raise SlackError("channel_not_found")

    def _message(self, channel: str, ts: Any) -> dict:
        message = self._by_ts.get((channel, str(ts)))
        if message is None:
            raise SlackError("message_not_found")
        return message

    def _store_message(self, channel: str, *, user: str, text: Any, blocks: Any, thread_ts: Any,
                       bot: bool = False, attachments: Any = None, metadata: Any = None) -> dict:
        ts = self._next_ts()
        message: dict[str, Any] = {"type": "message", "ts": ts, "channel": channel, "user": user,
                                   "text": "" if text is None else str(text), "blocks": fill_ids(blocks),
                                   "thread_ts": None, "edited": False, "reactions": [], "team": self.team_id}
        if bot:
            message.update(bot_id=self.bot_id, app_id=self.app_id)
        if attachments:
            message["attachments"] = attachments
        if metadata:
            message["metadata"] = metadata
        if thread_ts:
            parent = self._by_ts.get((channel, str(thread_ts)))
            root = self._by_ts.get((channel, parent["thread_ts"])) if parent and parent["thread_ts"] else parent
            message["thread_ts"] = root["ts"] if root else str(thread_ts)
            if root is not None:
                message["parent_user_id"] = root["user"]
                root.update(thread_ts=root["ts"], reply_count=root.get("reply_count", 0) + 1, latest_reply=ts)
                root["reply_users"] = sorted({*root.get("reply_users", []), user})
                root["reply_users_count"] = len(root["reply_users"])
        if self.count_only:  # a bench posting 100,000 DMs keeps only what finds a message again (ts, metadata)
            message = {k: v for k, v in message.items() if k not in ("text", "blocks", "attachments")}
        self._messages[channel].append(message)
        self._by_ts[(channel, ts)] = message
        self._emit("message", {"channel": channel, "message": copy.deepcopy(message)})
        return message

    def _delete_message(self, channel: str, ts: str) -> None:
        message = self._by_ts.pop((channel, ts))
        self._messages[channel].remove(message)
        self._emit("message_deleted", {"channel": channel, "ts": ts})

    def _add_ephemeral(self, channel: str | None, user: str | None, text: Any, blocks: Any, thread_ts: Any,
                       *, source: str) -> dict:
        ephemeral = {"ts": self._next_ts(), "channel": channel, "user": user,
                     "text": "" if text is None else str(text), "blocks": fill_ids(blocks),
                     "thread_ts": thread_ts or None, "source": source}
        self._ephemerals.append(ephemeral)
        self._emit("ephemeral", copy.deepcopy(ephemeral))
        return ephemeral

    def _react(self, user: str, channel: str, ts: str, name: str, *, add: bool) -> dict:
        message = self._message(channel, ts)
        reactions = message["reactions"]
        entry = next((r for r in reactions if r["name"] == name), None)
        if add:
            if entry is None:
                entry = {"name": name, "users": []}
                reactions.append(entry)
            if user in entry["users"]:
                raise SlackError("already_reacted")
            entry["users"].append(user)
        else:
            if entry is None or user not in entry["users"]:
                raise SlackError("no_reaction")
            entry["users"].remove(user)
            if not entry["users"]:
                reactions.remove(entry)
        self._emit("reaction", {"channel": channel, "ts": ts, "name": name, "user": user, "added": add,
                                "message": copy.deepcopy(message)})
        return copy.deepcopy(message)

    def _view_object(self, view: dict, *, view_id: str | None = None, root_view_id: str | None = None,
                     previous_view_id: str | None = None) -> dict:
        view_id = view_id or f"V{next(self._ids):08X}"
        return {
            "id": view_id, "team_id": self.team_id, "type": view["type"],
            "blocks": fill_ids(view.get("blocks")), "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""), "state": {"values": {}}, "hash": self._new_hash(),
            "title": view.get("title"), "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)), "close": view.get("close"),
            "submit": view.get("submit"), "previous_view_id": previous_view_id,
            "root_view_id": root_view_id or view_id, "app_id": self.app_id,
            "external_id": view.get("external_id", ""), "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
