"""The one place okrbot reads the wall clock; everything else takes `now` or a `Clock`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (freezegun moves it in tests)."""
    return datetime.now(UTC)


def fixed(at: datetime) -> Clock:
    """A clock stopped at `at` (used by `okrbot nudge --at`)."""
    if at.tzinfo is None:
        raise ValueError("a fixed clock needs an aware datetime")
    return lambda: at
