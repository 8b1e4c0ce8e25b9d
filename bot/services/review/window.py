"""When the "Review your quarter" prompt is due: pure functions of (now, timezone, nudge hour).

The window of quarter Q opens 14 days before Q ends and closes 7 days after (for late reviewers), by the
person's own local calendar. Inside it, the prompt is due from the nudge hour (OKRBOT_NUDGE_HOUR, local) on:
the first scan after 10:00 local on the first day sends it; after downtime, a catch-up waits for the nudge
hour of a later day, never at 3 a.m. local. Q4's window runs across New Year (Dec 18 – Jan 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.nudges.cadence import local_instant, local_midnight
from bot.services.okrs.status import quarter_bounds, quarter_of

OPENS_DAYS_BEFORE_END = 14
CLOSES_DAYS_AFTER_END = 7


def previous_quarter(quarter: str) -> str:
    """The quarter before `quarter`."""
    start, _ = quarter_bounds(quarter)
    return quarter_of(start - timedelta(days=1))


@dataclass(frozen=True)
class PromptWindow:
    """The review window of one quarter for someone in one timezone."""

    quarter: str
    first_day: date  # local
    last_day: date  # local, inclusive
    opens_at: datetime  # aware UTC: the nudge hour on the first day
    closes_at: datetime  # aware UTC: local midnight after the last day


def window_of(quarter: str, zone: ZoneInfo, hour: int) -> PromptWindow:
    """The window of `quarter` in `zone`."""
    _, end = quarter_bounds(quarter)
    first = end - timedelta(days=OPENS_DAYS_BEFORE_END)
    last = end + timedelta(days=CLOSES_DAYS_AFTER_END - 1)
    return PromptWindow(quarter, first, last, local_instant(first, hour, zone),
                        local_midnight(last + timedelta(days=1), zone))


def reviewing_quarter(now: datetime, zone: ZoneInfo) -> str | None:
    """The quarter whose review window holds the local date at `now` (None between windows)."""
    today = now.astimezone(zone).date()
    quarter = quarter_of(today)
    start, end = quarter_bounds(quarter)
    if today >= end - timedelta(days=OPENS_DAYS_BEFORE_END):
        return quarter
    if today < start + timedelta(days=CLOSES_DAYS_AFTER_END):
        return previous_quarter(quarter)
    return None


def prompt_due(now: datetime, zone: ZoneInfo, hour: int) -> str | None:
    """The quarter to prompt about now: inside its window and at or after the local nudge hour, else None."""
    quarter = reviewing_quarter(now, zone)
    if quarter is None:
        return None
    window = window_of(quarter, zone, hour)
    if not window.opens_at <= now < window.closes_at:
        return None
    local = now.astimezone(zone)
    return quarter if local >= local_instant(local.date(), hour, zone).astimezone(zone) else None


def default_quarter(now: datetime, zone: ZoneInfo) -> str:
    """What `/okr review` opens with no quarter: the one under review now, else the current one."""
    return reviewing_quarter(now, zone) or quarter_of(now.astimezone(zone).date())


def finished_quarter(now: datetime, zone: ZoneInfo) -> str:
    """The quarter a leader looks back at: the one under review in the first week, else the last finished one."""
    today = now.astimezone(zone).date()
    return previous_quarter(quarter_of(today))
