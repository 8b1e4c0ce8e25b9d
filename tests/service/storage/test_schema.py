"""Migrations, models and datetimes on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from storage.db import Base, insert_ignore, make_engine, make_sessions, table_names
from storage.migrate import SchemaOutdated, alembic_config, current_revision, ensure_current, head_revision, upgrade
from storage.models import KeyResult, Workspace
from storage.models_delivery import InboxEvent, OutboundMessage
from storage.models_kudos import Kudos
from storage.models_nudges import Nudge
from tests.support.db import empty_postgres


def test_migrations_build_every_table(db_url: str) -> None:
    """The migrated database has every table of the models and is at head."""
    engine = make_engine(db_url)
    assert {t.name for t in Base.metadata.sorted_tables} <= table_names(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_models_and_migrations_agree(db_url: str) -> None:
    """Autogenerate finds no difference between the models and the migrated schema."""
    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                              "include_object": _not_slack_sdks})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def _not_slack_sdks(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """slack_sdk's OAuth tables are compared with slack_sdk's own definitions (test below), not with the models."""
    return not (type_ == "table" and name and name.startswith("slack_"))


def test_oauth_tables_match_slack_sdks_stores(db_url: str) -> None:
    """The OAuth tables made by revision prod_oauth are what slack_sdk's SQLAlchemy stores expect."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
    from sqlalchemy import MetaData

    expected = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(expected, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(expected, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(expected, "slack_oauth_states")
    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, *_: type_ != "table" or name.startswith("slack_")})
        diff = compare_metadata(context, expected)
    engine.dispose()
    assert diff == []


def test_migrate_an_empty_sqlite_file(tmp_path) -> None:  # noqa: ANN001
    """`okrbot migrate` on a new SQLite file goes from nothing to head, and again is a no-op."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert upgrade(url) == (None, head_revision())
    assert upgrade(url) == (head_revision(), head_revision())


def test_outdated_schema_is_refused(tmp_path) -> None:  # noqa: ANN001
    """An empty database makes ensure_current raise a message that says to run `okrbot migrate`."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaOutdated, match="okrbot migrate"):
        ensure_current(engine)


def test_datetimes_come_back_utc_aware(db_url: str) -> None:
    """A datetime written in another zone is read back as the same instant, aware, in UTC."""
    sessions = make_sessions(make_engine(db_url))
    written = datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    with sessions.begin() as session:
        session.add(Workspace(team_id="T1", name="Acme", installed_at=written))
    with sessions() as session:
        read = session.scalar(select(Workspace.installed_at))
    assert read == written
    assert read.tzinfo is not None and read.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(db_url: str) -> None:
    """Storing a naive datetime is a programming error, caught before it reaches the database."""
    sessions = make_sessions(make_engine(db_url))
    with pytest.raises(Exception, match="naive datetime"), sessions.begin() as session:
        session.add(Workspace(team_id="T1", installed_at=datetime(2026, 1, 1)))  # noqa: DTZ001
        session.flush()


NOW = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("model", "row"), [
    (InboxEvent, {"event_key": "Ev1", "team_id": "T1", "kind": "reaction_added", "payload": {}, "status": "pending",
                  "attempts": 0, "received_at": NOW}),
    (Kudos, {"team_id": "T1", "giver_id": "U1", "receiver_id": "U2", "source": "reaction", "channel_id": "C1",
             "message_ts": "1.2", "reaction": "clap", "giver_local_day": NOW.date(), "created_at": NOW}),
    (Nudge, {"team_id": "T1", "manager_id": "U1", "report_id": "U2", "period": "2026-12", "created_at": NOW}),
    (OutboundMessage, {"team_id": "T1", "dedupe_key": "k", "channel_key": "U1", "payload": {"text": "hi"},
                       "next_attempt_at": NOW, "created_at": NOW}),
])
def test_natural_keys_make_a_second_insert_a_no_op(db_url: str, model: type, row: dict) -> None:
    """Writing the same inbox event, kudos, nudge or outbox row twice stores it once."""
    sessions = make_sessions(make_engine(db_url))
    with sessions.begin() as session:
        assert insert_ignore(session, model, dict(row)) == 1
    with sessions.begin() as session:
        assert insert_ignore(session, model, dict(row)) == 0
    with sessions() as session:
        assert len(session.scalars(select(model)).all()) == 1


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # noqa: ANN001
    """An empty database, not migrated: a SQLite file, or a private PostgreSQL database (TEST_DATABASE_URL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with empty_postgres() as url:
        yield url


def test_obstacle_at_is_backfilled_kept_and_removed_by_its_migration(empty_url: str) -> None:
    """A database at `review` with check-ins: upgrading fills key_results.obstacle_at from them and its triggers
    keep it; downgrading removes the column and the triggers, and upgrading again works."""
    config = alembic_config(empty_url)
    command.upgrade(config, "review")
    engine = make_engine(empty_url)
    at = datetime(2026, 11, 2, 9, 0)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO objectives (id, team_id, owner_id, quarter, title, created_at, updated_at) "
                "VALUES (1, 'T1', 'U1', '2026-Q4', 'Grow', :at, :at)"), {"at": at})
            connection.execute(text(
                "INSERT INTO key_results (id, team_id, objective_id, title, position, start_value, target_value, "
                "current_value, unit, updated_at) VALUES (1, 'T1', 1, 'A', 0, 0, 10, 1, '', :at), "
                "(2, 'T1', 1, 'B', 1, 0, 10, 1, '', :at)"), {"at": at})
            connection.execute(text(
                "INSERT INTO check_ins (team_id, key_result_id, author_id, value, obstacles, next_steps, created_at) "
                "VALUES ('T1', 1, 'U1', 1, 'legal', '', :early), ('T1', 1, 'U1', 1, 'legal', '', :late), "
                "('T1', 1, 'U1', 1, '', '', :last), ('T1', 2, 'U1', 1, '', '', :late)"),
                {"early": at, "late": at + timedelta(days=3), "last": at + timedelta(days=5)})
        command.upgrade(config, "head")
        sessions = make_sessions(engine)

        def obstacle_at() -> dict[int, datetime | None]:
            with sessions() as session:
                return dict(session.execute(select(KeyResult.id, KeyResult.obstacle_at)).all())

        late = (at + timedelta(days=3)).replace(tzinfo=UTC)
        assert obstacle_at() == {1: late, 2: None}
        with engine.begin() as connection:  # the triggers came with it
            connection.execute(text("INSERT INTO check_ins (team_id, key_result_id, author_id, value, obstacles, "
                                    "next_steps, created_at) VALUES ('T1', 2, 'U1', 1, 'hiring', '', :at)"),
                               {"at": at})
        assert obstacle_at() == {1: late, 2: at.replace(tzinfo=UTC)}
        command.downgrade(config, "review")
        with engine.begin() as connection:  # no trigger is left to write to a column that is gone
            connection.execute(text("INSERT INTO check_ins (team_id, key_result_id, author_id, value, obstacles, "
                                    "next_steps, created_at) VALUES ('T1', 2, 'U1', 1, 'again', '', :at)"),
                               {"at": at + timedelta(days=9)})
            assert "obstacle_at" not in {c["name"] for c in inspect(connection).get_columns("key_results")}
        command.upgrade(config, "head")
        assert obstacle_at() == {1: late, 2: (at + timedelta(days=9)).replace(tzinfo=UTC)}
    finally:
        engine.dispose()
