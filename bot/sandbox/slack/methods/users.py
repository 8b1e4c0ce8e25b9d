"""Who is who: apps.connections.open, auth.test, team.info, users.info, users.list, users.lookupByEmail.

A mixin of FakeSlack (bot/sandbox/slack/fake.py), which owns the workspace state, the lock and the state
helpers; every handler runs under the lock and answers the method's fields or raises SlackError.
"""

from __future__ import annotations

import time

from bot.sandbox.slack.methods.common import SlackError, cursor, flag, uncursor


class UserMethods:
    """The users methods (a FakeSlack mixin)."""

    def _apps_connections_open(self, args: dict) -> dict:
        if not self.socket_mode_url:
            raise SlackError("socket_mode_not_enabled")  # the fake's name for "no Socket Mode peer attached"
        return {"url": self.socket_mode_url}

    def _auth_test(self, args: dict) -> dict:
        return {"url": f"https://{self.domain}.slack.com/", "team": self.team_name, "user": "okrbot",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _team_info(self, args: dict) -> dict:
        if args.get("team") not in (None, "", self.team_id):
            raise SlackError("team_not_found")
        return {"team": {"id": self.team_id, "name": self.team_name, "domain": self.domain,
                         "email_domain": "example.com", "icon": {"image_default": True},
                         "url": f"https://{self.domain}.slack.com/"}}

    def _users_info(self, args: dict) -> dict:
        user = self._users.get(str(args["user"]))
        if user is None:
            raise SlackError("user_not_found")
        shaped = self._user_object(user)
        if flag(args.get("include_locale")):
            shaped["locale"] = "en-US"
        return {"user": shaped}

    def _users_list(self, args: dict) -> dict:
        members = list(self._users.values())
        start = 0
        if args.get("cursor"):
            after = uncursor("user", args["cursor"])
            ids = [user["id"] for user in members]
            if after not in ids:
                raise SlackError("invalid_cursor")
            start = ids.index(after)
        limit = int(args.get("limit") or 0) or len(members)
        page = members[start:start + limit]
        rest = members[start + limit:]
        return {"members": [self._user_object(user) for user in page], "cache_ts": int(time.time()),
                "response_metadata": {"next_cursor": cursor("user", rest[0]["id"]) if rest else ""}}

    def _users_lookup_by_email(self, args: dict) -> dict:
        email = str(args["email"]).lower()
        for user in self._users.values():
            if (user["email"] or "").lower() == email:
                return {"user": self._user_object(user)}
        raise SlackError("users_not_found")
