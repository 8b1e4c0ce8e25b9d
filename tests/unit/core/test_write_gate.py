"""The SQLite write gate around the inbox insert (storage/sqlite_gate.py `sqlite_write_gate`)."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

from storage.db import make_engine
from storage.sqlite_gate import sqlite_write_gate


def _hold_gate(path: str, held: Any, release: Any, log: Any) -> None:
    """In another process: take the gate, say so, keep it until told, then note that it let go."""
    with sqlite_write_gate(make_engine(f"sqlite:///{path}")):
        held.set()
        release.wait(30)
        log.put("first process leaves")
        log.close()
        log.join_thread()  # the message is in the pipe before the gate opens (put() only hands it to a thread)


def test_no_gate_on_postgresql() -> None:
    """PostgreSQL handles concurrent writers itself: the gate is a no-op there."""
    engine = make_engine("postgresql+psycopg://okrbot@127.0.0.1:1/none")
    assert isinstance(sqlite_write_gate(engine), contextlib.nullcontext)


def test_the_lock_file_sits_beside_the_database(tmp_path: Path) -> None:
    """Every process finds the same lock: `<database file>.write-lock`."""
    with sqlite_write_gate(make_engine(f"sqlite:///{tmp_path / 'okrbot.db'}")):
        pass
    assert (tmp_path / "okrbot.db.write-lock").exists()


def test_a_second_process_waits_for_the_first(tmp_path: Path) -> None:
    """While one process holds the gate, a writer in another process waits instead of racing it."""
    path = str(tmp_path / "okrbot.db")
    context = multiprocessing.get_context("spawn")
    held, release, log = context.Event(), context.Event(), context.Queue()
    other = context.Process(target=_hold_gate, args=(path, held, release, log))
    other.start()
    try:
        assert held.wait(30)
        gate = sqlite_write_gate(make_engine(f"sqlite:///{path}"))

        def write() -> None:
            with gate:
                log.put("second process enters")

        writer = threading.Thread(target=write)
        writer.start()
        writer.join(0.5)
        assert writer.is_alive(), "the second writer got in while the first held the gate"
        release.set()
        writer.join(30)
        assert [log.get(timeout=10), log.get(timeout=10)] == ["first process leaves", "second process enters"]
    finally:
        release.set()
        other.join(30)


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    """Threads of one worker queue on the gate too (the file lock alone would not keep them apart)."""
    gate = sqlite_write_gate(make_engine(f"sqlite:///{tmp_path / 'okrbot.db'}"))
    inside, most = 0, 0
    lock = threading.Lock()
    entered = threading.Barrier(4)

    def write() -> None:
        nonlocal inside, most
        entered.wait(10)
        for _ in range(200):
            with gate:
                with lock:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.0001)  # a writer's work: room for another thread to slip in if the gate let it
                with lock:
                    inside -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most == 1
