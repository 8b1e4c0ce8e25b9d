"""Builds a running okrbot from Settings: database, services, Bolt app, outbox sender."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import log_safety
from bot.app import create_app, replay_event
from bot.clock import Clock, utcnow
from bot.inbox import Inbox
from bot.inbox_filter import ReactionFilter
from bot.inbox_worker import InboxWorker
from bot.services import ServiceContext, Services, outbox_hooks
from bot.services.core.outbox import Outbox
from bot.services.okrs.status import set_status_grace
from bot.settings import ConfigError, Settings
from bot.slack_directory import SlackDirectory, make_client
from bot.slack_port import OutboxSender
from storage.crypto import CryptoError, Keyring, attach
from storage.db import make_engine, make_sessions
from storage.migrate import ensure_current
from storage.sqlite_gate import sqlite_write_gate

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
    inbox_options: dict[str, Any] = field(default_factory=dict)
    _app: App | None = None
    _worker_app: App | None = None
    _sender: OutboxSender | None = None
    keyring: Keyring = field(default_factory=Keyring)
    _inbox: Inbox | None = None
    _inbox_worker: InboxWorker | None = None
    _inbox_engine: Engine | None = None

    @property
    def app(self) -> App:
        """The Bolt app (built on first use: it may call auth.test)."""
        if self._app is None:
            token = self.settings.slack_bot_token.get_secret_value() if self.settings.slack_bot_token else None
            # Direct replies (views.publish, views.open, ephemerals) wait out a 429 twice; the sender has its own.
            client = make_client(token, self.settings.slack_api_url, retry_rate_limits=2)
            self._app = create_app(self.settings, self.services, client=client,
                                   token_verification=self.sender_options.get("token_verification", True),
                                   oauth_engine=self.engine, inbox=self.inbox,
                                   installation_store=getattr(self.client_for, "store", None))
        return self._app

    @property
    def inbox(self) -> Inbox:
        """The inbox every acknowledged event is stored in (bot/inbox.py)."""
        if self._inbox is None:
            sessions = self.sessions
            if self.engine.dialect.name == "postgresql":
                # The ack path's insert skips the pool's pre-ping (one round trip per request); a connection
                # found dead is retried once by Inbox.accept instead.
                self._inbox_engine = make_engine(self.settings.database_url, pool_pre_ping=False, pool_size=5,
                                                 max_overflow=15)
                sessions = make_sessions(self._inbox_engine)
            keep = ReactionFilter(self.settings.kudos_reactions, self.services.okrs.conversation_channels)
            self._inbox = Inbox(sessions, self.services.ctx.clock, gate=sqlite_write_gate(self.engine),
                                keep_reaction=keep)
        return self._inbox

    @property
    def worker_app(self) -> App:
        """The Bolt app stored events are replayed through: same listeners, run in the worker's thread."""
        if self._worker_app is None:
            token = self.settings.slack_bot_token.get_secret_value() if self.settings.slack_bot_token else None
            client = make_client(token, self.settings.slack_api_url, retry_rate_limits=2)
            self._worker_app = create_app(self.settings, self.services, client=client, token_verification=False,
                                          oauth_engine=self.engine, worker=True,
                                          installation_store=getattr(self.client_for, "store", None))
        return self._worker_app

    def inbox_worker(self) -> InboxWorker:
        """The process's inbox worker (not started)."""
        if self._inbox_worker is None:
            options = {"lease": self.settings.inbox_lease, **self.inbox_options}
            self._inbox_worker = InboxWorker(self.inbox, lambda payload: replay_event(self.worker_app, payload),
                                             **options)
            self.inbox.set_waker(self._inbox_worker.wake)
        return self._inbox_worker

    def start_workers(self) -> None:
        """Start the inbox worker and the outbox sender of this process."""
        self.worker_app  # noqa: B018 - built before the first row arrives (it may call Slack's auth.test)
        self.inbox_worker().start()
        self.sender().start()

    def sender(self) -> OutboxSender:
        """The process's outbox sender (not started)."""
        if self._sender is None:
            options = {k: v for k, v in self.sender_options.items() if k != "token_verification"}
            options.setdefault("rate", self.settings.send_rate)
            options.setdefault("lease", self.settings.outbox_lease)
            self._sender = OutboxSender(self.sessions, self.client_for, clock=self.services.ctx.clock,
                                        hooks=self.services.ctx.outbox.hooks, **options)
            self.services.ctx.outbox.set_waker(self._sender.wake)
        return self._sender

    def close(self) -> None:
        """Stop the inbox worker and the sender, and release database connections."""
        if self._inbox_worker is not None:
            self._inbox_worker.stop()
        if self._sender is not None:
            self._sender.stop()
        if self._inbox_engine is not None:
            self._inbox_engine.dispose()
        self.engine.dispose()


def build_runtime(settings: Settings, *, clock: Clock = utcnow, migrate: str = "check",
                  inbox_options: dict[str, Any] | None = None, **sender_options: Any) -> Runtime:
    """Connect to the database (checking or applying migrations) and build the services.

    `migrate`: "check" refuses an outdated schema (the default SQLite file is migrated automatically),
    "auto" migrates, "skip" does neither.
    """
    log_safety.add_secrets(log_safety.secrets_of(settings))  # also those read from .env
    set_status_grace(settings.status_grace_days)
    keyring = keyring_for(settings)
    engine = attach(make_engine(settings.database_url), keyring)  # this runtime's keys, not the process's
    if migrate != "skip":
        auto = migrate == "auto" or settings.database_url == "sqlite:///okrbot.db"
        ensure_current(engine, auto_migrate=auto, url=settings.database_url)
    sessions = make_sessions(engine)
    client_for = _client_factory(settings, engine)
    outbox = Outbox(clock, hooks=outbox_hooks())  # an unknown on_sent name fails where it is written
    ctx = ServiceContext(sessions=sessions, settings=settings, clock=clock,
                         directory=SlackDirectory(client_for), outbox=outbox)
    services = Services(ctx)
    if hasattr(client_for, "set_on_installed"):  # OAuth: an install (or reinstall) re-activates the workspace
        client_for.set_on_installed(lambda team_id, installation: services.workspaces.installed(
            team_id=team_id, name=installation.team_name or "", bot_user_id=installation.bot_user_id))
    return Runtime(settings, engine, sessions, services, client_for, dict(sender_options),
                   dict(inbox_options or {}), keyring=keyring)


def keyring_for(settings: Settings) -> Keyring:
    """The keys of OKRBOT_SECRET_KEY (empty when unset: private text can then be neither read nor written)."""
    try:
        return Keyring.parse(settings.secret_key.get_secret_value() if settings.secret_key else "")
    except CryptoError as error:
        raise ConfigError(str(error)) from None


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
    settings.require_secret_key()
