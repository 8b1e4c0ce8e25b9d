"""Databases for tests: a migrated SQLite file per test, and PostgreSQL (TEST_DATABASE_URL) truncated per test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import text

from storage.db import Base, make_engine
from storage.migrate import upgrade

PG_SKIP_REASON = "TEST_DATABASE_URL is not set: the PostgreSQL variant of this test is skipped (CI sets it)"


def pg_url_from_env() -> str | None:
    """The PostgreSQL URL tests may use, or None."""
    return os.environ.get("TEST_DATABASE_URL") or None


def reset_postgres(url: str) -> None:
    """Drop every table of the test database and migrate it from empty (once per test session)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)


def truncate_postgres(url: str) -> None:
    """Empty every okrbot table (fast isolation between tests)."""
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
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
