"""OKR, import and Home services on SQLite and PostgreSQL, with the real Slack directory and outbox sender
talking to the loopback Slack (no HTTP app: these tests call the services directly)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks.okrs import checkin_field, new_field
from bot.runtime import Runtime, build_runtime
from bot.sandbox.fake_slack import FakeSlack
from bot.services.imports import ImportService
from bot.settings import Settings
from storage.models import CheckIn, KeyResult, Objective, OutboundMessage
from tests.support.clock import MovableClock
from tests.support.stack import BOT_TOKEN, TEAM, populate

MID_NOVEMBER = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # half-way through 2026-Q4


@dataclass
class Env:
    """Services on a real database, the clock, and the fake Slack their directory and sender talk to."""

    runtime: Runtime
    slack: FakeSlack
    clock: MovableClock
    team: str = TEAM

    @property
    def services(self) -> Any:
        """Every service."""
        return self.runtime.services

    @property
    def okrs(self) -> Any:
        """The OKR service."""
        return self.runtime.services.okrs

    @property
    def home(self) -> Any:
        """The Home service."""
        return self.runtime.services.home

    @property
    def imports(self) -> ImportService:
        """The import service the CLI uses."""
        return ImportService(self.runtime.services.ctx, self.runtime.services)

    @property
    def sessions(self) -> Any:
        """Session factory, for arranging and asserting on rows."""
        return self.runtime.sessions

    def deliver(self) -> None:
        """Send everything the outbox holds to the fake Slack."""
        self.runtime.sender().drain(10)

    def outbox_keys(self) -> list[str]:
        """Dedupe keys of every queued notification, in order."""
        with self.sessions() as session:
            return list(session.scalars(select(OutboundMessage.dedupe_key).order_by(OutboundMessage.id)))

    def rows(self, model: Any) -> list[Any]:
        """Every row of a model, in id order (detached)."""
        with self.sessions() as session:
            order = getattr(model, "id", None)
            stmt = select(model).order_by(order) if order is not None else select(model)
            return list(session.scalars(stmt))

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


def make_env(db_url: str, **env: str) -> tuple[Runtime, FakeSlack, MovableClock]:
    """A runtime on `db_url` with the loopback Slack, the clock in mid-November 2026."""
    fake = FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN).start()
    populate(fake)
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.base_url,  # type: ignore[call-arg]
                        DATABASE_URL=db_url, **env)
    clock = MovableClock()
    clock.travel_to(MID_NOVEMBER)
    runtime = build_runtime(settings, clock=clock, migrate="check", per_channel_interval=0.0, backoff=0.05,
                            max_backoff=0.2, idle_poll=0.05)
    return runtime, fake, clock


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """okrbot's services with OKR messages in the owners' DMs; the clock reads 16 November 2026, 09:00 UTC."""
    runtime, fake, clock = make_env(db_url)
    try:
        yield Env(runtime, fake, clock)
    finally:
        runtime.close()
        fake.stop()


@pytest.fixture
def channel_env(db_url: str) -> Iterator[Env]:
    """The same with OKRBOT_OKR_CHANNEL=COKRS."""
    runtime, fake, clock = make_env(db_url, OKRBOT_OKR_CHANNEL="COKRS")
    try:
        yield Env(runtime, fake, clock)
    finally:
        runtime.close()
        fake.stop()
