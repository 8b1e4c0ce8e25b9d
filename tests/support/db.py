"""Databases for tests: a migrated SQLite file per test, and PostgreSQL (TEST_DATABASE_URL) truncated per test."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from storage.db import Base, make_engine, normalise_url
from storage.migrate import upgrade

PG_SKIP_REASON = "TEST_DATABASE_URL is not set: the PostgreSQL variant of this test is skipped (CI sets it)"


def pg_url_from_env() -> str | None:
    """The PostgreSQL URL tests may use, or None."""
    return os.environ.get("TEST_DATABASE_URL") or None


def create_private_database(base_url: str) -> str:
    """A new, empty database beside TEST_DATABASE_URL's, so concurrent test runs never share tables."""
    name = f"okrbot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = make_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(make_url(normalise_url(base_url)).set(database=name).render_as_string(hide_password=False))


def drop_private_database(base_url: str, url: str) -> None:
    """Drop a database made by create_private_database."""
    name = make_url(url).database
    engine = make_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@contextlib.contextmanager
def empty_postgres() -> Iterator[str]:
    """A new, empty private PostgreSQL database (no tables at all), dropped after; the test is skipped without
    TEST_DATABASE_URL."""
    import pytest

    base = pg_url_from_env()
    if base is None:
        pytest.skip(PG_SKIP_REASON)
    url = create_private_database(base)
    try:
        yield url
    finally:
        drop_private_database(base, url)


def reset_postgres(url: str) -> None:
    """Migrate the (private, empty) test database from nothing (once per test session)."""
    upgrade(url)


def truncate_postgres(url: str) -> None:
    """Empty every okrbot table (fast isolation between tests)."""
    engine = make_engine(url)
    slack = ["slack_installations", "slack_bots", "slack_oauth_states"]  # slack_sdk's OAuth tables (migrated)
    names = ", ".join(f'"{name}"' for name in [*(t.name for t in Base.metadata.sorted_tables), *slack])
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def migrated_sqlite_template(directory: Path) -> Path:
    """A SQLite file migrated to head, made once; tests copy it."""
    path = directory / "template.db"
    if not path.exists():
        upgrade(f"sqlite:///{path}")
    return path


def fresh_sqlite(template: Path, target: Path) -> str:
    """Copy the migrated template to `target` and return its URL."""
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@contextlib.contextmanager
def statements(engine: Any) -> Iterator[list[str]]:
    """Every SQL statement run on `engine` inside the block (statement counts are what the service tests pin)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
