"""conversations.open (DMs and group DMs), conversations.info, conversations.history, conversations.replies.

A mixin of FakeSlack (bot/sandbox/slack/fake.py), which owns the workspace state, the lock and the state
helpers; every handler runs under the lock and answers the method's fields or raises SlackError.
"""

from __future__ import annotations

import time
from typing import Any

from bot.blocks.limits import (
    MAX_MPIM_USERS,
)
from bot.sandbox.slack.methods.common import SlackError, cursor, flag, stable_id, uncursor
from bot.sandbox.slack.shapes import slack_message


class ConversationMethods:
    """The conversations methods (a FakeSlack mixin)."""

    def _conversations_open(self, args: dict) -> dict:
        if args.get("channel"):
            channel = self._channel(args["channel"])
            return {"no_op": True, "already_open": True, "channel": self._open_answer(channel, args)}
        raw = args.get("users") or ""
        users = [u.strip() for u in (raw if isinstance(raw, list) else str(raw).split(",")) if u.strip()]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > MAX_MPIM_USERS:
            raise SlackError("too_many_users")
        for user_id in users:
            if user_id not in self._users:
                raise SlackError("user_not_found")
            if self._users[user_id]["deleted"]:
                raise SlackError("user_disabled")
        if len(users) == 1:
            existed = users[0] in self._dms
            channel = self._dm(users[0])
        else:
            members = sorted({*users, self.bot_user_id})
            channel_id = stable_id("G", ",".join(members))
            existed = channel_id in self._channels
            if not existed:
                self._channels[channel_id] = {
                    "id": channel_id, "kind": "mpim", "name": "mpdm-" + "--".join(
                        self._users[u]["name"] for u in members) + "-1", "members": members,
                    "is_private": True, "created": int(time.time())}
            channel = self._channels[channel_id]
        answer: dict[str, Any] = {"channel": self._open_answer(channel, args)}
        if existed:
            answer.update(no_op=True, already_open=True)
        return answer

    def _open_answer(self, channel: dict, args: dict) -> dict:
        return self._channel_object(channel) if flag(args.get("return_im")) else {"id": channel["id"]}

    def _conversations_info(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        return {"channel": self._channel_object(channel, num_members=flag(args.get("include_num_members")))}

    def _page(self, items: list[dict], args: dict, default_limit: int) -> dict:
        start = int(uncursor("offset", args["cursor"])) if args.get("cursor") else 0
        limit = int(args.get("limit") or default_limit)
        page, more = items[start:start + limit], len(items) > start + limit
        return {"messages": [slack_message(m) for m in page], "has_more": more,
                "response_metadata": {"next_cursor": cursor("offset", start + limit) if more else ""}}

    def _in_window(self, message: dict, args: dict) -> bool:
        inclusive = flag(args.get("inclusive"))
        ts = float(message["ts"])
        if args.get("oldest") and (ts < float(args["oldest"]) or (ts == float(args["oldest"]) and not inclusive)):
            return False
        return not (args.get("latest") and (
            ts > float(args["latest"]) or (ts == float(args["latest"]) and not inclusive)))

    def _conversations_history(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        top = [m for m in reversed(self._messages.get(channel["id"], []))
               if (not m["thread_ts"] or m["thread_ts"] == m["ts"]) and self._in_window(m, args)]
        return {**self._page(top, args, 100), "pin_count": 0}

    def _conversations_replies(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        message = self._by_ts.get((channel["id"], str(args["ts"])))
        if message is None:
            raise SlackError("thread_not_found")
        root_ts = message["thread_ts"] or message["ts"]
        thread = [m for m in self._messages[channel["id"]]
                  if (m["ts"] == root_ts or m["thread_ts"] == root_ts) and self._in_window(m, args)]
        return self._page(thread, args, 1000)
