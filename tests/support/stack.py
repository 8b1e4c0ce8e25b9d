"""The whole okrbot behind a real HTTP server, the real WebClient talking to the loopback Slack.

    stack.slack      FakeSlack: the transcript and the workspace state (what people would see)
    stack.send       SlackSender: signed requests exactly as Slack sends them
    stack.services   the services, for arranging data the way a user would have
    stack.clock      MovableClock used by every service and by the outbox sender
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.runtime import Runtime, build_runtime
from bot.sandbox.server import Sandbox, start
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.sender import SlackSender
from bot.settings import Settings
from bot.web import LocalServer, create_wsgi_app
from tests.support.clock import MovableClock

TEAM = "T0001"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
SECRET_KEY = "cHJpdmF0ZS10ZXh0LWtleS1mb3Itb2tyYm90LXRlc3Q"  # 32 bytes, base64url: tests' OKRBOT_SECRET_KEY


@dataclass(frozen=True)
class Member:
    """One person of the test workspace."""

    user_id: str
    name: str
    tz: str
    email: str
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False


CAST = (
    Member("UMARIA", "maria", "Europe/Berlin", "maria@example.com"),
    Member("URAVI", "ravi", "Asia/Kolkata", "ravi@example.com"),
    Member("ULENA", "lena", "America/New_York", "lena@example.com"),
    Member("UTOM", "tom", "America/Los_Angeles", "tom@example.com"),
    Member("UPAT", "pat", "Europe/London", "pat@example.com"),
    Member("UADMIN", "ada", "UTC", "ada@example.com", is_admin=True),
    Member("UROBOT", "deploybot", "UTC", "", is_bot=True),
    Member("UGONE", "gone", "UTC", "gone@example.com", deleted=True),
)
REPORTS_OF_MARIA = ("URAVI", "ULENA", "UTOM")
FAST_INBOX = {"backoff": 0.05, "idle_poll": 0.02, "max_idle_poll": 0.2}  # the inbox worker of test stacks


def populate(fake: FakeSlack) -> None:
    """Add the cast and the usual channels to a FakeSlack."""
    for m in CAST:
        fake.add_user(m.user_id, m.name, real_name=m.name.title(), email=m.email or None, tz=m.tz,
                      is_bot=m.is_bot, deleted=m.deleted, is_admin=m.is_admin)
    members = [m.user_id for m in CAST if not m.is_bot and not m.deleted]
    fake.add_channel("CGENERAL", "general", members=members)
    fake.add_channel("CKUDOS", "kudos", members=members)
    fake.add_channel("COKRS", "okrs", members=members)


class OnRuntime:
    """`services` and `sessions` of the `runtime` attribute (end-to-end stacks and service environments)."""

    runtime: Runtime

    @property
    def services(self) -> Any:
        """The running services (arrange data through them as a user would have)."""
        return self.runtime.services

    @property
    def sessions(self) -> Any:
        """Session factory, for arranging and asserting on stored rows."""
        return self.runtime.sessions


@dataclass
class Stack(OnRuntime):
    """A running okrbot for end-to-end tests."""

    slack: FakeSlack
    runtime: Runtime
    server: LocalServer
    send: SlackSender
    clock: MovableClock
    team_id: str = TEAM
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Where Slack posts: http://127.0.0.1:PORT/slack/events"""
        return self.server.url + "/slack/events"

    def deliver(self, timeout: float = 10.0) -> None:
        """Wait until the inbox and then the outbox have nothing due (their background workers keep running too)."""
        self.runtime.inbox_worker().drain(timeout)
        self.runtime.sender().drain(timeout)

    def set_manager(self, report: str, manager: str) -> None:
        """Record a reporting line as `okrbot import people` or the Home tab would."""
        self.services.people.set_manager(self.team_id, report, manager)

    def close(self) -> None:
        """Stop the server, the sender and the fake Slack."""
        self.server.stop()
        self.runtime.close()
        self.slack.stop()


@contextmanager
def running_sandbox(path: Path, **options: Any) -> Iterator[Sandbox]:
    """A seeded sandbox on its SQLite file `path` (or `database_url=`), scheduler off, objective messages posted."""
    running = start(path, port=0, scheduler=False, **options)
    try:
        running.runtime.sender().drain(10)
        yield running
    finally:
        running.stop()


def start_stack(database_url: str, *, env: dict[str, str] | None = None, sender: bool = True) -> Stack:
    """Start FakeSlack, okrbot (same create_app and WSGI app as `okrbot serve`) and a signed-request sender."""
    fake = FakeSlack(team_id=TEAM, team_name="Acme", bot_user_id="UBOT", bot_token=BOT_TOKEN).start()
    populate(fake)
    values = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.base_url,
              "DATABASE_URL": database_url, "OKRBOT_SECRET_KEY": SECRET_KEY, **(env or {})}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    clock = MovableClock()
    runtime = build_runtime(settings, clock=clock, migrate="check", per_channel_interval=0.0, backoff=0.05,
                            max_backoff=0.2, idle_poll=0.05, inbox_options=FAST_INBOX)
    server = LocalServer(create_wsgi_app(runtime)).start()
    if sender:
        runtime.start_workers()
    return Stack(fake, runtime, server, SlackSender(server.url + "/slack/events", SIGNING_SECRET), clock)
