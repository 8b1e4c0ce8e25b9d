"""The inbox worker: one in every serve worker, socket and scheduler process takes rows stored by the ack path
(bot/inbox.py) and runs them through the same Bolt listeners."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.inbox import Inbox
from bot.polling import PollLoop

log = logging.getLogger("okrbot.inbox")


Dispatch = Callable[[dict[str, Any]], None]


class InboxWorker:
    """Takes inbox rows and runs them (`dispatch(payload)` raises on failure); one in every process.

    Idle, it polls every `idle_poll` seconds, doubling up to `max_idle_poll` while nothing comes (a row
    stored by this process wakes it at once).
    """

    def __init__(self, inbox: Inbox, dispatch: Dispatch, *, threads: int = 4, batch: int = 16,
                 lease: float = 60.0, max_attempts: int = 5, backoff: float = 1.0, idle_poll: float = 0.25,
                 max_idle_poll: float = 2.0) -> None:
        self._inbox = inbox
        self._dispatch = dispatch
        self._threads, self._batch, self._lease = threads, batch, lease
        self.max_attempts, self._backoff = max_attempts, backoff
        self._idle_poll, self._max_idle_poll = idle_poll, max_idle_poll
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._poll = PollLoop(self.run_once, name="inbox-worker", idle_poll=idle_poll, max_idle_poll=max_idle_poll,
                              log=log)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="inbox")

    def wake(self) -> None:
        """New rows were written: look now instead of at the next poll."""
        self._poll.wake()

    def start(self) -> InboxWorker:
        """Work in a daemon thread until `stop()`."""
        self._poll.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking rows, finish the ones in hand, and return."""
        self._poll.stop(timeout)
        self._pool.shutdown(wait=True)

    def run_once(self) -> int:
        """Take one batch of rows and run them; returns how many were taken."""
        rows = self._inbox.claim(self.owner, limit=self._batch, lease=self._lease)
        if not rows:
            return 0
        # One UPDATE marks the batch's successes done (a kill before it only means running them again).
        self._inbox.done([row_id for row_id in self._pool.map(self._run, rows) if row_id is not None], self.owner)
        return len(rows)

    def _run(self, row: tuple[int, dict[str, Any], int]) -> int | None:
        """Run one row; its id when its work committed, None when it failed (recorded here)."""
        row_id, payload, attempts = row
        if attempts > self.max_attempts:  # its workers died every time (a crash, not an exception)
            log.error("inbox row %s parked: taken %s times without finishing", row_id, attempts - 1)
            self._inbox.failed(row_id, self.owner, f"taken {attempts - 1} times without finishing", park=True,
                               retry_in=0)
            return None
        try:
            self._dispatch(payload)
        except Exception as error:
            park = attempts >= self.max_attempts
            detail = _describe(error)
            if park:
                log.error("inbox row %s (%s) failed %s times; parked: %s", row_id, _kind(payload), attempts, detail)
            else:
                log.warning("inbox row %s (%s) failed (attempt %s): %s", row_id, _kind(payload), attempts, detail)
            self._inbox.failed(row_id, self.owner, detail, park=park,
                               retry_in=self._backoff * 2 ** (attempts - 1))
            return None
        return row_id

    def drain(self, timeout: float = 30.0) -> None:
        """Run rows until none is pending (tests and the CLI); waits out short retry delays."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.run_once():
                continue
            if self._inbox.oldest_due() is None:
                return
            time.sleep(0.02)


def _describe(error: Exception) -> str:
    """The error for the log and `okrbot inbox`: its class and first line, never a database error's parameters
    (they may hold a message's text)."""
    if isinstance(error, SQLAlchemyError):
        cause = getattr(error, "orig", None) or error
        first = (str(cause).splitlines() or [""])[0]
        return f"{error.__class__.__name__}: {first[:300]}"
    return f"{error.__class__.__name__}: {str(error)[:500]}"


def _kind(payload: dict[str, Any]) -> str:
    return str((payload.get("event") or {}).get("type") or payload.get("type") or "event")
