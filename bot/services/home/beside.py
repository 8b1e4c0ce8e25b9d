"""Independent parts of one Home build run beside each other, each on its own connection (issue 15).

A Home is a few independent reads: the leader view's main statement, its four short lists, and the other
features' sections (the feedback section also writes its reading-log line, in its own transaction). Run one
after the other they add up; run side by side, the build takes about as long as the longest (the database,
SQLite's C code included, works without holding the GIL). Each part opens its own session, so nothing is
shared between threads but the engine's pool. An engine with one shared connection (in-memory SQLite) runs
every part in the calling thread.

Connections: a build holds one while it waits for its parts, and the parts of all builds in a process share
WORKERS threads, so a process needs at most WORKERS connections more than it has builds running. The pools of
storage.db.make_engine (PostgreSQL 10 + 20, a SQLite file 5 + 10) leave room for that beside gunicorn's 8
threads per worker (the default of `okrbot serve --threads`).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import SingletonThreadPool, StaticPool

T = TypeVar("T")
WORKERS = 4  # threads per process for parts of Home builds (each part holds a connection while it reads)

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="okrbot-home")
        return _pool


def can_run_beside(sessions: sessionmaker[Session]) -> bool:
    """Whether parts may use connections of their own (not one connection shared by everything)."""
    bind = sessions.kw.get("bind")
    pool = getattr(bind, "pool", None)
    return pool is not None and not isinstance(pool, StaticPool | SingletonThreadPool)


def beside(parallel: bool, fn: Callable[[], T]) -> Callable[[], T]:
    """Start `fn` in a Home worker thread (with the caller's context: request id, log fields) when `parallel`;
    returns a function that waits for its result (and raises what it raised). Otherwise `fn` runs when asked."""
    if not parallel:
        return fn
    future: Future[T] = _executor().submit(contextvars.copy_context().run, fn)
    return future.result
