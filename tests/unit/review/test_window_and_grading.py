"""Pure rules of the quarter review: the prompt window in every timezone (across New Year), grading prefill
for increasing and decreasing key results, reading a typed grade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest

from bot.services import UserFacingError
from bot.services.review.grading import parse_grade, prefill_grade, suggested_outcome
from bot.services.review.window import (
    default_quarter,
    finished_quarter,
    previous_quarter,
    prompt_due,
    reviewing_quarter,
    window_of,
)

HOUR = 10
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def test_previous_quarter_wraps_the_year() -> None:
    assert previous_quarter("2027-Q1") == "2026-Q4" and previous_quarter("2026-Q4") == "2026-Q3"


@pytest.mark.parametrize("tz", ZONES)
def test_q4s_window_runs_across_new_year_in_every_timezone(tz: str) -> None:
    zone = ZoneInfo(tz)
    window = window_of("2026-Q4", zone, HOUR)
    assert (window.first_day.isoformat(), window.last_day.isoformat()) == ("2026-12-18", "2027-01-07")
    opens = window.opens_at.astimezone(zone)
    assert (opens.date().isoformat(), opens.hour) == ("2026-12-18", HOUR)
    assert prompt_due(window.opens_at - timedelta(minutes=1), zone, HOUR) is None
    assert prompt_due(window.opens_at, zone, HOUR) == "2026-Q4"
    new_year = datetime(2027, 1, 3, HOUR, 30, tzinfo=zone)  # late reviewers, already in 2027
    assert prompt_due(new_year.astimezone(UTC), zone, HOUR) == "2026-Q4"
    assert prompt_due(datetime(2027, 1, 3, 3, 0, tzinfo=zone).astimezone(UTC), zone, HOUR) is None  # 3 a.m.
    assert prompt_due(window.closes_at, zone, HOUR) is None
    assert prompt_due(datetime(2026, 11, 20, HOUR, tzinfo=zone).astimezone(UTC), zone, HOUR) is None


def test_one_instant_is_a_different_quarter_on_each_side_of_the_date_line() -> None:
    instant = datetime(2027, 1, 7, 12, 0, tzinfo=UTC)  # Jan 8 02:00 in Kiritimati, Jan 7 01:00 in Pago Pago
    assert reviewing_quarter(instant, ZoneInfo("Pacific/Kiritimati")) is None
    assert reviewing_quarter(instant, ZoneInfo("Pacific/Pago_Pago")) == "2026-Q4"
    eve = datetime(2026, 12, 17, 12, 0, tzinfo=UTC)  # Dec 18 in Kiritimati, Dec 17 in Pago Pago
    assert reviewing_quarter(eve, ZoneInfo("Pacific/Kiritimati")) == "2026-Q4"
    assert reviewing_quarter(eve, ZoneInfo("Pacific/Pago_Pago")) is None


@pytest.mark.parametrize(("day", "expected"), [
    ("2026-03-18", "2026-Q1"), ("2026-04-07", "2026-Q1"), ("2026-04-08", None), ("2026-06-16", None),
    ("2026-06-17", "2026-Q2"), ("2026-09-30", "2026-Q3"), ("2027-01-01", "2026-Q4")])
def test_every_quarter_has_its_window(day: str, expected: str | None) -> None:
    when = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
    assert reviewing_quarter(when, ZoneInfo("UTC")) == expected


def test_default_and_finished_quarters() -> None:
    utc = ZoneInfo("UTC")
    assert default_quarter(datetime(2026, 11, 1, tzinfo=UTC), utc) == "2026-Q4"  # ends a project early
    assert default_quarter(datetime(2027, 1, 2, tzinfo=UTC), utc) == "2026-Q4"
    assert finished_quarter(datetime(2027, 2, 1, tzinfo=UTC), utc) == "2026-Q4"


@pytest.mark.parametrize(("krs", "grade"), [
    ([(0, 100, 70)], 0.7),  # increasing
    ([(100, 50, 65)], 0.7),  # decreasing: 100 → 50, now 65 is 70% of the way
    ([(100, 50, 40)], 1.0),  # beyond a decreasing target counts as done
    ([(20, 40, 10)], 0.0),  # went backwards
    ([(0, 10, 5), (10, 0, 0)], 0.8),  # one half-way up (0.5), one fully down (1.0): 0.75 rounds to 0.8
    ([(0, 3, 1)], 0.3),
    ([], 0.0),
])
def test_the_grade_is_prefilled_from_the_key_results(krs: list[tuple[float, float, float]], grade: float) -> None:
    assert prefill_grade(krs) == grade


def test_the_suggested_outcome_follows_the_usual_okr_grading() -> None:
    assert [suggested_outcome(g) for g in (1.0, 0.7, 0.6, 0.4, 0.3)] == ["met", "met", "partly", "partly", "not_met"]


@pytest.mark.parametrize(("typed", "value"), [("0.7", 0.7), ("0,7", 0.7), (".5", 0.5), ("1", 1.0), (" 0 ", 0.0)])
def test_a_typed_grade_is_read(typed: str, value: float) -> None:
    assert parse_grade(typed, field="grade") == value


@pytest.mark.parametrize("typed", ["1,5", "abc", "2", "-1", "inf", "nan", "", None, "0.7.1"])
def test_a_bad_grade_is_a_message_on_its_field(typed: object) -> None:
    with pytest.raises(UserFacingError) as raised:
        parse_grade(typed, field="grade")
    assert raised.value.field == "grade" and "0.0 and 1.0" in raised.value.message
