"""A running sandbox per test: the stand-in, okrbot and the page server on ephemeral ports.

The sandbox's own database is a SQLite file; these tests also run it on PostgreSQL (`db_url`), so the seed
and every flow are checked on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.server import Sandbox
from tests.e2e.sandbox.client import PageClient
from tests.support.stack import running_sandbox


@pytest.fixture
def sandbox(tmp_path: Path, db_url: str) -> Iterator[Sandbox]:
    """A seeded sandbox (its scheduler off, so nothing runs behind the test's back); objective messages posted."""
    with running_sandbox(tmp_path / "sandbox.db", database_url=db_url) as running:
        yield running


@pytest.fixture
def page(sandbox: Sandbox) -> PageClient:
    """The page's JSON API of the running sandbox."""
    return PageClient(sandbox)
