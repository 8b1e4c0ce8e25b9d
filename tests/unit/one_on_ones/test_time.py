"""Business days for the request reminder, and reading date/time pickers in a person's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.services.core.errors import UserFacingError
from bot.services.one_on_ones.time import add_business_days, picked_day, picked_time, reminder_due

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(("start", "days", "expected"), [
    (datetime(2026, 11, 16, 10, 0), 3, datetime(2026, 11, 19, 10, 0)),  # Monday → Thursday
    (datetime(2026, 11, 20, 10, 0), 3, datetime(2026, 11, 25, 10, 0)),  # Friday → Wednesday
    (datetime(2026, 11, 21, 15, 0), 3, datetime(2026, 11, 26, 0, 0)),  # Saturday → from Monday 00:00
    (datetime(2026, 11, 22, 15, 0), 1, datetime(2026, 11, 24, 0, 0)),  # Sunday, one day
    (datetime(2026, 11, 16, 10, 0), 5, datetime(2026, 11, 23, 10, 0)),  # a whole week
])
def test_add_business_days(start: datetime, days: int, expected: datetime) -> None:
    """Mon–Fri count; weekends are skipped; the wall-clock time is kept."""
    assert add_business_days(start.replace(tzinfo=BERLIN), days) == expected.replace(tzinfo=BERLIN)


def test_the_wall_clock_time_survives_a_dst_change() -> None:
    """Friday 23 October 10:00 Berlin (+02:00) + 3 business days is Wednesday 10:00 (+01:00)."""
    due = reminder_due(datetime(2026, 10, 23, 8, 0, tzinfo=UTC), 3, BERLIN)
    assert due == datetime(2026, 10, 28, 9, 0, tzinfo=UTC)


def test_the_managers_zone_decides_the_weekend() -> None:
    """Friday 23:30 UTC is already Saturday in Tokyo: three business days end Thursday 00:00 there."""
    due = reminder_due(datetime(2026, 11, 20, 23, 30, tzinfo=UTC), 3, ZoneInfo("Asia/Tokyo"))
    assert due == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def test_picked_time_is_read_in_the_given_zone() -> None:
    """10:00 on a date picker in Berlin in November is 09:00 UTC."""
    assert picked_time("2026-11-18", "10:00", BERLIN, NOW) == datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def test_nothing_picked_is_no_time() -> None:
    """Both pickers empty: no proposed time (optional)."""
    assert picked_time(None, None, BERLIN, NOW) is None


@pytest.mark.parametrize(("day", "clock", "field", "message"), [
    (None, None, "date", "Pick a date"),
    ("2026-11-18", None, "time", "Pick a time"),
    (None, "10:00", "date", "Pick a date"),
    ("18/11/2026", "10:00", "date", "not a date"),
    ("2026-11-18", "10h", "time", "not a time"),
    ("2026-02-30", "10:00", "date", "not a valid"),
    ("2026-11-16", "09:59", "date", "in the past"),
])
def test_picked_time_errors_name_their_field(day: str | None, clock: str | None, field: str, message: str) -> None:
    """Half a time, malformed values and past times are clear errors under the right field."""
    with pytest.raises(UserFacingError, match=message) as error:
        picked_time(day, clock, BERLIN, NOW, required=True)
    assert error.value.field == field


@freeze_time("2026-11-16 23:30:00")
def test_today_depends_on_the_zone() -> None:
    """At 23:30 UTC it is already 17 November in Berlin: a due date of the 16th is in the past there."""
    now = datetime.now(UTC)
    assert picked_day("2026-11-16", ZoneInfo("America/New_York"), now) == date(2026, 11, 16)
    with pytest.raises(UserFacingError, match="in the past"):
        picked_day("2026-11-16", BERLIN, now)


@pytest.mark.parametrize(("day", "clock", "tz", "expected"), [
    ("2026-03-28", "10:00", "Europe/Berlin", datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),  # the day before CEST
    ("2026-03-30", "10:00", "Europe/Berlin", datetime(2026, 3, 30, 8, 0, tzinfo=UTC)),  # the day after
    ("2026-03-07", "09:00", "America/New_York", datetime(2026, 3, 7, 14, 0, tzinfo=UTC)),  # EST
    ("2026-03-09", "09:00", "America/New_York", datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),  # EDT
    ("2026-10-26", "09:00", "Asia/Kolkata", datetime(2026, 10, 26, 3, 30, tzinfo=UTC)),  # no DST at all
])
def test_the_same_wall_clock_time_across_a_dst_change(day: str, clock: str, tz: str, expected: datetime) -> None:
    """10:00 in Berlin is 09:00 UTC in winter and 08:00 UTC in summer; India never moves."""
    assert picked_time(day, clock, ZoneInfo(tz), datetime(2026, 1, 1, tzinfo=UTC)) == expected


def test_a_meeting_time_reads_in_each_persons_zone() -> None:
    """One moment reads 10:00 in Berlin and 14:30 in Kolkata in the plain-text fallbacks."""
    from bot.blocks.one_on_ones_meetings import local_text

    moment = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    assert local_text(moment, "Europe/Berlin") == "Wed 18 Nov, 10:00 (Europe/Berlin)"
    assert local_text(moment, "Asia/Kolkata") == "Wed 18 Nov, 14:30 (Asia/Kolkata)"
    assert local_text(moment, "Not/AZone") == "Wed 18 Nov, 09:00 (UTC)"


@pytest.mark.parametrize(("meeting", "tz", "expected"), [
    # Wednesday 10:00 Berlin, 24 h before is Tuesday 10:00: inside working hours, unchanged.
    (datetime(2026, 11, 18, 9, 0, tzinfo=UTC), "Europe/Berlin", datetime(2026, 11, 17, 9, 0, tzinfo=UTC)),
    # Monday 09:00 Berlin: Sunday 09:00 is a weekend and Monday 09:00 leaves no lead: Friday 16:00 instead.
    (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "Europe/Berlin", datetime(2026, 11, 20, 15, 0, tzinfo=UTC)),
    # Tuesday 20:00 Berlin (evening): Monday 20:00 moves on to Tuesday 09:00, eleven hours ahead.
    (datetime(2026, 11, 24, 19, 0, tzinfo=UTC), "Europe/Berlin", datetime(2026, 11, 24, 8, 0, tzinfo=UTC)),
    # Across the spring DST change in New York: Monday 9 March 08:30 EDT; Sunday 08:30 → Friday 16:00 EST.
    (datetime(2026, 3, 9, 12, 30, tzinfo=UTC), "America/New_York", datetime(2026, 3, 6, 21, 0, tzinfo=UTC)),
    # The same meeting read from Kolkata (Monday 18:00 IST): Sunday 18:00 → Monday 09:00 IST, nine hours ahead.
    (datetime(2026, 3, 9, 12, 30, tzinfo=UTC), "Asia/Kolkata", datetime(2026, 3, 9, 3, 30, tzinfo=UTC)),
])
def test_a_meeting_reminder_moves_into_the_recipients_working_hours(meeting: datetime, tz: str,
                                                                     expected: datetime) -> None:
    """24 h before, moved into Mon–Fri 09:00–17:00 of the recipient, at least two hours before the meeting."""
    from datetime import timedelta

    from bot.services.one_on_ones.time import into_working_hours

    assert into_working_hours(meeting - timedelta(hours=24), ZoneInfo(tz), before=meeting) == expected


@pytest.mark.parametrize(("previous", "frequency", "expected"), [
    # Weekly across the end of summer time in Berlin: 10:00 local stays 10:00 (08:00 UTC → 09:00 UTC).
    (datetime(2026, 10, 21, 8, 0, tzinfo=UTC), "weekly", datetime(2026, 10, 28, 9, 0, tzinfo=UTC)),
    (datetime(2026, 11, 18, 9, 0, tzinfo=UTC), "biweekly", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
    # Monthly near the nudge day (15th): 15 January 2027 is a Friday.
    (datetime(2026, 12, 14, 9, 0, tzinfo=UTC), "monthly", datetime(2027, 1, 15, 9, 0, tzinfo=UTC)),
    # 15 November 2026 is a Sunday: the Monday after.
    (datetime(2026, 10, 15, 8, 0, tzinfo=UTC), "monthly", datetime(2026, 11, 16, 9, 0, tzinfo=UTC)),
    # 15 August 2026 is a Saturday: the Friday before.
    (datetime(2026, 7, 15, 8, 0, tzinfo=UTC), "monthly", datetime(2026, 8, 14, 8, 0, tzinfo=UTC)),
])
def test_series_dates_keep_the_local_time(previous: datetime, frequency: str, expected: datetime) -> None:
    """Weekly, every two weeks, monthly near the nudge day; the wall-clock time survives DST."""
    from bot.services.one_on_ones.time import next_in_series

    assert next_in_series(previous, frequency, BERLIN, 15) == expected
