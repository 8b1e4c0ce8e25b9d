"""The SQLite write gate: one writer at a time across threads and processes, queued instead of SQLite's sleeps."""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any


class _WriteGate:
    """One writer at a time, threads of this process first, then processes (flock on `path`)."""

    def __init__(self, path: str | None) -> None:
        self._threads = threading.Lock()
        self._path = path
        self._fd: int | None = None
        self._pid = 0

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._path is None:
            return
        try:
            import fcntl

            if self._pid != os.getpid():  # a forked worker needs its own open file: flock is per open file
                self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._fd is not None:
                import fcntl

                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


def sqlite_write_gate(engine: Any) -> contextlib.AbstractContextManager[Any]:
    """For a SQLite file: a lock (beside it, `<file>.write-lock`) that writers of every process queue on.

    SQLite lets one writer in at a time and makes the others retry after sleeping 1, 2, 5, 10, 15… ms; with
    many threads in several gunicorn workers inserting an event id for every event, those sleeps made the
    p99 ack twice as slow (bench/ack.py). Other databases (and in-memory SQLite) need no gate.
    """
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return _WriteGate(None)
    try:
        import fcntl  # noqa: F401 - POSIX only; elsewhere the gate covers this process's threads
    except ImportError:
        return _WriteGate(None)
    return _WriteGate(database + ".write-lock")
