"""The 1-on-1 services on SQLite and PostgreSQL, with the real Slack directory and outbox sender talking to
the loopback Slack (no HTTP app: these tests call the services directly)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from storage.models import KeyResult, Objective
from tests.support.service_env import ServiceEnv, running_env

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@dataclass
class Env(ServiceEnv):
    """The shared service environment, with the 1-on-1 service and an objective helper."""

    @property
    def one_on_ones(self) -> Any:
        """The service under test."""
        return self.services.one_on_ones

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
    with running_env(Env, db_url, at=MONDAY) as running:
        yield running
