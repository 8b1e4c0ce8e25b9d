"""okrbot's services on a real database, with the real Slack directory and outbox sender talking to the loopback
Slack (no HTTP app: service tests call the services directly). Each feature's conftest subclasses `ServiceEnv`
with its own arranging helpers and starts it with `running_env`.

    env.services   every service          env.slack   the FakeSlack (CAST and channels of tests/support/stack.py)
    env.sessions   the session factory    env.clock   MovableClock used by the services and the sender
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select

from bot.runtime import Runtime, build_runtime
from bot.sandbox.slack.fake import FakeSlack
from bot.settings import Settings
from storage.models_delivery import OutboundMessage
from tests.support.clock import MovableClock
from tests.support.stack import BOT_TOKEN, REPORTS_OF_MARIA, SECRET_KEY, TEAM, OnRuntime, populate


@dataclass
class ServiceEnv(OnRuntime):
    """Services on a real database, the clock, and the fake Slack their directory and sender talk to."""

    runtime: Runtime
    slack: FakeSlack
    clock: MovableClock
    team: str = TEAM

    def deliver(self) -> None:
        """Send everything the outbox holds to the fake Slack."""
        self.runtime.sender().drain(10)

    def queued(self) -> list[str]:
        """Dedupe keys of every queued notification, in order."""
        with self.sessions() as session:
            return list(session.scalars(select(OutboundMessage.dedupe_key).order_by(OutboundMessage.id)))

    def outbox(self, prefix: str = "") -> list[OutboundMessage]:
        """Queued notifications whose key starts with `prefix`, in order."""
        with self.sessions() as session:
            return list(session.scalars(select(OutboundMessage).where(OutboundMessage.dedupe_key.startswith(prefix))
                                        .order_by(OutboundMessage.id)))

    def rows(self, model: Any) -> list[Any]:
        """Every row of a model, in id order (detached)."""
        with self.sessions() as session:
            order = getattr(model, "id", None)
            stmt = select(model).order_by(order) if order is not None else select(model)
            return list(session.scalars(stmt))

    def add(self, *rows: Any) -> list[Any]:
        """Store rows (detached afterwards, ids filled)."""
        with self.sessions.begin() as session:
            session.add_all(rows)
            session.flush()
        return list(rows)

    def set_managers(self, manager: str = "UMARIA", reports: tuple[str, ...] = REPORTS_OF_MARIA) -> None:
        """Record reporting lines as `okrbot import people` would."""
        for report in reports:
            self.services.people.set_manager(self.team, report, manager)

    def close(self) -> None:
        """Stop the runtime and the fake Slack."""
        self.runtime.close()
        self.slack.stop()


E = TypeVar("E", bound=ServiceEnv)


def start_env(cls: type[E], db_url: str, *, at: datetime, managed: bool = True, **env: str) -> E:
    """A `cls` on `db_url` with the loopback Slack (the CAST), the clock at `at`; `managed`: Ravi, Lena and Tom
    report to Maria. `env`: extra settings (OKRBOT_KUDOS_CHANNEL="CKUDOS"…)."""
    fake = FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN).start()
    populate(fake)
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.base_url,  # type: ignore[call-arg]
                        DATABASE_URL=db_url, **({"OKRBOT_SECRET_KEY": SECRET_KEY} | env))
    clock = MovableClock()
    clock.travel_to(at)
    runtime = build_runtime(settings, clock=clock, migrate="check", per_channel_interval=0.0, backoff=0.05,
                            max_backoff=0.2, idle_poll=0.05)
    running = cls(runtime, fake, clock)
    if managed:
        running.set_managers()
    return running


@contextmanager
def running_env(cls: type[E], db_url: str, *, at: datetime, managed: bool = True, **env: str) -> Iterator[E]:
    """`start_env`, closed afterwards."""
    running = start_env(cls, db_url, at=at, managed=managed, **env)
    try:
        yield running
    finally:
        running.close()
