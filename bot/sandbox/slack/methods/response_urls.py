"""Posts to response URLs: replies to a command or click, replacing or deleting the original, at most 5 uses.

A mixin of FakeSlack (bot/sandbox/slack/fake.py); new_response_url() there hands the URLs out.
"""

from __future__ import annotations

import copy

from bot.blocks.limits import MAX_RESPONSE_URL_USES
from bot.sandbox.slack.blockkit import FALLBACK_ERROR, block_errors, missing_fallback
from bot.sandbox.slack.methods.common import SlackError, flag
from bot.sandbox.slack.shapes import fill_ids


class ResponseUrlMethods:
    """The response_url "method" (a FakeSlack mixin)."""

    def _post_to_response_url(self, token: str, args: dict) -> dict:
        target = self._response_urls.get(token)
        if target is None:
            raise SlackError("expired_url", status=404)
        if target["uses"] >= MAX_RESPONSE_URL_USES:
            raise SlackError("used_url", status=404)
        target["uses"] += 1
        channel, user, original_ts = target["channel"], target["user"], target["message_ts"]
        if flag(args.get("delete_original")):
            self._delete_original(channel, user, original_ts)
            return {"ok": True}
        blocks, text = args.get("blocks"), args.get("text")
        if blocks is not None and (errors := block_errors(blocks)):
            raise SlackError("invalid_blocks", messages=errors, status=400)
        if not text and not blocks:
            raise SlackError("no_text", status=400)
        if missing_fallback(args):
            raise SlackError("invalid_arguments", messages=[FALLBACK_ERROR], status=400)
        if flag(args.get("replace_original")) and self._replace_original(channel, user, original_ts, args):
            return {"ok": True}
        if args.get("response_type") == "in_channel" and channel:
            self._store_message(channel, user=self.bot_user_id, text=text, blocks=blocks,
                                thread_ts=args.get("thread_ts"), bot=True)
        else:
            self._add_ephemeral(channel, user, text, blocks, args.get("thread_ts"), source="response_url")
        return {"ok": True}

    def _delete_original(self, channel: str | None, user: str | None, ts: str | None) -> None:
        for index, ephemeral in enumerate(self._ephemerals):
            if ephemeral["ts"] == ts and ephemeral["user"] == user:
                del self._ephemerals[index]
                self._emit("ephemeral", {"deleted": ts, "user": user})
                return
        if channel and ts and (channel, ts) in self._by_ts:
            self._delete_message(channel, ts)

    def _replace_original(self, channel: str | None, user: str | None, ts: str | None, args: dict) -> bool:
        for ephemeral in self._ephemerals:
            if ephemeral["ts"] == ts and ephemeral["user"] == user:
                ephemeral.update(text=args.get("text") or "", blocks=fill_ids(args.get("blocks")))
                self._emit("ephemeral", copy.deepcopy(ephemeral))
                return True
        message = self._by_ts.get((channel, ts)) if channel and ts else None
        if message is None:
            return False
        message.update(text=args.get("text") or "", blocks=fill_ids(args.get("blocks")), edited=True,
                       edited_ts=self._next_ts())
        self._emit("message_changed", {"channel": channel, "message": copy.deepcopy(message)})
        return True
