"""Parts of a Home build read beside each other: on their own threads and connections, or inline when the
engine has one shared connection."""

from __future__ import annotations

import contextvars
import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from bot.services.home.beside import beside, can_run_beside
from storage.db import make_engine

REQUEST = contextvars.ContextVar("request", default="")


def test_an_in_memory_database_reads_inline_and_a_file_beside(tmp_path: Path) -> None:
    """In-memory SQLite is one connection shared by everything: no second thread may use it."""
    memory, file = make_engine("sqlite://"), make_engine(f"sqlite:///{tmp_path / 'home.db'}")
    try:
        assert not can_run_beside(sessionmaker(bind=memory))
        assert can_run_beside(sessionmaker(bind=file))
        assert not can_run_beside(sessionmaker())  # no engine bound: nothing to share
    finally:
        memory.dispose()
        file.dispose()


def test_a_part_runs_on_a_home_thread_with_the_callers_context() -> None:
    """Log fields (the request id) travel with the part; the caller gets its result when it asks."""
    REQUEST.set("req-42")
    result = beside(True, lambda: (threading.current_thread().name, REQUEST.get()))
    name, request = result()
    assert name.startswith("okrbot-home") and request == "req-42"


def test_a_failing_part_raises_where_its_result_is_asked_for() -> None:
    """An error in a part is the build's error, not a lost thread."""
    def broken() -> None:
        raise LookupError("section failed")

    result = beside(True, broken)
    with pytest.raises(LookupError, match="section failed"):
        result()


def test_inline_parts_run_when_asked_on_the_calling_thread() -> None:
    """Without parallel reads nothing runs until the result is asked for, and then on the caller's thread."""
    ran: list[str] = []
    result = beside(False, lambda: ran.append(threading.current_thread().name) or len(ran))
    assert ran == []
    assert result() == 1 and ran == [threading.current_thread().name]
