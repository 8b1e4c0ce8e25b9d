"""Requesting a 1-on-1 and the manager's answer, through the service."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.services.errors import UserFacingError
from storage.models import OneOnOne, Person
from tests.service.one_on_ones.conftest import Env


def count(env: Env) -> int:
    with env.sessions() as session:
        return session.scalar(select(func.count()).select_from(OneOnOne))


def test_a_request_queues_the_managers_dm(env: Env) -> None:
    """A request is stored as requested and the manager's DM (with buttons) is queued once."""
    view = env.one_on_ones.request(team_id=env.team, requester="URAVI", manager_id="UMARIA", topic="Q4 hiring plan")
    assert view.state == "requested" and view.manager_id == "UMARIA" and view.topic == "Q4 hiring plan"
    assert env.keys() == [f"1on1:{view.id}:request"]
