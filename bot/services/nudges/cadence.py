"""The date rules of the mid-month nudge: pure functions of (year, month, settings, timezone).

* The nudge date of a month is day `OKRBOT_NUDGE_DAY` (clamped to the month's length), moved to the
  following Monday when it is a Saturday or a Sunday.
* Each recipient is due at `OKRBOT_NUDGE_HOUR`:00 on that date in *their own* timezone.
  On a daylight-saving switch day the hour is computed with zoneinfo, so 10:00 is 10:00 local whatever
  the offset. An hour that does not exist that day (clocks jump from 02:00 to 03:00) is moved forward by
  the length of the gap (02:00 → 03:00); an hour that happens twice (clocks fall back) means the first.
* The catch-up window runs from the due time to the end of the next business day (local midnight).
  A scan inside the window sends; a nudge whose window has passed is reported, never sent late.
* The period of a nudge is "YYYY-MM" of its month: one nudge per pair and period.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

State = Literal["before", "due", "passed"]
SATURDAY = 5


def period_key(year: int, month: int) -> str:
    """'2026-12' for December 2026."""
    return f"{year:04d}-{month:02d}"


def parse_period(period: str) -> tuple[int, int]:
    """(2026, 12) for '2026-12'; ValueError for anything else."""
    year, _, month = period.partition("-")
    if len(year) != 4 or len(month) != 2 or not (year + month).isdigit() or not 1 <= int(month) <= 12:
        raise ValueError(f"not a period: {period!r} (expected e.g. 2026-12)")
    return int(year), int(month)


def previous_month(year: int, month: int) -> tuple[int, int]:
    """The month before (year, month)."""
    return (year - 1, 12) if month == 1 else (year, month - 1)


def is_business_day(day: date) -> bool:
    """Monday to Friday."""
    return day.weekday() < SATURDAY


def next_business_day(day: date) -> date:
    """The first business day strictly after `day`."""
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def business_day_on_or_after(day: date) -> date:
    """`day` itself when it is a business day, else the Monday after."""
    return day if is_business_day(day) else next_business_day(day)


def nudge_date(year: int, month: int, day: int) -> date:
    """Day `day` of the month (the last day if the month is shorter), moved off the weekend to Monday."""
    last = calendar.monthrange(year, month)[1]
    return business_day_on_or_after(date(year, month, min(max(day, 1), last)))


def local_instant(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """`hour`:00 local on `day` in `zone`, as an aware UTC datetime.

    A wall time inside a spring-forward gap is moved forward by the gap (zoneinfo's fold=0 reads it with the
    offset before the switch); a wall time that happens twice on fall-back day is the first of the two.
    """
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of `day` in `zone`, as an aware UTC datetime (same gap rule as `local_instant`)."""
    return local_instant(day, 0, zone)


@dataclass(frozen=True)
class Window:
    """One recipient's nudge window for one period."""

    period: str
    day: date  # the local nudge date (a business day)
    due_at: datetime  # aware UTC: nudge hour on `day`, local
    ends_at: datetime  # aware UTC: local midnight after the next business day (end of catch-up)
    month_start: datetime  # aware UTC: local midnight of the 1st of the month

    def state(self, now: datetime) -> State:
        """before the due time, due (inside the catch-up window), or passed (too late: report, do not send)."""
        if now < self.due_at:
            return "before"
        return "due" if now < self.ends_at else "passed"


@dataclass(frozen=True)
class Cadence:
    """The nudge settings (`OKRBOT_NUDGE_DAY`, `OKRBOT_NUDGE_HOUR`, `OKRBOT_DEFAULT_TIMEZONE`)."""

    day: int = 15
    hour: int = 10
    default_tz: str = "UTC"

    @classmethod
    def of(cls, settings: object) -> Cadence:
        """The cadence of a `Settings` (anything with nudge_day, nudge_hour, default_timezone)."""
        return cls(int(settings.nudge_day), int(settings.nudge_hour),  # type: ignore[attr-defined]
                   str(settings.default_timezone))  # type: ignore[attr-defined]

    def zone(self, tz: str | None) -> ZoneInfo:
        """The IANA zone `tz`, or the default zone when it is unknown."""
        return _zone(tz or "", self.default_tz)

    def window(self, year: int, month: int, tz: str | None) -> Window:
        """The window of (year, month) for someone in `tz`."""
        return _window(self, year, month, tz or "")

    def windows_at(self, now: datetime, tz: str | None) -> tuple[Window, Window]:
        """The previous and the current month's windows, by the local calendar of `tz` at `now`.

        A scan looks at both: a window that started late in a month can still be open on the 1st of the next.
        """
        local = now.astimezone(self.zone(tz)).date()
        previous = previous_month(local.year, local.month)
        return self.window(*previous, tz), self.window(local.year, local.month, tz)

    def snooze_until(self, now: datetime, tz: str | None, days: int = 7) -> datetime:
        """A week from today, on a business day, at the nudge hour local (the snoozed agenda comes back then)."""
        zone = self.zone(tz)
        day = business_day_on_or_after(now.astimezone(zone).date() + timedelta(days=days))
        return local_instant(day, self.hour, zone)


@lru_cache(maxsize=4096)
def _zone(tz: str, default: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz) if tz else ZoneInfo(default)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return ZoneInfo(default)


@lru_cache(maxsize=16384)
def _window(cadence: Cadence, year: int, month: int, tz: str) -> Window:
    zone = cadence.zone(tz)
    day = nudge_date(year, month, cadence.day)
    return Window(period=period_key(year, month), day=day, due_at=local_instant(day, cadence.hour, zone),
                  ends_at=local_midnight(next_business_day(day) + timedelta(days=1), zone),
                  month_start=local_midnight(date(year, month, 1), zone))
