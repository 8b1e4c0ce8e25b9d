"""Fixtures of the privacy service tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.service.kudos.support import Env, running_env


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """Ravi, Lena and Tom report to Maria; the clock reads Monday 16 November 2026, 09:00 UTC."""
    with running_env(db_url) as running:
        yield running
