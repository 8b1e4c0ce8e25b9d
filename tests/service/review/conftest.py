"""Quarter-review services on SQLite and PostgreSQL, with the loopback Slack (no HTTP app)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.views.okrs import checkin_field, new_field
from bot.views.review import ReviewBlock
from tests.support.service_env import ServiceEnv, running_env

IN_THE_WINDOW = datetime(2026, 12, 21, 12, 0, tzinfo=UTC)  # a Monday, in 2026-Q4's review window everywhere


@dataclass
class Env(ServiceEnv):
    """The shared service environment with quarter-review helpers."""

    @property
    def review(self) -> Any:
        """The review service."""
        return self.services.review

    def objective(self, owner: str = "URAVI", title: str = "Launch onboarding v2",
                  krs: tuple[tuple[str, float, float], ...] = (("Activation rate", 20, 40),),
                  quarter: str = "2026-Q4") -> Any:
        """An objective made as the New objective modal makes it (key results as (title, start, target))."""
        values: dict[str, Any] = {new_field("title"): title, new_field("quarter"): quarter}
        for position, (kr_title, start, target) in enumerate(krs, start=1):
            values |= {new_field("title", position): kr_title, new_field("start", position): str(start),
                       new_field("target", position): str(target), new_field("unit", position): ""}
        return self.services.okrs.create(team_id=self.team, owner_id=owner, values=values)

    def check_in(self, objective: Any, batch: str, *, days_ago: float = 0, **per_kr: Any) -> Any:
        """A check-in `days_ago` days before now: `kr0={"value": "30", "obstacles": "…"}`."""
        now = self.clock()
        self.clock.travel_to(now - timedelta(days=days_ago))
        try:
            values: dict[str, Any] = {}
            for index, kr in enumerate(objective.key_results):
                given = per_kr.get(f"kr{index}", {})
                values[checkin_field(kr.id, "value")] = given.get("value", str(kr.current))
                values[checkin_field(kr.id, "status")] = "auto"
                values[checkin_field(kr.id, "obstacles")] = given.get("obstacles")
                values[checkin_field(kr.id, "next_steps")] = None
            return self.services.okrs.check_in(team_id=self.team, user_id=objective.owner_id,
                                               objective_id=objective.id, batch_id=batch, values=values)
        finally:
            self.clock.travel_to(now)

    def save(self, part_id: int, user: str = "URAVI", grade: str = "0.6", outcome: str = "partly",
             helped: str = "Pairing with Lena", obstacles: tuple[int, ...] = (), **more: str) -> Any:
        """Save one objective's form as the modal does."""
        values = {ReviewBlock.GRADE: grade, ReviewBlock.OUTCOME: outcome, ReviewBlock.HELPED: helped,
                  ReviewBlock.OBSTACLES: [str(i) for i in obstacles], ReviewBlock.IN_THE_WAY: more.get("in_the_way"),
                  ReviewBlock.CARRY: more.get("carry")}
        return self.review.save_part(team_id=self.team, user_id=user, part_id=part_id, values=values)


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """Services with Ravi, Lena and Tom reporting to Maria; the clock reads Monday 21 December 2026, 12:00 UTC."""
    with running_env(Env, db_url, at=IN_THE_WINDOW) as running:
        yield running
