"""Times of 1-on-1s: picker values in a person's timezone, and business days for reminders."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.core.errors import UserFacingError

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^\d{2}:\d{2}$")


def picked_time(day: str | None, clock: str | None, zone: ZoneInfo, now: datetime, *, required: bool = False,
                date_field: str = "date", time_field: str = "time") -> datetime | None:
    """The aware UTC moment of a date picker + time picker read in `zone`; None when both are empty.

    Raises UserFacingError under the right field for half a time, a malformed value or a time in the past.
    """
    if not day and not clock:
        if required:
            raise UserFacingError("Pick a date for the 1-on-1.", field=date_field)
        return None
    if not day:
        raise UserFacingError("Pick a date as well (or clear the time).", field=date_field)
    if not clock:
        raise UserFacingError("Pick a time as well (or clear the date).", field=time_field)
    if not DATE.match(day):
        raise UserFacingError("That is not a date.", field=date_field)
    if not TIME.match(clock):
        raise UserFacingError("That is not a time.", field=time_field)
    try:
        local = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=zone)
    except ValueError:
        raise UserFacingError("That is not a valid date and time.", field=date_field) from None
    moment = local.astimezone(UTC)
    if moment <= now:
        here = now.astimezone(zone).strftime("%a %d %b, %H:%M")
        raise UserFacingError(f"That time is in the past (it is {here} where you are).", field=date_field)
    return moment


def picked_day(day: str | None, zone: ZoneInfo, now: datetime, *, field: str = "due") -> date | None:
    """A date from a date picker that must not be before today in `zone`; None when empty."""
    if not day:
        return None
    try:
        value = date.fromisoformat(day)
    except ValueError:
        raise UserFacingError("That is not a date.", field=field) from None
    if value < now.astimezone(zone).date():
        raise UserFacingError("That date is in the past.", field=field)
    return value


def add_business_days(start: datetime, days: int) -> datetime:
    """`start` (aware, in the zone that matters) moved `days` business days (Mon–Fri) forward.

    The wall-clock time is kept; a start on a weekend counts from the following Monday at 00:00.
    """
    moment = start
    if moment.weekday() >= 5:
        moment = (moment + timedelta(days=7 - moment.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    while days > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def reminder_due(requested_at: datetime, days: int, zone: ZoneInfo) -> datetime:
    """When an unanswered request reminds its manager: `days` business days later in the manager's zone."""
    return add_business_days(requested_at.astimezone(zone), days).astimezone(UTC)



WORK_START = time(9, 0)
WORK_END = time(17, 0)
LATE_AFTERNOON = time(16, 0)
MIN_LEAD = timedelta(hours=2)


def _working_day(day: date, step: int) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def into_working_hours(moment: datetime, zone: ZoneInfo, *, before: datetime) -> datetime:
    """`moment` moved into working hours (Mon–Fri 09:00–17:00 in `zone`), keeping it at least two hours
    `before` the meeting: later to the next 09:00 when that still leaves the lead, else earlier to 16:00 of
    the previous working day. Unchanged when already inside; aware UTC out."""
    local = moment.astimezone(zone)
    if local.weekday() < 5 and WORK_START <= local.time() < WORK_END:
        return moment.astimezone(UTC)
    start_day = local.date() if local.time() < WORK_START else local.date() + timedelta(days=1)
    later = datetime.combine(_working_day(start_day, 1), WORK_START, tzinfo=zone).astimezone(UTC)
    if later <= before - MIN_LEAD:
        return later
    end_day = local.date() if local.time() >= WORK_END else local.date() - timedelta(days=1)
    return datetime.combine(_working_day(end_day, -1), LATE_AFTERNOON, tzinfo=zone).astimezone(UTC)


FREQUENCIES = ("weekly", "biweekly", "monthly")


def next_in_series(previous: datetime, frequency: str, zone: ZoneInfo, nudge_day: int) -> datetime:
    """The next meeting of a series after `previous`, at the same wall-clock time in `zone` (DST-safe):
    a week or two later, or monthly on the working day nearest the nudge day of the next month."""
    local = previous.astimezone(zone)
    if frequency in ("weekly", "biweekly"):
        day = local.date() + timedelta(days=7 if frequency == "weekly" else 14)
    else:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        day = date(year, month, nudge_day)
        if day.weekday() == 5:
            day -= timedelta(days=1)
        elif day.weekday() == 6:
            day += timedelta(days=1)
    return datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=zone).astimezone(UTC)
