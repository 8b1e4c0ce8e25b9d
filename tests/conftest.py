"""Fixtures shared by every test: databases (SQLite and PostgreSQL) and the end-to-end stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.db import (
    PG_SKIP_REASON,
    create_private_database,
    drop_private_database,
    fresh_sqlite,
    migrated_sqlite_template,
    pg_url_from_env,
    reset_postgres,
    truncate_postgres,
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per run."""
    return migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A private PostgreSQL database for this run, migrated from empty (skipped without TEST_DATABASE_URL)."""
    base = pg_url_from_env()
    if not base:
        pytest.skip(PG_SKIP_REASON)
    url = create_private_database(base)
    try:
        reset_postgres(url)
        yield url
    finally:
        drop_private_database(base, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """An empty, migrated database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return fresh_sqlite(sqlite_template, tmp_path / "okrbot.db")
    url = request.getfixturevalue("pg_url")
    truncate_postgres(url)
    return url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """An empty, migrated SQLite database (for tests whose subject is not storage)."""
    return fresh_sqlite(sqlite_template, tmp_path / "okrbot.db")


@pytest.fixture
def stack(db_url: str) -> Iterator[object]:
    """okrbot end to end (real HTTP, real WebClient, loopback Slack) on SQLite and PostgreSQL."""
    from tests.support.stack import start_stack

    running = start_stack(db_url)
    try:
        yield running
    finally:
        running.close()
