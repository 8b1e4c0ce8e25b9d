"""Kudos and feedback services on a real database, with the real Slack directory and outbox sender talking
to the loopback Slack (no HTTP app: these tests call the services directly). Shared by tests/service/feedback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.runtime import Runtime, build_runtime
from bot.sandbox.fake_slack import FakeSlack
from bot.settings import Settings
from storage.models import Feedback, FeedbackRequest, Kudos, Objective, OneOnOne, OutboundMessage
from tests.support.clock import MovableClock
from tests.support.stack import BOT_TOKEN, TEAM, populate

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # 14:30 in Kolkata, 04:00 in New York


@dataclass
class Env:
    """Services on a real database, the clock, and the fake Slack their directory and sender talk to."""

    runtime: Runtime
    slack: FakeSlack
    clock: MovableClock
    team: str = TEAM

    @property
    def kudos(self) -> Any:
        """The kudos service."""
        return self.runtime.services.kudos

    @property
    def feedback(self) -> Any:
        """The feedback service."""
        return self.runtime.services.feedback

    @property
    def sessions(self) -> Any:
        """Session factory, for arranging and asserting on rows."""
        return self.runtime.sessions

    def deliver(self) -> None:
        """Send everything the outbox holds to the fake Slack."""
        self.runtime.sender().drain(10)

    def outbox(self, prefix: str = "") -> list[OutboundMessage]:
        """Queued notifications whose key starts with `prefix`, in order."""
        with self.sessions() as session:
            return list(session.scalars(select(OutboundMessage).where(OutboundMessage.dedupe_key.startswith(prefix))
                                        .order_by(OutboundMessage.id)))

    def kudos_rows(self) -> list[Kudos]:
        """Every stored kudos, oldest first."""
        with self.sessions() as session:
            return list(session.scalars(select(Kudos).order_by(Kudos.id)))

    def feedback_rows(self) -> list[Feedback]:
        """Every stored feedback, oldest first."""
        with self.sessions() as session:
            return list(session.scalars(select(Feedback).order_by(Feedback.id)))

    def requests(self) -> list[FeedbackRequest]:
        """Every feedback request, oldest first."""
        with self.sessions() as session:
            return list(session.scalars(select(FeedbackRequest).order_by(FeedbackRequest.id)))

    def objective(self, owner: str, title: str, tag: str | None = None, quarter: str = "2026-Q4",
                  team: str | None = None) -> int:
        """Store an objective."""
        now = self.clock()
        with self.sessions.begin() as session:
            objective = Objective(team_id=team or self.team, owner_id=owner, quarter=quarter, title=title, tag=tag,
                                  created_at=now, updated_at=now)
            session.add(objective)
            session.flush()
            return objective.id

    def one_on_one(self, report: str, manager: str, state: str = "done") -> int:
        """Store a 1-on-1 between a report and their manager."""
        with self.sessions.begin() as session:
            meeting = OneOnOne(team_id=self.team, requester_id=report, manager_id=manager, topic="Q4 goals",
                               state=state, requested_at=self.clock(), agreed_at=self.clock())
            session.add(meeting)
            session.flush()
            return meeting.id


@contextmanager
def running_env(db_url: str, **env: str) -> Iterator[Env]:
    """Ravi, Lena and Tom report to Maria; the clock reads Monday 16 November 2026, 09:00 UTC."""
    fake = FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN).start()
    populate(fake)
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.base_url,  # type: ignore[call-arg]
                        DATABASE_URL=db_url, **env)
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
