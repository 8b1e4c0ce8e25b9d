"""OAuth installs (many workspaces): the installation store and the per-team WebClient cache.

A workspace's bot token lives in slack_sdk's tables (slack_installations, slack_bots; revision prod_oauth).
`TeamClients` hands out one WebClient per team and must never keep a token that is gone: the store tells it
when this process saves or deletes an installation, a cached client is re-read after `ttl` seconds (so other
processes learn of a reinstall within that time), and the outbox sender asks it to `forget` a team whose token
Slack refused, then tries once more with whatever the store holds now.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.slack_directory import make_client


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy store, telling `on_change(team_id)` after every save or delete."""

    def __init__(self, client_id: str, engine: Any, on_change: Callable[[str, Installation | None], None]
                 | None = None) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self._on_change = on_change

    def _changed(self, team_id: str | None, installation: Installation | None = None) -> None:
        if self._on_change is not None and team_id:
            self._on_change(team_id, installation)

    def save(self, installation: Installation) -> None:
        """Store an install (a reinstall adds newer rows; the newest wins)."""
        super().save(installation)
        self._changed(installation.team_id, installation)

    def save_bot(self, bot: Bot) -> None:
        """Store the bot part of an install."""
        super().save_bot(bot)
        self._changed(bot.team_id)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete every bot token of the team."""
        super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self._changed(team_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        """Delete the team's installation rows (one user's, or all), tokens included."""
        super().delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        self._changed(team_id)


class TeamClients:
    """team_id -> WebClient with the team's current bot token (None when it has none)."""

    def __init__(self, client_id: str, engine: Any, base_url: str, *, ttl: float = 30.0,
                 on_installed: Callable[[str, Installation], None] | None = None) -> None:
        self.store = InstallationStore(client_id, engine, on_change=self._changed)
        self._base_url, self._ttl = base_url, ttl
        self._on_installed = on_installed
        self._clients: dict[str, tuple[float, WebClient]] = {}
        self._lock = threading.Lock()

    def __call__(self, team_id: str) -> WebClient:
        now = time.monotonic()
        with self._lock:
            cached = self._clients.get(team_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        bot = self.store.find_bot(enterprise_id=None, team_id=team_id) if team_id else None
        client = make_client(bot.bot_token if bot else None, self._base_url)
        with self._lock:
            self._clients[team_id] = (now, client)
        return client

    def forget(self, team_id: str) -> None:
        """Read the team's token from the store on next use."""
        with self._lock:
            self._clients.pop(team_id, None)

    def set_on_installed(self, hook: Callable[[str, Installation], None]) -> None:
        """Call `hook(team_id, installation)` after each install this process stores (workspace bookkeeping)."""
        self._on_installed = hook

    def _changed(self, team_id: str, installation: Installation | None) -> None:
        self.forget(team_id)
        if installation is not None and self._on_installed is not None:
            self._on_installed(team_id, installation)
