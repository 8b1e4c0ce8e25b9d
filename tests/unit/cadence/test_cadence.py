"""The nudge date rules: weekends, month lengths, DST switch days, timezones, year end, catch-up window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.clock import utcnow
from bot.services.nudges.cadence import (
    Cadence,
    local_instant,
    next_business_day,
    nudge_date,
    parse_period,
    period_key,
)

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
DEFAULT = Cadence(day=15, hour=10, default_tz="UTC")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- period keys -------------------------------------------------------------------------------


def test_period_key_is_year_dash_month() -> None:
    """The period of December 2026 is '2026-12' (zero-padded)."""
    assert period_key(2026, 12) == "2026-12"
    assert period_key(2027, 1) == "2027-01"


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-12", "2026/12", "", "2026-00"])
def test_parse_period_refuses_malformed_keys(bad: str) -> None:
    """Anything but YYYY-MM is a ValueError."""
    with pytest.raises(ValueError, match="not a period"):
        parse_period(bad)


# ---- the nudge date ----------------------------------------------------------------------------


def test_weekday_nudge_date_stays() -> None:
    """15 December 2026 is a Tuesday: the nudge is that day."""
    assert nudge_date(2026, 12, 15) == date(2026, 12, 15)


def test_saturday_moves_to_monday() -> None:
    """15 August 2026 is a Saturday: the nudge moves to Monday the 17th."""
    assert nudge_date(2026, 8, 15) == date(2026, 8, 17)


def test_sunday_moves_to_monday() -> None:
    """15 November 2026 is a Sunday: the nudge moves to Monday the 16th."""
    assert nudge_date(2026, 11, 15) == date(2026, 11, 16)


@pytest.mark.parametrize(("year", "month", "expected"), [
    (2026, 2, date(2026, 3, 2)),    # 28-day February: the 28th is a Saturday, so Monday 2 March
    (2028, 2, date(2028, 2, 29)),   # leap year: 29 February 2028 is a Tuesday
    (2026, 4, date(2026, 4, 30)),   # 30-day month: clamped to the 30th (a Thursday)
    (2026, 12, date(2026, 12, 31)),  # 31-day month: the 31st (a Thursday)
])
def test_a_late_nudge_day_is_clamped_to_the_month_length(year: int, month: int, expected: date) -> None:
    """Day 31 means the month's last day (then off the weekend), in months of 28, 29, 30 and 31 days."""
    assert nudge_date(year, month, 31) == expected


def test_next_business_day_skips_the_weekend() -> None:
    """The business day after Friday 18 December 2026 is Monday the 21st."""
    assert next_business_day(date(2026, 12, 18)) == date(2026, 12, 21)


# ---- the local nudge instant and DST -------------------------------------------------------------


def test_nudge_hour_is_local_time_in_winter_and_summer() -> None:
    """10:00 in Berlin is 09:00 UTC in winter and 08:00 UTC in summer."""
    assert local_instant(date(2026, 12, 15), 10, BERLIN) == utc(2026, 12, 15, 9)
    assert local_instant(date(2026, 6, 15), 10, BERLIN) == utc(2026, 6, 15, 8)


@pytest.mark.parametrize(("zone", "day", "expected"), [
    (BERLIN, date(2026, 3, 29), utc(2026, 3, 29, 8)),      # spring forward: already CEST at 10:00
    (BERLIN, date(2026, 10, 25), utc(2026, 10, 25, 9)),    # fall back: already CET at 10:00
    (NEW_YORK, date(2026, 3, 8), utc(2026, 3, 8, 14)),     # spring forward: EDT
    (NEW_YORK, date(2026, 11, 1), utc(2026, 11, 1, 15)),   # fall back: EST
])
def test_nudge_hour_on_dst_switch_days_is_ten_local(zone: ZoneInfo, day: date, expected: datetime) -> None:
    """On the switch days themselves 10:00 local exists once and maps to the new offset."""
    assert local_instant(day, 10, zone) == expected
    assert local_instant(day, 10, zone).astimezone(zone).hour == 10


def test_an_hour_in_the_spring_forward_gap_moves_forward_by_the_gap() -> None:
    """02:00 does not exist in New York on 8 March 2026: the nudge comes at 03:00 EDT."""
    instant = local_instant(date(2026, 3, 8), 2, NEW_YORK)
    assert instant == utc(2026, 3, 8, 7)
    assert instant.astimezone(NEW_YORK).hour == 3


def test_an_hour_that_happens_twice_means_the_first() -> None:
    """01:00 happens twice in New York on 1 November 2026: the nudge uses the first (EDT)."""
    assert local_instant(date(2026, 11, 1), 1, NEW_YORK) == utc(2026, 11, 1, 5)


def scan_states(cadence: Cadence, tz: str, start: str, hours: int, period: str) -> list[tuple[datetime, str]]:
    """Run the clock forward in 5-minute scans (freezegun) and record the state of `period` at each scan."""
    seen = []
    with freeze_time(start) as frozen:
        for _ in range(hours * 12):
            now = utcnow()
            windows = {w.period: w for w in cadence.windows_at(now, tz)}
            if period in windows:
                seen.append((now, windows[period].state(now)))
            frozen.tick(timedelta(minutes=5))
    return seen


@pytest.mark.parametrize(("tz", "day", "start", "period", "due_local"), [
    ("America/New_York", 8, "2026-03-06 12:00", "2026-03", datetime(2026, 3, 9, 10)),    # spring forward Sun 8
    ("America/New_York", 1, "2026-10-30 12:00", "2026-11", datetime(2026, 11, 2, 10)),   # fall back Sun 1
    ("Europe/Berlin", 28, "2027-03-26 12:00", "2027-03", datetime(2027, 3, 29, 10)),     # spring forward Sun 28
    ("Europe/Berlin", 25, "2026-10-23 12:00", "2026-10", datetime(2026, 10, 26, 10)),    # fall back Sun 25
])
def test_scans_across_a_dst_weekend_find_the_nudge_due_once(tz: str, day: int, start: str, period: str,
                                                            due_local: datetime) -> None:
    """Scanning every 5 minutes across a switch weekend: one before→due edge, at 10:00 local, never due twice."""
    states = scan_states(Cadence(day=day, hour=10), tz, start, hours=24 * 6, period=period)
    edges = [(now, state) for (now, state), (_, prev) in zip(states[1:], states, strict=False) if state != prev]
    assert [state for _, state in edges] == ["due", "passed"]
    assert edges[0][0].astimezone(ZoneInfo(tz)).replace(tzinfo=None) == due_local


# ---- people in different timezones ---------------------------------------------------------------


def test_manager_and_reports_are_due_at_their_own_ten_oclock() -> None:
    """At 09:00 UTC on 15 Dec 2026 Berlin and Kolkata are due, Los Angeles is not yet."""
    with freeze_time("2026-12-15 09:00:00"):
        now = utcnow()
        states = {tz: DEFAULT.windows_at(now, tz)[1].state(now)
                  for tz in ("Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles")}
    assert states == {"Europe/Berlin": "due", "Asia/Kolkata": "due", "America/Los_Angeles": "before"}


def test_one_minute_before_ten_local_is_not_due() -> None:
    """At 09:59 in Kolkata (04:29 UTC) the report is not due yet; at 10:00 they are."""
    with freeze_time("2026-12-15 04:29:00"):
        assert DEFAULT.window(2026, 12, "Asia/Kolkata").state(utcnow()) == "before"
    with freeze_time("2026-12-15 04:30:00"):
        assert DEFAULT.window(2026, 12, "Asia/Kolkata").state(utcnow()) == "due"


def test_unknown_timezone_falls_back_to_the_default() -> None:
    """A missing or unknown tz uses OKRBOT_DEFAULT_TIMEZONE."""
    cadence = Cadence(default_tz="Europe/Berlin")
    assert cadence.window(2026, 12, None).due_at == utc(2026, 12, 15, 9)
    assert cadence.window(2026, 12, "Mars/Olympus_Mons").due_at == utc(2026, 12, 15, 9)


# ---- catch-up window -------------------------------------------------------------------------------


def test_catch_up_runs_to_the_end_of_the_next_business_day() -> None:
    """Nudge Tue 15 Dec 10:00 Berlin: still due on Wed 16 at 23:59, passed at Thu 17 00:00 local."""
    window = DEFAULT.window(2026, 12, "Europe/Berlin")
    with freeze_time("2026-12-16 22:59:00"):
        assert window.state(utcnow()) == "due"
    with freeze_time("2026-12-16 23:00:00"):
        assert window.state(utcnow()) == "passed"


def test_catch_up_after_a_friday_nudge_lasts_until_monday_night() -> None:
    """Nudge Fri 15 Jan 2027: the scheduler back on Monday 18 still sends; on Tuesday it is too late."""
    window = DEFAULT.window(2027, 1, "UTC")
    assert window.day == date(2027, 1, 15)
    with freeze_time("2027-01-18 23:30:00"):
        assert window.state(utcnow()) == "due"
    with freeze_time("2027-01-19 00:00:00"):
        assert window.state(utcnow()) == "passed"


def test_a_window_open_on_the_first_is_found_as_the_previous_month() -> None:
    """Nudge day 28 in February 2026 lands on Monday 2 March: on that day the February window is due."""
    cadence = Cadence(day=28)
    with freeze_time("2026-03-02 10:30:00"):
        previous, current = cadence.windows_at(utcnow(), "UTC")
        assert (previous.period, previous.state(utcnow())) == ("2026-02", "due")
        assert (current.period, current.state(utcnow())) == ("2026-03", "before")


# ---- year end ----------------------------------------------------------------------------------------


def test_a_december_window_crosses_into_the_new_year() -> None:
    """Nudge day 31 in Dec 2027 (a Friday) is caught up on Monday 3 January 2028, as period 2027-12."""
    cadence = Cadence(day=31)
    with freeze_time("2028-01-03 12:00:00"):
        now = utcnow()
        previous, current = cadence.windows_at(now, "UTC")
    assert (previous.period, previous.state(now)) == ("2027-12", "due")
    assert current.period == "2028-01"


def test_new_years_day_is_in_january_in_kolkata_and_december_in_los_angeles() -> None:
    """At 2027-01-01 00:30 UTC Kolkata's current period is 2027-01, Los Angeles' is still 2026-12."""
    with freeze_time("2027-01-01 00:30:00"):
        now = utcnow()
        assert DEFAULT.windows_at(now, "Asia/Kolkata")[1].period == "2027-01"
        assert DEFAULT.windows_at(now, "America/Los_Angeles")[1].period == "2026-12"


def test_month_start_is_local_midnight_of_the_first() -> None:
    """December 2026 starts at 23:00 UTC on 30 November in Berlin."""
    assert DEFAULT.window(2026, 12, "Europe/Berlin").month_start == utc(2026, 11, 30, 23)


# ---- snooze ------------------------------------------------------------------------------------------


def test_snooze_comes_back_a_week_later_at_the_nudge_hour() -> None:
    """Snoozed on Wed 16 Dec 16:00 Berlin: the agenda comes back on Wed 23 Dec at 10:00 Berlin."""
    with freeze_time("2026-12-16 15:00:00"):
        until = DEFAULT.snooze_until(utcnow(), "Europe/Berlin")
    assert until == utc(2026, 12, 23, 9)


def test_snooze_never_ends_on_a_weekend() -> None:
    """Snoozed on Sunday 20 Dec: a week later is a Sunday, so it comes back on Monday 28 Dec."""
    with freeze_time("2026-12-20 12:00:00"):
        until = DEFAULT.snooze_until(utcnow(), "UTC")
    assert until == utc(2026, 12, 28, 10)
