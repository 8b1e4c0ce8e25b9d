"""The documented status rule, at the edges of quarters (freezegun moves the clock)."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from bot.clock import utcnow
from bot.services.okrs.status import (
    derived_status,
    effective_status,
    elapsed_share,
    next_quarter,
    progress,
    quarter_bounds,
    quarter_of,
)


@pytest.mark.parametrize(("day", "quarter"), [
    (date(2026, 1, 1), "2026-Q1"), (date(2026, 3, 31), "2026-Q1"), (date(2026, 4, 1), "2026-Q2"),
    (date(2026, 12, 31), "2026-Q4"), (date(2027, 1, 1), "2027-Q1"),
])
def test_quarter_of_each_edge_day(day: date, quarter: str) -> None:
    """The first and last day of quarters map to the right quarter."""
    assert quarter_of(day) == quarter


def test_quarter_bounds_cross_the_year() -> None:
    """Q4 ends on the first of January of the next year."""
    assert quarter_bounds("2026-Q4") == (date(2026, 10, 1), date(2027, 1, 1))
    assert next_quarter("2026-Q4") == "2027-Q1"


def test_bad_quarter_is_refused() -> None:
    """A malformed quarter names itself in the error."""
    with pytest.raises(ValueError, match="2026-Q5"):
        quarter_bounds("2026-Q5")


@freeze_time("2026-10-01 00:00:00")
def test_first_instant_of_the_quarter_nothing_is_behind() -> None:
    """At 00:00 on the first day, no progress at all is still on track."""
    now = utcnow()
    assert elapsed_share("2026-Q4", now) == 0.0
    assert derived_status(0, 100, 0, "2026-Q4", now) == "on_track"
    assert derived_status(0, 100, 10, "2026-Q4", now) == "ahead"


@freeze_time("2026-12-31 23:59:59")
def test_last_second_of_the_quarter_needs_nearly_everything() -> None:
    """On the last evening, 80% is off track, 90% on track, 100% still ahead of a target not yet due."""
    now = utcnow()
    assert derived_status(0, 100, 80, "2026-Q4", now) == "off_track"
    assert derived_status(0, 100, 90, "2026-Q4", now) == "on_track"
    assert derived_status(0, 100, 100, "2026-Q4", now) == "ahead"


@freeze_time("2027-01-01 00:00:00")
def test_after_the_quarter_only_done_is_on_track() -> None:
    """Once Q4 is over, anything short of the target is behind."""
    now = utcnow()
    assert elapsed_share("2026-Q4", now) == 1.0
    assert derived_status(0, 100, 99, "2026-Q4", now) == "on_track"
    assert derived_status(0, 100, 80, "2026-Q4", now) == "off_track"
    assert derived_status(0, 100, 100, "2026-Q4", now) == "on_track"


@freeze_time("2026-11-15 12:00:00")
def test_mid_quarter_margins() -> None:
    """Half-way through, 40% is on track, 30% off track, 65% ahead."""
    now = utcnow()
    assert 0.49 < elapsed_share("2026-Q4", now) < 0.52
    assert derived_status(0, 100, 40, "2026-Q4", now) == "on_track"
    assert derived_status(0, 100, 30, "2026-Q4", now) == "off_track"
    assert derived_status(0, 100, 65, "2026-Q4", now) == "ahead"


def test_decreasing_targets_count_progress_downwards() -> None:
    """Going from 40 bugs to 10, being at 25 is half-way."""
    assert progress(40, 10, 25) == 0.5
    assert progress(40, 10, 50) == 0.0
    assert progress(5, 5, 5) == 1.0


@freeze_time("2026-11-15")
def test_explicit_status_wins() -> None:
    """A status given at check-in is kept even when the numbers say otherwise."""
    assert effective_status("off_track", 0, 100, 100, "2026-Q4", utcnow()) == "off_track"
    assert effective_status(None, 0, 100, 100, "2026-Q4", utcnow()) == "ahead"
