"""Fake Slack's OAuth installs: `oauth.v2.access` hands a workspace a bot token; uninstall revokes it.

A FakeSlack plays one workspace with `bot_token`; installs add more workspaces, each with its own token,
so tests can drive Bolt's real OAuth flow for several teams and see which token each call used.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.slack.methods.common import SlackError


@dataclass
class Install:
    """One workspace installed through OAuth: its team and the bot token Slack issued."""

    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    token: str
    installer: str


class OAuthInstalls:
    """Mixin for FakeSlack: pending install codes, issued tokens, and which team each accepted call was for."""

    _install_codes: dict[str, tuple[str, str, str]]
    _installs: dict[str, Install]  # token -> install
    _install_seq: itertools.count
    token_teams: list[tuple[str, str]]  # (method, team_id) for every call an install token made
    _current_install: Install | None

    _methods: dict[str, Callable[[dict], dict]]

    def _init_oauth(self) -> None:
        self._install_codes, self._installs, self._install_seq = {}, {}, itertools.count(1)
        self.token_teams, self._current_install = [], None
        self._methods["oauth.v2.access"] = self._oauth_v2_access
        workspace_auth_test = self._methods["auth.test"]

        def auth_test(args: dict) -> dict:
            install = self._current_install
            if install is None:
                return workspace_auth_test(args)
            return {**workspace_auth_test(args), "team": install.team_name, "team_id": install.team_id,
                    "user_id": install.bot_user_id, "bot_id": install.bot_id}

        self._methods["auth.test"] = auth_test

    def new_install_code(self, team_id: str, team_name: str, installer: str = "UINSTALLER") -> str:
        """The `code` Slack would send to the redirect URL after `installer` approved the app for `team_id`."""
        code = f"code-{team_id}-{next(self._install_seq)}"
        self._install_codes[code] = (team_id, team_name, installer)
        return code

    def revoke_team(self, team_id: str) -> None:
        """The app was uninstalled from `team_id`: its tokens stop working."""
        for token in [t for t, i in self._installs.items() if i.team_id == team_id]:
            del self._installs[token]

    def install_for(self, token: str) -> Install | None:
        """The install a bot token belongs to (None: not an install token, or revoked)."""
        return self._installs.get(token)

    def _oauth_v2_access(self, args: dict) -> dict:
        found = self._install_codes.pop(str(args.get("code") or ""), None)
        if found is None:
            raise SlackError("invalid_code")
        team_id, team_name, installer = found
        n = next(self._install_seq)
        install = Install(team_id, team_name, f"UBOT{team_id}", f"BBOT{team_id}", f"xoxb-{team_id}-{n}", installer)
        self._installs[install.token] = install
        return {"access_token": install.token, "token_type": "bot", "scope": "chat:write,commands",
                "bot_user_id": install.bot_user_id, "app_id": getattr(self, "app_id", "A0OKRBOT01"),
                "team": {"id": team_id, "name": team_name}, "enterprise": None, "is_enterprise_install": False,
                "authed_user": {"id": installer}}
