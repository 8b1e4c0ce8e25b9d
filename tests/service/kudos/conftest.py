"""Fixtures of the kudos service tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.service.kudos.support import Env, running_env


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """Kudos posted in #kudos (CKUDOS), 5 a day; Ravi, Lena and Tom report to Maria; Monday 16 Nov 2026 09:00 UTC."""
    with running_env(db_url, OKRBOT_KUDOS_CHANNEL="CKUDOS", OKRBOT_KUDOS_DAILY_LIMIT="5") as running:
        yield running
