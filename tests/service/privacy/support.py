"""Arranging private texts and reading what the database holds, as a dump would (no decryption)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from storage.db import make_engine
from tests.service.feedback.test_feedback import give
from tests.service.kudos.support import Env

PRIVATE_NOTE = "Lena worries about the reorg and might leave"
SHARED_NOTE = "We agreed Lena leads the pricing review"
FEEDBACK = "Your estimates keep slipping; say so earlier"
SUMMARY = "Talked about the promotion case in depth"
PRIVATE = (PRIVATE_NOTE, SHARED_NOTE, FEEDBACK, SUMMARY)


def arrange_private_texts(env: Env) -> int:
    """Maria and Lena's done 1-on-1 with a private and a shared note and a summary; Tom's feedback to Lena shared
    with Maria. Returns the 1-on-1's id."""
    meeting = env.one_on_one("ULENA", "UMARIA")
    modules = env.services.one_on_ones.module
    modules.add_note(team_id=env.team, one_on_one_id=meeting, actor="UMARIA", text=PRIVATE_NOTE, private=True)
    modules.add_note(team_id=env.team, one_on_one_id=meeting, actor="ULENA", text=SHARED_NOTE, private=False)
    modules.save_summary(team_id=env.team, one_on_one_id=meeting, actor="ULENA", text=SUMMARY)
    give(env, "UTOM", "ULENA", FEEDBACK, visibility="private+manager")
    env.deliver()
    return meeting


def raw_dump(url: str) -> str:
    """Every row of every table as the database stores it: pg_dump for PostgreSQL, else a full SELECT."""
    if url.startswith("postgresql"):
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        return subprocess.run(["pg_dump", "--data-only", plain], capture_output=True, text=True, check=True,
                              timeout=60).stdout
    return raw_select(url)


def raw_select(url: str) -> str:
    """Every text of every row of every table, undecrypted (plain SQL, no column types applied)."""
    engine = make_engine(url)
    try:
        lines = []
        with engine.connect() as connection:
            for table in inspect(engine).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - names from the schema
                    lines.append(f"{table}: " + " | ".join(str(value) for value in row))
        return "\n".join(lines)
    finally:
        engine.dispose()


def file_bytes(url: str) -> bytes:
    """The SQLite database file and its WAL, as bytes (what a copy of the disk holds)."""
    path = Path(make_url(url).database or "")
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
