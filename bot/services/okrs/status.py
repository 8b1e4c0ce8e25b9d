"""Quarters and the status rule of a key result.

The rule (documented in the README): an explicit status set at a check-in or import wins. Otherwise
progress p = (current - start) / (target - start), clamped to 0..1, is compared with the share t of
the quarter that has elapsed:
  p >= t + 0.10  → ahead
  p >= t - 0.15  → on_track
  otherwise      → off_track
A key result already at its target is ahead (or on track on the last day); one whose target equals its
start counts as done when current reaches the target.

No automatic verdict on a new key result: while it has not moved from its start value and was created or
last checked in less than the grace period ago (OKRBOT_STATUS_GRACE_DAYS, 14 days by default), it counts as
on track, so a new objective is not "Off track" before anyone could work on it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

AHEAD_MARGIN = 0.10
BEHIND_MARGIN = 0.15
STATUSES = ("ahead", "on_track", "off_track")
DEFAULT_STATUS_GRACE_DAYS = 14
_grace = {"period": timedelta(days=DEFAULT_STATUS_GRACE_DAYS)}  # set from the settings by build_runtime


def set_status_grace(days: int) -> None:
    """How long a key result that has not moved yet gets no automatic status (OKRBOT_STATUS_GRACE_DAYS)."""
    _grace["period"] = timedelta(days=max(0, days))
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter_of(day: date) -> str:
    """'2026-Q4' for any day of October to December 2026."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First day of the quarter and first day of the next one."""
    match = QUARTER.match(quarter)
    if not match:
        raise ValueError(f"not a quarter: {quarter!r} (expected e.g. 2026-Q4)")
    year, number = int(match.group(1)), int(match.group(2))
    start = date(year, 3 * (number - 1) + 1, 1)
    end = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return start, end


def elapsed_share(quarter: str, now: datetime) -> float:
    """How much of the quarter has passed at `now` (0 before it, 1 after it), in UTC days."""
    start, end = quarter_bounds(quarter)
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC)
    finish = datetime(end.year, end.month, end.day, tzinfo=UTC)
    share = (now - begin) / (finish - begin)
    return max(0.0, min(1.0, share))


def progress(start: float, target: float, current: float) -> float:
    """Share of the way from start to target, clamped to 0..1 (works for decreasing targets too)."""
    if target == start:
        return 1.0 if current == target else 0.0
    return max(0.0, min(1.0, (current - start) / (target - start)))


def derived_status(start: float, target: float, current: float, quarter: str, now: datetime) -> str:
    """ahead / on_track / off_track from progress against the time elapsed in the quarter."""
    p = progress(start, target, current)
    t = elapsed_share(quarter, now)
    if p >= 1.0 and t < 1.0:
        return "ahead"
    if p >= t + AHEAD_MARGIN:
        return "ahead"
    if p >= t - BEHIND_MARGIN:
        return "on_track"
    return "off_track"


def effective_status(explicit: str | None, start: float, target: float, current: float, quarter: str,
                     now: datetime, *, updated_at: datetime | None = None) -> str:
    """The explicit status when set, else the derived one; on track while a new key result is in its grace
    period (not moved from its start, `updated_at` less than the grace period ago)."""
    if explicit in STATUSES:
        return explicit
    if updated_at is not None and current == start and now - updated_at < _grace["period"]:
        return "on_track"
    return derived_status(start, target, current, quarter, now)


def next_quarter(quarter: str) -> str:
    """The quarter after `quarter`."""
    _, end = quarter_bounds(quarter)
    return quarter_of(end)


def days_left(quarter: str, now: datetime) -> int:
    """Whole days until the quarter ends (0 after it)."""
    _, end = quarter_bounds(quarter)
    return max(0, (end - now.date()).days)


__all__ = ["days_left", "derived_status", "effective_status", "elapsed_share", "next_quarter", "progress",
           "quarter_bounds", "quarter_of", "set_status_grace", "timedelta"]
