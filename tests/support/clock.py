"""A clock tests can move while time keeps flowing (threads, HTTP timeouts and Bolt keep working)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.clock import utcnow


class MovableClock:
    """Real time plus an offset; `travel_to` and `advance` move it."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return utcnow() + self._offset

    def travel_to(self, when: datetime) -> None:
        """Make `now` be `when` (aware) from here on."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        with self._lock:
            self._offset = when - utcnow()

    def advance(self, **delta: float) -> None:
        """Move forward by timedelta(**delta)."""
        with self._lock:
            self._offset += timedelta(**delta)
