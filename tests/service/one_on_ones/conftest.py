"""The 1-on-1 services on SQLite and PostgreSQL, with the real Slack directory and outbox sender talking to
the loopback Slack (no HTTP app: these tests call the services directly)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.runtime import Runtime, build_runtime
from bot.sandbox.fake_slack import FakeSlack
from bot.settings import Settings
from storage.models import KeyResult, Objective, OutboundMessage
from tests.support.clock import MovableClock
from tests.support.stack import BOT_TOKEN, TEAM, populate

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@dataclass
class Env:
    """Services on a real database, the clock, and the fake Slack their directory and sender talk to."""

    runtime: Runtime
    slack: FakeSlack
    clock: MovableClock
    team: str = TEAM

    @property
    def one_on_ones(self) -> Any:
        """The service under test."""
        return self.runtime.services.one_on_ones

    @property
    def sessions(self) -> Any:
        """Session factory, for arranging and asserting on rows."""
        return self.runtime.sessions

    def deliver(self) -> None:
        """Send everything the outbox holds to the fake Slack."""
        self.runtime.sender().drain(10)

    def queued(self) -> list[str]:
        """Dedupe keys of every queued notification, in order."""
        with self.sessions() as session:
            return list(session.scalars(select(OutboundMessage.dedupe_key).order_by(OutboundMessage.id)))

    def objective(self, owner: str, title: str, quarter: str = "2026-Q4", krs: tuple = ()) -> int:
        """Store an objective (and key results as (title, start, target, current, status))."""
        now = self.clock()
        with self.sessions.begin() as session:
            objective = Objective(team_id=self.team, owner_id=owner, quarter=quarter, title=title, created_at=now,
                                  updated_at=now)
            objective.key_results = [KeyResult(team_id=self.team, title=t, position=i, start_value=s, target_value=g,
                                               current_value=c, status=st, updated_at=now)
                                     for i, (t, s, g, c, st) in enumerate(krs)]
            session.add(objective)
            session.flush()
            return objective.id


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """Ravi, Lena and Tom report to Maria; the clock reads Monday 16 November 2026, 09:00 UTC."""
    fake = FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN).start()
    populate(fake)
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.base_url,  # type: ignore[call-arg]
                        DATABASE_URL=db_url)
    clock = MovableClock()
    clock.travel_to(MONDAY)
    runtime = build_runtime(settings, clock=clock, migrate="check", per_channel_interval=0.0, backoff=0.05,
                            max_backoff=0.2, idle_poll=0.05)
    for report in ("URAVI", "ULENA", "UTOM"):
        runtime.services.people.set_manager(TEAM, report, "UMARIA")
    try:
        yield Env(runtime, fake, clock)
    finally:
        runtime.close()
        fake.stop()
