"""What people type or import: numbers, statuses, tags and quarters; and the status every view shows."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from freezegun import freeze_time

from bot.clock import utcnow
from bot.services.imports.okrs import parse_quarter
from bot.services.okrs.input import normalise_status, normalise_tag, parse_number
from bot.services.okrs.queries import key_result_view


@pytest.mark.parametrize(("typed", "value"), [("42", 42.0), (" 3.5 ", 3.5), ("1,200", 1200.0), ("40%", 40.0),
                                              ("-7", -7.0), (12, 12.0), ("", None), ("abc", None), ("nan", None),
                                              ("inf", None), ("1e999", None), (None, None)])
def test_numbers_people_type(typed: object, value: float | None) -> None:
    """Thousands separators and a trailing % are fine; anything not finite is refused."""
    assert parse_number(typed) == value


@pytest.mark.parametrize(("typed", "status"), [("On track", "on_track"), ("off-track", "off_track"),
                                               ("AHEAD", "ahead"), ("", None), ("auto", None), (None, None)])
def test_statuses_people_write(typed: str | None, status: str | None) -> None:
    """Spellings of the three statuses are accepted; blank or auto means derived."""
    assert normalise_status(typed) == status


def test_unknown_status_is_refused() -> None:
    """Anything else is an error."""
    with pytest.raises(ValueError):
        normalise_status("great")


@pytest.mark.parametrize(("typed", "tag"), [("#Onboarding", "onboarding"), ("q4-launch", "q4-launch"), ("", None)])
def test_tags(typed: str, tag: str | None) -> None:
    """One lower-case word, the # optional."""
    assert normalise_tag(typed) == tag


@pytest.mark.parametrize("typed", ["two words", "-x", "a" * 65, "ünïcode"])
def test_bad_tags_are_refused(typed: str) -> None:
    """Spaces, a leading dash, over 64 characters, letters outside a-z."""
    with pytest.raises(ValueError):
        normalise_tag(typed)


@pytest.mark.parametrize(("typed", "quarter"), [("2026-Q4", "2026-Q4"), ("2026 q4", "2026-Q4"), ("Q1 2027", "2027-Q1"),
                                                ("q2-2026", "2026-Q2"), ("2026Q3", "2026-Q3"), ("2026-Q5", None),
                                                ("Q4", None), ("autumn", None)])
def test_quarters_in_imports(typed: str, quarter: str | None) -> None:
    """Common spellings of a quarter are normalised to 2026-Q4."""
    assert parse_quarter(typed) == quarter


def row(current: float, status: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(id=1, title="KR", start_value=0.0, target_value=100.0, current_value=current, unit="",
                           status=status, updated_at=datetime(2026, 10, 1, tzinfo=UTC))


@freeze_time("2026-10-01 00:00:00")
def test_views_derive_status_at_the_first_instant_of_the_quarter() -> None:
    """Nothing done yet on 1 October is on track, not behind."""
    assert key_result_view(row(0), "2026-Q4", utcnow()).status == "on_track"


@freeze_time("2026-12-31 23:59:59")
def test_views_derive_status_at_the_last_second_of_the_quarter() -> None:
    """On the last evening, 80% is off track."""
    view = key_result_view(row(80), "2026-Q4", utcnow())
    assert (view.status, view.explicit_status, view.progress) == ("off_track", None, 0.8)


@freeze_time("2027-01-01 00:00:01")
def test_an_objective_of_a_past_quarter_is_judged_on_its_own_quarter() -> None:
    """Viewed in January, a Q4 key result at 95% is on track only because its quarter is over and 95% is close."""
    assert key_result_view(row(95), "2026-Q4", utcnow()).status == "on_track"
    assert key_result_view(row(50), "2026-Q4", utcnow()).status == "off_track"
    assert key_result_view(row(50), "2027-Q1", utcnow()).status == "ahead"


@freeze_time("2026-11-15 12:00:00")
def test_an_explicit_status_wins_in_views() -> None:
    """What the owner chose is shown, whatever the numbers."""
    assert key_result_view(row(100, "off_track"), "2026-Q4", utcnow()).status == "off_track"
