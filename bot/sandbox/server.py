"""The sandbox: the real okrbot wired to the loopback Slack stand-in, plus a web page that plays Slack.

One process: FakeSlack on an ephemeral loopback port, okrbot's own runtime (same `create_app`, same
WSGI app, same outbox sender and scheduler jobs, SQLite), and a LocalServer on 127.0.0.1 serving
/slack/events (the real endpoint) beside the page and its small JSON API under /sandbox/api/
(bot/sandbox/page.py).

Everything a person does on the page becomes what Slack would send (bot/sandbox/slack/acting.py): a signed
slash command, a `block_actions` or `view_submission` payload, an Events API delivery. The app's answers
to those requests are applied to the stand-in as Slack applies them, and the page renders its state.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.runtime import Runtime, build_runtime
from bot.sandbox import seed
from bot.sandbox.page import PageState, SandboxError, page_app
from bot.sandbox.slack.acting import Acting
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.sender import SlackSender
from bot.settings import ConfigError, Settings
from bot.web import LocalServer, create_wsgi_app
from storage.crypto import new_key

__all__ = ["Sandbox", "SandboxError", "load_slack_state", "main", "slack_state_path", "start"]

log = logging.getLogger("okrbot.sandbox")

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"  # inside the package (works from a wheel)


@dataclass
class Sandbox(Acting):
    """A running sandbox: the stand-in, okrbot, the HTTP server and what the page needs."""

    slack: FakeSlack
    runtime: Runtime
    server: LocalServer
    send: SlackSender
    page: PageState
    db_path: Path
    scheduler: Any = None
    manifest: dict[str, Any] = field(default_factory=dict)
    _unsubscribe: Callable[[], None] | None = None
    _saver: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        """Where the page is: http://127.0.0.1:PORT/"""
        return self.server.url + "/"

    @property
    def slack_state_path(self) -> Path:
        """Where the stand-in's messages, Home tabs and reactions are kept between runs."""
        return slack_state_path(self.db_path)

    # ----------------------------------------------------------------------- lifecycle

    def stop(self) -> None:
        """Stop the page, the scheduler and the sender, keep the workspace on disk, release everything."""
        self._stopping.set()
        self.page.close()
        with contextlib.suppress(Exception):
            self.server.stop()
        if self.scheduler is not None:
            with contextlib.suppress(Exception):
                self.scheduler.shutdown(wait=False)
        self.runtime.close()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.save()
        self.slack.stop()

    def save(self) -> None:
        """Keep the stand-in's workspace (messages, reactions, Home tabs) in its SQLite file beside okrbot's."""
        save_slack_state(self.slack_state_path, self.slack.snapshot())

    def _autosave(self) -> None:
        seen = self.page.version
        while not self._stopping.wait(2.0):
            if self.page.version != seen:
                seen = self.page.version
                try:
                    self.save()
                except (OSError, sqlite3.Error):
                    log.exception("could not save the sandbox workspace")

    def jump_to_nudge(self) -> dict[str, Any]:
        """Run this month's mid-month nudge scan as if it were the nudge time (see seed.nudge_moment)."""
        result = seed.run_nudge(self.runtime)
        self.runtime.sender().wake()
        self.page.notice(user=None, text=result, kind="sandbox")
        return {"ok": True, "result": result}

    def jump_to_review(self) -> dict[str, Any]:
        """Send last quarter's "Review your quarter" prompts as if each person's review window had opened."""
        from bot.sandbox.seed_review import run_review_prompt
        from bot.services.okrs.status import quarter_of

        result = run_review_prompt(self.runtime, quarter_of(self.runtime.services.ctx.clock().date()))
        self.runtime.sender().wake()
        self.page.notice(user=None, text=result, kind="sandbox")
        return {"ok": True, "result": result}

    # ----------------------------------------------------------------------- what the page shows

    def state(self) -> dict[str, Any]:
        """Everything the page renders: the stand-in's workspace plus the sandbox's own bits."""
        dms = {p.user_id: self.slack.dm_channel(p.user_id) for p in seed.PEOPLE}
        snapshot = self.slack.snapshot()
        snapshot.update(version=self.page.version, instance=self.page.instance, dms=dms,
                        notices=list(self.page.notices), calls=list(self.page.calls),
                        people=seed.page_people(snapshot["users"]), commands=self.manifest.get("commands", []),
                        shortcuts=self.manifest.get("shortcuts", []), app=self.manifest.get("app", {}),
                        reactions=list(self.runtime.settings.kudos_reactions),
                        channels_order=list(seed.CHANNEL_ORDER), nudge=seed.nudge_label(self.runtime))
        return snapshot


# --------------------------------------------------------------------------- starting and stopping


def slack_state_path(db_path: Path) -> Path:
    """`okrbot-sandbox.db` → `okrbot-sandbox.slack.db`: the stand-in's conversations between runs."""
    return db_path.with_name(db_path.stem + ".slack.db")


def save_slack_state(path: Path, state: dict[str, Any]) -> None:
    """Store a FakeSlack snapshot (one row, replaced in one transaction: a crash leaves the previous one)."""
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE IF NOT EXISTS slack_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
                           "saved_at REAL NOT NULL, snapshot TEXT NOT NULL)")
        connection.execute("INSERT OR REPLACE INTO slack_state (id, saved_at, snapshot) VALUES (1, ?, ?)",
                           (time.time(), json.dumps(state)))


def load_slack_state(path: Path) -> dict[str, Any] | None:
    """The stored FakeSlack snapshot, or None when there is none (or it cannot be read)."""
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            row = connection.execute("SELECT snapshot FROM slack_state WHERE id = 1").fetchone()
        return json.loads(row[0]) if row else None
    except (sqlite3.Error, ValueError):
        log.warning("could not read %s; the conversations start empty", path)
        return None


def read_manifest() -> dict[str, Any]:
    """The app's commands and shortcuts from manifest.yml (for the composer's suggestions)."""
    import yaml

    try:
        data = yaml.safe_load(MANIFEST.read_text()) or {}
    except OSError:
        return {"commands": [], "shortcuts": [], "app": {"name": "okrbot"}}
    features = data.get("features") or {}
    display = data.get("display_information") or {}
    return {
        "commands": [{"command": c["command"], "description": c.get("description", ""),
                      "usage_hint": c.get("usage_hint", "")} for c in features.get("slash_commands") or []],
        "shortcuts": [{"name": s["name"], "callback_id": s["callback_id"], "type": s.get("type", "message"),
                       "description": s.get("description", "")} for s in features.get("shortcuts") or []],
        "app": {"name": display.get("name", "okrbot"), "description": display.get("description", "")},
    }


def sandbox_key_path(db_path: Path) -> Path:
    """Where the sandbox keeps the key its private texts are encrypted under (beside its database)."""
    return db_path.with_name(db_path.name + ".key")


def sandbox_key(db_path: Path) -> str:
    """The sandbox's own OKRBOT_SECRET_KEY: made on first start, readable by its owner only."""
    path = sandbox_key_path(db_path)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key() + "\n")
    return path.read_text().strip()


def start(db_path: str | Path = "okrbot-sandbox.db", *, port: int = 0, reset: bool = False,
          scheduler: bool = True, env: dict[str, str] | None = None, database_url: str | None = None) -> Sandbox:
    """Start the stand-in, okrbot and the page; seed the demo workspace when the database has none.

    `db_path` is the SQLite file (the stand-in's conversations go beside it); tests may give another
    `database_url` (PostgreSQL), which `reset` does not empty.
    """
    db_path = Path(db_path).resolve()
    if reset:
        for path in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm"),
                     slack_state_path(db_path), sandbox_key_path(db_path)):
            path.unlink(missing_ok=True)
    token = "xoxb-sandbox-" + secrets.token_hex(12)
    signing_secret = secrets.token_hex(16)  # new every run: only this process can sign requests
    fake = FakeSlack(team_id=seed.TEAM_ID, team_name=seed.TEAM_NAME, bot_user_id=seed.BOT_USER_ID,
                     bot_token=token).start()
    try:
        seed.populate_slack(fake)
        values = {**seed.SETTINGS, **(env or {}), "SLACK_API_URL": fake.base_url, "SLACK_BOT_TOKEN": token,
                  "SLACK_SIGNING_SECRET": signing_secret, "DATABASE_URL": database_url or f"sqlite:///{db_path}"}
        values.setdefault("OKRBOT_SECRET_KEY", sandbox_key(db_path))
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        runtime = build_runtime(settings, migrate="auto", per_channel_interval=0.05, backoff=0.2, max_backoff=5.0,
                                idle_poll=0.2)
    except Exception:
        fake.stop()
        raise
    page = PageState()
    holder: list[Sandbox] = []
    try:
        # Bind the port before seeding, so a busy port fails at once with nothing seeded.
        server = LocalServer(create_wsgi_app(runtime, extra={"/": page_app(lambda: holder[0])}), port=port)
    except OSError as error:
        runtime.close()
        fake.stop()
        if error.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} is already in use: stop what runs there, or pass --port") from None
        raise
    except Exception:
        runtime.close()
        fake.stop()
        raise
    try:
        if seed.is_seeded(runtime):
            _restore_conversations(fake, slack_state_path(db_path))
        else:
            seed.seed_database(runtime, fake)
    except Exception:
        server.start().stop()  # LocalServer.stop() waits for a serving loop, so give it one to end
        runtime.close()
        fake.stop()
        raise
    sandbox = Sandbox(slack=fake, runtime=runtime, server=server,
                      send=SlackSender(server.url + "/slack/events", signing_secret), page=page, db_path=db_path,
                      manifest=read_manifest())
    holder.append(sandbox)
    sandbox._unsubscribe = fake.subscribe(page.changed)
    server.start()
    runtime.start_workers()
    if scheduler:
        from bot.scheduler import build_scheduler

        sandbox.scheduler = build_scheduler(runtime, blocking=False)
        sandbox.scheduler.start()
    sandbox._saver = threading.Thread(target=sandbox._autosave, name="sandbox-save", daemon=True)
    sandbox._saver.start()
    return sandbox


def _restore_conversations(fake: FakeSlack, path: Path) -> None:
    saved = load_slack_state(path)
    if saved is None:
        return
    try:
        fake.restore(saved)
    except (KeyError, TypeError, ValueError):
        log.warning("the saved conversations do not fit this version of the sandbox; they start empty")


def main(reset: bool = False, port: int | None = None, db_path: str = "okrbot-sandbox.db",
         llm_stub: bool = False) -> None:
    """`okrbot sandbox`: run until Ctrl-C, then stop everything (the SQLite file keeps the data).

    The page listens on 127.0.0.1:`port` (default $PORT, else 3000). `llm_stub`: also start the loopback
    language-model stand-in (bot/sandbox/fake_llm.py) and configure okrbot to use it (docs/llm.md).
    """
    import click

    from bot.settings import load_settings

    settings = load_settings()
    if port is None:
        port = settings.port  # PORT from the environment or .env (a wrong one is a one-line ConfigError)
    if "log_level" not in settings.model_fields_set:
        # A newcomer wants the address, not the jobs' INFO lines: warnings and errors only unless LOG_LEVEL asks.
        logging.getLogger().setLevel(logging.WARNING)
    done = threading.Event()  # Ctrl-C from here on stops cleanly, even while still starting
    previous = {sig: signal.signal(sig, lambda *_: done.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    stub = None
    try:
        if llm_stub:
            from bot.sandbox.fake_llm import stub_settings

            stub, env = stub_settings()
        sandbox = start(db_path, port=port, reset=reset, env=env if stub else None)
    except BaseException:
        if stub is not None:
            stub.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        raise
    if stub is not None:
        click.echo(f"okrbot sandbox: language-model stand-in at {stub.url} (canned answers labelled \"[stand-in "
                   "model]\")")
    click.echo(f"okrbot sandbox: demo workspace \"{seed.TEAM_NAME}\", data in {sandbox.db_path.name} "
               "(`okrbot sandbox --reset` starts afresh; Ctrl-C stops; LOG_LEVEL=INFO shows the jobs' logs)")
    click.echo(f"\n  okrbot is ready: open {sandbox.url}\n")
    try:
        while not done.wait(0.5):
            pass
    finally:
        click.echo("okrbot sandbox: stopping…")
        sandbox.stop()
        if stub is not None:
            stub.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        click.echo(f"okrbot sandbox: stopped; everything is kept in {sandbox.db_path.name}")
