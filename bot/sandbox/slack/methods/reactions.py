"""reactions.add, reactions.remove, reactions.get.

A mixin of FakeSlack (bot/sandbox/slack/fake.py), which owns the workspace state, the lock and the state
helpers; every handler runs under the lock and answers the method's fields or raises SlackError.
"""

from __future__ import annotations

from bot.sandbox.slack.methods.common import SlackError
from bot.sandbox.slack.shapes import slack_message


class ReactionMethods:
    """The reactions methods (a FakeSlack mixin)."""

    def _reaction_target(self, args: dict) -> dict:
        if not args.get("channel") or not args.get("timestamp"):
            raise SlackError("no_item_specified")
        channel = self._channel(args["channel"])
        return self._message(channel["id"], args["timestamp"])

    def _reactions_add(self, args: dict) -> dict:
        name = str(args["name"])
        if ":" in name or " " in name:
            raise SlackError("invalid_name")
        message = self._reaction_target(args)
        self._react(self.bot_user_id, message["channel"], message["ts"], name, add=True)
        return {}

    def _reactions_remove(self, args: dict) -> dict:
        message = self._reaction_target(args)
        self._react(self.bot_user_id, message["channel"], message["ts"], str(args["name"]), add=False)
        return {}

    def _reactions_get(self, args: dict) -> dict:
        message = self._reaction_target(args)
        link = self._chat_get_permalink({"channel": message["channel"], "message_ts": message["ts"]})
        return {"type": "message", "channel": message["channel"],
                "message": {**slack_message(message), "permalink": link["permalink"]}}
