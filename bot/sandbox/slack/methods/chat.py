"""chat.postMessage, chat.update, chat.delete, chat.postEphemeral, chat.getPermalink, and the content checks they share.

A mixin of FakeSlack (bot/sandbox/slack/fake.py), which owns the workspace state, the lock and the state
helpers; every handler runs under the lock and answers the method's fields or raises SlackError.
"""

from __future__ import annotations

import copy

from bot.blocks.limits import (
    MAX_MESSAGE_TEXT,
)
from bot.sandbox.slack.blockkit import FALLBACK_ERROR, block_errors, missing_fallback, too_long
from bot.sandbox.slack.methods.common import SlackError
from bot.sandbox.slack.shapes import fill_ids, slack_message


class ChatMethods:
    """The chat.* methods and the content checks they share."""

    def _check_content(self, args: dict, *, need_content: bool = True) -> None:
        blocks = args.get("blocks")
        if blocks is not None and (errors := block_errors(blocks)):
            raise SlackError("invalid_blocks", messages=errors)
        if missing_fallback(args):
            # Slack only warns; the stand-in refuses, so no message reaches a notification as nothing.
            raise SlackError("invalid_arguments", messages=[FALLBACK_ERROR])
        if need_content and not args.get("text") and not blocks and not args.get("attachments"):
            raise SlackError("no_text")
        if too_long(args.get("text"), MAX_MESSAGE_TEXT):
            raise SlackError("msg_too_long")

    def _chat_post_message(self, args: dict) -> dict:
        channel = self._channel(args["channel"], users_as_dm=True)
        if channel.get("is_archived"):
            raise SlackError("is_archived")
        self._check_content(args)
        message = self._store_message(channel["id"], user=self.bot_user_id, text=args.get("text"),
                                      blocks=args.get("blocks"), thread_ts=args.get("thread_ts"), bot=True,
                                      attachments=args.get("attachments"), metadata=args.get("metadata"))
        return {"channel": channel["id"], "ts": message["ts"], "message": slack_message(message)}

    def _chat_update(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        message = self._message(channel["id"], args["ts"])
        if message["user"] != self.bot_user_id:
            raise SlackError("cant_update_message")
        self._check_content(args)
        # Fields left out keep their old value, as Slack documents for chat.update.
        if "text" in args:
            message["text"] = "" if args["text"] is None else str(args["text"])
        if "blocks" in args:
            message["blocks"] = fill_ids(args["blocks"])
        for key in ("attachments", "metadata"):
            if key in args:
                message[key] = args[key]
        message.update(edited=True, edited_ts=self._next_ts())
        self._emit("message_changed", {"channel": channel["id"], "message": copy.deepcopy(message)})
        return {"channel": channel["id"], "ts": message["ts"], "text": message["text"],
                "message": slack_message(message)}

    def _chat_delete(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        message = self._message(channel["id"], args["ts"])
        if message["user"] != self.bot_user_id:
            raise SlackError("cant_delete_message")
        self._delete_message(channel["id"], message["ts"])
        return {"channel": channel["id"], "ts": message["ts"]}

    def _chat_post_ephemeral(self, args: dict) -> dict:
        channel = self._channel(args["channel"], users_as_dm=True)
        user = str(args["user"])
        if user not in self._users:
            raise SlackError("user_not_in_channel")
        if channel["kind"] != "im" and channel["members"] and user not in channel["members"]:
            raise SlackError("user_not_in_channel")
        self._check_content(args)
        ephemeral = self._add_ephemeral(channel["id"], user, args.get("text"), args.get("blocks"),
                                        args.get("thread_ts"), source="chat.postEphemeral")
        return {"message_ts": ephemeral["ts"]}

    def _chat_get_permalink(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        message = self._message(channel["id"], args["message_ts"])
        link = f"https://{self.domain}.slack.com/archives/{channel['id']}/p{message['ts'].replace('.', '')}"
        if message["thread_ts"] and message["thread_ts"] != message["ts"]:
            link += f"?thread_ts={message['thread_ts']}&cid={channel['id']}"
        return {"channel": channel["id"], "permalink": link}
