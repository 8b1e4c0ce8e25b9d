"""Alembic, driven from code: upgrade a database and tell whether its schema is current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.db import make_engine, normalise_url

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaOutdated(RuntimeError):
    """The database is not at the latest migration."""


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at okrbot's migrations and the database at `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str, engine: Engine | None = None) -> tuple[str | None, str]:
    """Bring the database at `url` to the latest schema; returns (revision before, revision after)."""
    own = engine is None
    engine = engine or make_engine(url)
    try:
        before = current_revision(engine)
        config = alembic_config(url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        if own:
            engine.dispose()
    return before, head_revision()


def ensure_current(engine: Engine, *, auto_migrate: bool = False, url: str = "") -> None:
    """Refuse to run on an outdated schema (or migrate it, for the default SQLite file)."""
    if current_revision(engine) == head_revision():
        return
    if auto_migrate:
        upgrade(url, engine)
        return
    raise SchemaOutdated(
        f"The database schema is not current (at {current_revision(engine) or 'empty'}, "
        f"need {head_revision()}). Run `okrbot migrate` first."
    )
