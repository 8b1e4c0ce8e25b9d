"""One background loop for the durable queues (the inbox worker, the outbox sender): run a batch, and when
there was nothing to do, wait to be woken, polling every `idle_poll` seconds and doubling that up to
`max_idle_poll` while nothing comes (rows written in this process wake it at once)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


class PollLoop:
    """Calls `run_once` (returns how many rows it handled) in a daemon thread until `stop()`."""

    def __init__(self, run_once: Callable[[], int], *, name: str, idle_poll: float, max_idle_poll: float,
                 log: logging.Logger) -> None:
        self._run_once, self._name, self._log = run_once, name, log
        self._idle_poll, self._max_idle_poll = idle_poll, max_idle_poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """New rows: look now instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the batch in hand."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def _loop(self) -> None:
        poll = self._idle_poll
        while not self._stop.is_set():
            try:
                handled = self._run_once()
            except Exception:  # a database hiccup must not kill the thread; it is logged and tried again
                self._log.exception("%s loop failed; retrying", self._name)
                handled = 0
            if handled:
                poll = self._idle_poll
                continue
            poll = self._idle_poll if self._wake.wait(poll) else min(self._max_idle_poll, poll * 2)
            self._wake.clear()
