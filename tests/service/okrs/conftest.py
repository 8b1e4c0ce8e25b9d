"""OKR, import and Home services on SQLite and PostgreSQL, with the real Slack directory and outbox sender
talking to the loopback Slack (no HTTP app: these tests call the services directly)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.services.imports.service import ImportService
from bot.views.okrs import checkin_field, new_field
from storage.models import CheckIn, KeyResult, Objective
from tests.support.service_env import ServiceEnv, running_env

MID_NOVEMBER = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # half-way through 2026-Q4


@dataclass
class Env(ServiceEnv):
    """The shared service environment, with OKR arranging helpers."""

    @property
    def okrs(self) -> Any:
        """The OKR service."""
        return self.services.okrs

    @property
    def home(self) -> Any:
        """The Home service."""
        return self.services.home

    @property
    def imports(self) -> ImportService:
        """The import service the CLI uses."""
        return ImportService(self.services.ctx, okrs=self.services.okrs)

    def create(self, owner: str = "URAVI", title: str = "Delight our first customers",
               krs: tuple[tuple[str, float, float], ...] = (("Weekly active teams", 0, 40),),
               quarter: str = "2026-Q4", unit: str = "") -> Any:
        """An objective created the way the New objective modal does (key results as (title, start, target))."""
        values: dict[str, Any] = {new_field("title"): title, new_field("quarter"): quarter}
        for position, (kr_title, start, target) in enumerate(krs, start=1):
            values |= {new_field("title", position): kr_title, new_field("start", position): str(start),
                       new_field("target", position): str(target), new_field("unit", position): unit}
        return self.okrs.create(team_id=self.team, owner_id=owner, values=values)

    def check_in(self, objective: Any, batch: str = "V1", user: str | None = None, **per_kr: Any) -> Any:
        """Submit the check-in modal: `kr0={"value": "12", "status": "off_track", "obstacles": "…"}`."""
        values: dict[str, Any] = {}
        for index, kr in enumerate(objective.key_results):
            given = per_kr.get(f"kr{index}", {})
            values[checkin_field(kr.id, "value")] = given.get("value", str(kr.current))
            values[checkin_field(kr.id, "status")] = given.get("status", kr.explicit_status or "auto")
            values[checkin_field(kr.id, "obstacles")] = given.get("obstacles")
            values[checkin_field(kr.id, "next_steps")] = given.get("next_steps")
        return self.okrs.check_in(team_id=self.team, user_id=user or objective.owner_id, objective_id=objective.id,
                                  batch_id=batch, values=values)

    def check_ins(self) -> list[CheckIn]:
        """Every stored check-in."""
        return self.rows(CheckIn)

    def objectives(self) -> list[Objective]:
        """Every stored objective."""
        return self.rows(Objective)

    def key_results(self) -> list[KeyResult]:
        """Every stored key result."""
        return self.rows(KeyResult)


def okr_env(db_url: str, **env: str) -> AbstractContextManager[Env]:
    """okrbot's services on `db_url` with the loopback Slack; the clock reads 16 November 2026, 09:00 UTC."""
    return running_env(Env, db_url, at=MID_NOVEMBER, managed=False, **env)


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """okrbot's services with OKR messages in the owners' DMs; the clock reads 16 November 2026, 09:00 UTC."""
    with okr_env(db_url) as running:
        yield running


@pytest.fixture
def channel_env(db_url: str) -> Iterator[Env]:
    """The same with OKRBOT_OKR_CHANNEL=COKRS."""
    with okr_env(db_url, OKRBOT_OKR_CHANNEL="COKRS") as running:
        yield running


@pytest.fixture
def graceless_env(db_url: str) -> Iterator[Env]:
    """The same with OKRBOT_STATUS_GRACE_DAYS=0: a new key result gets its derived status at once."""
    with okr_env(db_url, OKRBOT_STATUS_GRACE_DAYS="0") as running:
        yield running
