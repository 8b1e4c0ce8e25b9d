"""Kudos and feedback services on a real database, with the real Slack directory and outbox sender talking
to the loopback Slack (no HTTP app: these tests call the services directly). Shared by tests/service/feedback."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from storage.models import Objective
from storage.models_feedback import Feedback, FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import OneOnOne
from tests.support.service_env import ServiceEnv
from tests.support.service_env import running_env as shared_running_env

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # 14:30 in Kolkata, 04:00 in New York


@dataclass
class Env(ServiceEnv):
    """The shared service environment, with kudos and feedback arranging helpers."""

    @property
    def kudos(self) -> Any:
        """The kudos service."""
        return self.services.kudos

    @property
    def feedback(self) -> Any:
        """The feedback service."""
        return self.services.feedback

    def kudos_rows(self) -> list[Kudos]:
        """Every stored kudos, oldest first."""
        return self.rows(Kudos)

    def feedback_rows(self) -> list[Feedback]:
        """Every stored feedback, oldest first."""
        return self.rows(Feedback)

    def requests(self) -> list[FeedbackRequest]:
        """Every feedback request, oldest first."""
        return self.rows(FeedbackRequest)

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


def running_env(db_url: str, **env: str) -> AbstractContextManager[Env]:
    """Ravi, Lena and Tom report to Maria; the clock reads Monday 16 November 2026, 09:00 UTC."""
    return shared_running_env(Env, db_url, at=MONDAY, **env)
