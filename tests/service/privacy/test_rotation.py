"""`okrbot keys rotate`: everything ends under the first key, nothing is lost, even while okrbot keeps writing."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from storage.crypto import Keyring, attach, new_key
from storage.db import make_engine, make_sessions
from storage.models_feedback import Feedback
from storage.models_one_on_ones import Note, OneOnOne
from storage.rotation import count_stale, rotate
from tests.service.kudos.support import Env, running_env
from tests.service.privacy.support import raw_dump
from tests.support.cli import cli_variables, invoke

OLD, NEW = new_key(), new_key()


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """okrbot already serving with the new key first and the old one after it (step 1 of a rotation)."""
    with running_env(db_url, OKRBOT_SECRET_KEY=f"{NEW},{OLD}") as running:
        yield running


def write_under_old_key(env: Env, meeting: int, count: int) -> None:
    """`count` notes and feedback written before the rotation (old key), and one plain-text note from before
    encryption existed."""
    engine = attach(make_engine(env.runtime.settings.database_url), Keyring([OLD]))
    try:
        with make_sessions(engine).begin() as session:
            now = env.clock()
            for i in range(count):
                session.add(Note(team_id=env.team, one_on_one_id=meeting, author_id="UMARIA", text=f"old note {i}",
                                 private=bool(i % 2), created_at=now))
                session.add(Feedback(team_id=env.team, giver_id="UTOM", receiver_id="ULENA", text=f"old feedback {i}",
                                     created_at=now))
            session.get(OneOnOne, meeting).manager_summary = "old summary"
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (team_id, one_on_one_id, author_id, text, private, created_at) "
                                    "VALUES (:team, :meeting, 'UMARIA', 'plain legacy note', :private, :now)"),
                               {"team": env.team, "meeting": meeting, "private": True, "now": env.clock()})
    finally:
        engine.dispose()


def test_rotation_under_concurrent_writes_loses_nothing_and_leaves_nothing_under_the_old_key(env: Env) -> None:
    """While notes are added and a summary rewritten, rotation re-encrypts every old and plain row; afterwards
    every text reads back as written and no stored value is under the old key."""
    meeting = env.one_on_one("ULENA", "UMARIA")
    write_under_old_key(env, meeting, 40)
    old_id = Keyring([OLD]).current_id
    assert sum(count_stale(env.runtime.engine, env.runtime.keyring).values()) == 82
    modules = env.services.one_on_ones.module
    errors: list[BaseException] = []

    def add_notes() -> None:
        try:
            for i in range(25):
                modules.add_note(team_id=env.team, one_on_one_id=meeting, actor="ULENA", text=f"new note {i}",
                                 private=True)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    def rewrite_summary() -> None:
        try:
            for i in range(25):
                modules.save_summary(team_id=env.team, one_on_one_id=meeting, actor="ULENA", text=f"summary v{i}")
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    writers = [threading.Thread(target=add_notes), threading.Thread(target=rewrite_summary)]
    for thread in writers:
        thread.start()
    report = rotate(env.runtime.engine, env.runtime.keyring, batch=7)
    for thread in writers:
        thread.join(60)
    assert errors == []
    assert report.done and sum(report.rotated.values()) >= 81
    assert count_stale(env.runtime.engine, env.runtime.keyring) == {
        "one_on_ones.requester_summary": 0, "one_on_ones.manager_summary": 0, "notes.text": 0, "feedback.text": 0,
        "objective_reviews.helped": 0, "objective_reviews.in_the_way": 0, "objective_reviews.carry": 0,
        "objective_reviews.manager_comment": 0}
    assert f"enc1:{old_id}:" not in raw_dump(env.runtime.settings.database_url)
    with env.sessions() as session:
        notes = sorted(session.scalars(select(Note.text)))
        feedback = sorted(session.scalars(select(Feedback.text)))
        row = session.get(OneOnOne, meeting)
    assert notes == sorted([f"old note {i}" for i in range(40)] + [f"new note {i}" for i in range(25)]
                           + ["plain legacy note"])
    assert feedback == sorted(f"old feedback {i}" for i in range(40))
    assert (row.manager_summary, row.requester_summary) == ("old summary", "summary v24")


def test_the_new_key_alone_reads_everything_after_rotation(env: Env) -> None:
    """Once rotated, a runtime holding only the new key reads every text (the old key can be dropped)."""
    meeting = env.one_on_one("ULENA", "UMARIA")
    write_under_old_key(env, meeting, 3)
    rotate(env.runtime.engine, env.runtime.keyring)
    engine = attach(make_engine(env.runtime.settings.database_url), Keyring([NEW]))
    try:
        with make_sessions(engine)() as session:
            assert len(session.scalars(select(Note.text)).all()) == 4
    finally:
        engine.dispose()


def test_keys_rotate_command_resumes_and_reports_nothing_left(env: Env) -> None:
    """`okrbot keys rotate --dry-run` counts, `keys rotate` re-encrypts, and a second run finds nothing to do."""
    meeting = env.one_on_one("ULENA", "UMARIA")
    write_under_old_key(env, meeting, 3)
    variables = cli_variables(env.runtime, OKRBOT_SECRET_KEY=f"{NEW},{OLD}")
    dry = invoke(variables, "keys", "rotate", "--dry-run")
    assert "notes.text: 4 to re-encrypt" in dry.output
    first = invoke(variables, "keys", "rotate", "--batch", "2")
    assert first.exit_code == 0 and "notes.text: 4 re-encrypted" in first.output and "can be removed" in first.output
    second = invoke(variables, "keys", "rotate")
    assert second.exit_code == 0 and "notes.text: 0 re-encrypted" in second.output


def test_keys_new_prints_a_usable_key() -> None:
    """`okrbot keys new` prints one line that OKRBOT_SECRET_KEY accepts, different each time."""
    first = invoke({}, "keys", "new").output.strip()
    second = invoke({}, "keys", "new").output.strip()
    assert first != second and Keyring([first]).encrypt("x", "t") != Keyring([second]).encrypt("x", "t")
