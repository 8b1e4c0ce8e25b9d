"""Builds a running okrbot from Settings: database, services, Bolt app, outbox sender."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.clock import Clock, utcnow
from bot.services import ServiceContext, Services
from bot.services.outbox import Outbox
from bot.settings import ConfigError, Settings
from bot.slack_port import OutboxSender, SlackDirectory, make_client
from storage.db import make_engine, make_sessions
from storage.migrate import ensure_current

log = logging.getLogger("okrbot")


@dataclass
class Runtime:
    """Everything one okrbot process needs, built once (no module-level globals)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    services: Services
    client_for: Any
    sender_options: dict[str, Any] = field(default_factory=dict)
    _app: App | None = None
    _sender: OutboxSender | None = None

    @property
    def app(self) -> App:
        """The Bolt app (built on first use: it may call auth.test)."""
        if self._app is None:
            token = self.settings.slack_bot_token.get_secret_value() if self.settings.slack_bot_token else None
            # Direct replies (views.publish, views.open, ephemerals) wait out a 429 twice; the sender has its own.
            client = make_client(token, self.settings.slack_api_url, retry_rate_limits=2)
            self._app = create_app(self.settings, self.services, client=client,
                                   token_verification=self.sender_options.get("token_verification", True),
                                   oauth_engine=self.engine,
                                   installation_store=getattr(self.client_for, "store", None))
        return self._app

    def sender(self) -> OutboxSender:
        """The process's outbox sender (not started)."""
        if self._sender is None:
            options = {k: v for k, v in self.sender_options.items() if k != "token_verification"}
            options.setdefault("rate", self.settings.send_rate)
            self._sender = OutboxSender(self.sessions, self.client_for, clock=self.services.ctx.clock, **options)
            self.services.ctx.outbox.set_waker(self._sender.wake)
        return self._sender

    def close(self) -> None:
        """Stop the sender and release database connections."""
        if self._sender is not None:
            self._sender.stop()
        self.engine.dispose()


def build_runtime(settings: Settings, *, clock: Clock = utcnow, migrate: str = "check",
                  **sender_options: Any) -> Runtime:
    """Connect to the database (checking or applying migrations) and build the services.

    `migrate`: "check" refuses an outdated schema (the default SQLite file is migrated automatically),
    "auto" migrates, "skip" does neither.
    """
    engine = make_engine(settings.database_url)
    if migrate != "skip":
        auto = migrate == "auto" or settings.database_url == "sqlite:///okrbot.db"
        ensure_current(engine, auto_migrate=auto, url=settings.database_url)
    sessions = make_sessions(engine)
    client_for = _client_factory(settings, engine)
    outbox = Outbox(clock)
    ctx = ServiceContext(sessions=sessions, settings=settings, clock=clock,
                         directory=SlackDirectory(client_for), outbox=outbox)
    services = Services(ctx)
    if hasattr(client_for, "set_on_installed"):  # OAuth: an install (or reinstall) re-activates the workspace
        client_for.set_on_installed(lambda team_id, installation: services.workspaces.installed(
            team_id=team_id, name=installation.team_name or "", bot_user_id=installation.bot_user_id))
    return Runtime(settings, engine, sessions, services, client_for, dict(sender_options))


def _client_factory(settings: Settings, engine: Engine):  # noqa: ANN202
    """team_id -> WebClient: the one bot token, or the team's installation (OAuth)."""
    if settings.slack_bot_token:
        client = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
        return lambda _team_id: client
    if settings.oauth_enabled:
        from bot.installations import TeamClients

        # Never a revoked token: refreshed on install/uninstall, after 30 s, and when Slack refuses it.
        return TeamClients(settings.slack_client_id or "", engine, settings.slack_api_url)
    anonymous = make_client(None, settings.slack_api_url)
    return lambda _team_id: anonymous


def require(settings: Settings, mode: str) -> None:
    """Raise ConfigError naming what `mode` (http, socket, scheduler) lacks."""
    if mode == "http":
        settings.require_http()
    elif mode == "socket":
        settings.require_socket()
    elif mode == "scheduler":
        settings.require_bot_token()
    else:  # pragma: no cover
        raise ConfigError(f"unknown mode {mode}")
