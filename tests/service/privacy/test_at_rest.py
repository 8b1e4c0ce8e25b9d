"""Private notes, feedback texts and 1-on-1 summaries are encrypted at rest; those allowed still read them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storage.crypto import CryptoError, Keyring, attach, new_key
from storage.db import make_engine, make_sessions
from storage.models_feedback import Feedback
from storage.models_one_on_ones import Note, OneOnOne
from storage.privacy import feedback_visible_to, notes_visible_to
from tests.service.kudos.support import Env
from tests.service.privacy.support import (
    FEEDBACK,
    PRIVATE,
    PRIVATE_NOTE,
    SHARED_NOTE,
    SUMMARY,
    arrange_private_texts,
    file_bytes,
    raw_dump,
)
from tests.support.stack import running_sandbox

SEEDED_PRIVATE = ("Ravi seems stretched between v2 and support rotation",
                  "Your onboarding demo was the clearest walkthrough",
                  "Talked through the activation goal", "Analytics dependency is the risk",
                  "Ravi raises the analytics dependency with the data team")


def test_a_dump_holds_none_of_the_private_texts(env: Env) -> None:
    """After notes, a summary and feedback are written (and the DMs sent), the stored rows contain none of them."""
    arrange_private_texts(env)
    dump = raw_dump(env.runtime.settings.database_url)
    assert "enc1:" in dump
    assert [s for s in PRIVATE if s in dump] == []


def test_the_sqlite_file_holds_none_of_the_private_texts(env: Env) -> None:
    """The SQLite file and its WAL, read as bytes, hold no private text (skipped on PostgreSQL: see the dump test)."""
    url = env.runtime.settings.database_url
    if not url.startswith("sqlite"):
        pytest.skip("a file-level check applies to SQLite only; PostgreSQL is checked by pg_dump")
    arrange_private_texts(env)
    env.runtime.engine.dispose()
    data = file_bytes(url)
    assert data and [s for s in PRIVATE if s.encode() in data] == []


def test_a_seeded_sandbox_workspace_keeps_its_private_texts_encrypted(db_url: str, tmp_path: Path) -> None:
    """The sandbox's demo workspace: neither the database (file or pg_dump) nor its rows show a private text."""
    options = {} if db_url.startswith("sqlite") else {"database_url": db_url}
    path = tmp_path / "sandbox.db"
    with running_sandbox(path, **options) as sandbox:
        url = sandbox.runtime.settings.database_url
        with sandbox.runtime.sessions() as session:
            private = [n.text for n in session.scalars(select(Note).where(Note.private.is_(True)))]
        dump = raw_dump(url)
    assert [text[:len(SEEDED_PRIVATE[0])] for text in private] == [SEEDED_PRIVATE[0]]
    assert [s for s in SEEDED_PRIVATE if s in dump] == []
    if url.startswith("sqlite"):
        assert [s for s in SEEDED_PRIVATE if s.encode() in file_bytes(url)] == []


def test_those_allowed_still_read_every_private_text(env: Env) -> None:
    """Through the privacy queries, Maria reads her private note and the shared feedback; Lena the rest."""
    meeting = arrange_private_texts(env)
    with env.sessions() as session:
        maria = {n.text for n in session.scalars(notes_visible_to(env.team, "UMARIA", [meeting]))}
        lena = {n.text for n in session.scalars(notes_visible_to(env.team, "ULENA", [meeting]))}
        shared = [f.text for f in session.scalars(feedback_visible_to(env.team, "UMARIA"))]
    assert maria == {PRIVATE_NOTE, SHARED_NOTE} and lena == {SHARED_NOTE}
    assert shared == [FEEDBACK]
    with env.sessions() as session:
        assert session.get(OneOnOne, meeting).requester_summary == SUMMARY


def test_a_runtime_without_the_key_cannot_read_them(env: Env) -> None:
    """A keyring without the key that encrypted a text refuses it with a line naming OKRBOT_SECRET_KEY."""
    arrange_private_texts(env)
    for keyring in (Keyring(), Keyring([new_key()])):
        engine = attach(make_engine(env.runtime.settings.database_url), keyring)
        try:
            with make_sessions(engine)() as session, pytest.raises(CryptoError, match="OKRBOT_SECRET_KEY"):
                session.scalars(select(Feedback)).all()
        finally:
            engine.dispose()


def test_the_sandbox_keeps_its_own_key_beside_its_database(tmp_path: Path) -> None:
    """The sandbox makes a key file (owner-only) on first start and reuses it: after a restart its private texts
    still read; --reset forgets the key with the database."""
    path = tmp_path / "sandbox.db"
    key_file = tmp_path / "sandbox.db.key"
    with running_sandbox(path):
        key = key_file.read_text().strip()
    assert key_file.stat().st_mode & 0o777 == 0o600 and Keyring([key])
    with running_sandbox(path) as again, again.runtime.sessions() as session:
        assert again.runtime.settings.secret_key.get_secret_value() == key
        assert [n.text[:len(SEEDED_PRIVATE[0])] for n in session.scalars(select(Note).where(Note.private.is_(True)))] \
            == [SEEDED_PRIVATE[0]]
    with running_sandbox(path, reset=True):
        assert key_file.read_text().strip() != key
