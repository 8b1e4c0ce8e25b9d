"""okrbot end to end with a kudos channel, and what people do in Slack to give kudos."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import Stack, start_stack


@pytest.fixture
def kudos_stack(db_url: str) -> Iterator[Stack]:
    """The whole okrbot (kudos posted in #kudos, 5 a day) behind a real HTTP server, on SQLite and PostgreSQL."""
    running = start_stack(db_url, env={"OKRBOT_KUDOS_CHANNEL": "CKUDOS", "OKRBOT_KUDOS_DAILY_LIMIT": "5"})
    try:
        yield running
    finally:
        running.close()
