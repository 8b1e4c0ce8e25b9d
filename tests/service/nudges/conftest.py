"""Nudge services on SQLite and PostgreSQL with the real directory and sender talking to the loopback Slack.

Maria (Europe/Berlin) manages Ravi (Asia/Kolkata), Lena (America/New_York) and Tom (America/Los_Angeles).
okrbot was installed on 1 December 2026. Stored data is arranged with the ORM, the way the other features
store it; the nudge services under test are called directly.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import CheckIn, KeyResult, Objective, OkrComment, Person, Workspace
from storage.models_feedback import FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_nudges import Nudge
from storage.models_one_on_ones import OneOnOne, Task
from tests.support.service_env import ServiceEnv, start_env
from tests.support.stack import TEAM

INSTALLED = datetime(2026, 12, 1, tzinfo=UTC)
BEFORE_NUDGE = datetime(2026, 12, 14, 12, tzinfo=UTC)  # Monday; the December nudge is Tuesday the 15th


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class Env(ServiceEnv):
    """The shared service environment, with nudge arranging helpers."""

    _ts: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def nudges(self) -> Any:
        """The nudge service."""
        return self.services.nudges

    def scan(self, at: datetime | None = None, **kwargs: Any) -> Any:
        """Move the clock to `at` (if given) and run one scan."""
        if at is not None:
            self.clock.travel_to(at)
        return self.nudges.scan(**kwargs)

    def nudge_rows(self) -> list[Nudge]:
        """Every Nudge row, by pair."""
        with self.sessions() as session:
            return list(session.scalars(select(Nudge).order_by(Nudge.manager_id, Nudge.report_id, Nudge.period)))

    def objective(self, owner: str, title: str, *krs: tuple, quarter: str = "2026-Q4",
                  channel: str = "COKRS") -> Objective:
        """An objective with key results given as (title, start, target, current, explicit status or None)."""
        at = utc(2026, 10, 1)
        ts = (self.slack.post_user_message("UBOT", channel, title)["ts"] if channel.startswith("C")
              else f"1790000000.{next(self._ts):06d}")
        [objective] = self.add(Objective(team_id=self.team, owner_id=owner, quarter=quarter, title=title,
                                         channel_id=channel, message_ts=ts, created_at=at, updated_at=at))
        self.add(*(KeyResult(team_id=self.team, objective_id=objective.id, title=t, position=n, start_value=s,
                             target_value=g, current_value=c, status=st, updated_at=at)
                   for n, (t, s, g, c, st) in enumerate(krs)))
        return objective

    def key_results(self, objective: Objective) -> list[KeyResult]:
        """The objective's key results, in order."""
        with self.sessions() as session:
            return list(session.scalars(select(KeyResult).where(KeyResult.objective_id == objective.id)
                                        .order_by(KeyResult.position)))

    def check_in(self, kr: KeyResult, at: datetime, *, obstacles: str = "", next_steps: str = "",
                 author: str | None = None) -> None:
        """A check-in of `kr` at `at`."""
        self.add(CheckIn(team_id=self.team, key_result_id=kr.id, author_id=author or "URAVI", value=kr.current_value,
                         status=kr.status, obstacles=obstacles, next_steps=next_steps, created_at=at))

    def one_on_one(self, manager: str, report: str, *, state: str = "done", done_at: datetime | None = None,
                   team: str | None = None) -> OneOnOne:
        """A 1-on-1 of the pair."""
        [row] = self.add(OneOnOne(team_id=team or self.team, requester_id=report, manager_id=manager, state=state,
                                  requested_at=utc(2026, 11, 1), done_at=done_at))
        return row

    def task(self, one_on_one: OneOnOne, text: str, assignee: str, *, done: bool = False,
             due_on: date | None = None) -> None:
        """A task of a 1-on-1."""
        self.add(Task(team_id=one_on_one.team_id, one_on_one_id=one_on_one.id, assignee_id=assignee,
                      author_id=one_on_one.manager_id, text=text, due_on=due_on, done=done,
                      created_at=utc(2026, 11, 20)))

    def kudos(self, giver: str, receiver: str, at: datetime, message: str = "", *, team: str | None = None) -> None:
        """Kudos from `giver` to `receiver` at `at`."""
        self.add(Kudos(team_id=team or self.team, giver_id=giver, receiver_id=receiver, message=message,
                       source="command", message_ts=f"cmd{next(self._ts)}", giver_local_day=at.date(),
                       created_at=at))

    def feedback_request(self, requester: str, giver: str, at: datetime, state: str = "pending") -> None:
        """`requester` asked `giver` for feedback at `at`."""
        self.add(FeedbackRequest(team_id=self.team, requester_id=requester, giver_id=giver, about="the launch",
                                 state=state, created_at=at))

    def comment(self, objective: Objective, user: str, text: str, at: datetime, *, channel: str | None = None) -> None:
        """A reply in the objective's thread."""
        self.add(OkrComment(team_id=self.team, objective_id=objective.id, kind="reply", user_id=user,
                            channel_id=channel or objective.channel_id or "COKRS",
                            message_ts=f"1790000100.{next(self._ts):06d}", text=text, created_at=at))

    def set_person(self, user: str, **values: Any) -> None:
        """Change a stored person (away_until, tz, synced_at, is_active…)."""
        with self.sessions.begin() as session:
            person = session.get(Person, (self.team, user))
            for name, value in values.items():
                setattr(person, name, value)


def make_env(db_url: str, **env: str) -> Env:
    """A runtime on `db_url` with the loopback Slack; Maria's three reports set up; clock on 14 Dec 2026."""
    running = start_env(Env, db_url, at=BEFORE_NUDGE, managed=False, **env)
    running.add(Workspace(team_id=TEAM, name="Acme", installed_at=INSTALLED))
    running.set_managers()
    return running


@contextmanager
def nudge_env(db_url: str, **env: str) -> Iterator[Env]:
    """`make_env`, closed afterwards."""
    running = make_env(db_url, **env)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """Maria and her three reports; Monday 14 December 2026, 12:00 UTC."""
    with nudge_env(db_url) as running:
        yield running
