"""Grading rules of the quarter review: the prefilled grade, the suggested outcome, reading a typed grade.

The usual OKR grading: 0.0 to 1.0 in steps of 0.1. The prefill is the mean progress of the objective's key
results (each from its start towards its target, so a key result meant to go down counts the same way),
rounded to the nearest 0.1. 0.7 or more is met, 0.4 or more partly met, less is not met.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from bot.services.core.errors import UserFacingError
from bot.services.okrs.status import progress
from bot.views.review import OUTCOME_LABEL

MET_FROM = 0.7
PARTLY_FROM = 0.4


def prefill_grade(key_results: Iterable[tuple[float, float, float]]) -> float:
    """Mean progress of (start, target, current) key results, to one decimal (0.0 without key results)."""
    values = [progress(start, target, current) for start, target, current in key_results]
    if not values:
        return 0.0
    return math.floor(sum(values) / len(values) * 10 + 0.5 + 1e-9) / 10


def suggested_outcome(grade: float) -> str:
    """met / partly / not_met for a grade."""
    if grade >= MET_FROM - 1e-9:
        return "met"
    return "partly" if grade >= PARTLY_FROM - 1e-9 else "not_met"


def parse_grade(text: object, *, field: str | None, optional: bool = False) -> float | None:
    """A grade typed by a person: "0.7", "0,7", ".7" or "1"; anything else is a clear message on `field`."""
    raw = str(text if text is not None else "").strip().replace(",", ".")
    if not raw:
        if optional:
            return None
        raise UserFacingError("Give a grade between 0.0 and 1.0, e.g. 0.7.", field=field)
    try:
        value = float(raw)
    except ValueError:
        raise UserFacingError(f"“{str(text)[:20]}” is not a grade: type a number between 0.0 and 1.0, e.g. 0.7.",
                              field=field) from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise UserFacingError(f"A grade is between 0.0 and 1.0 (you typed {str(text)[:20]}); e.g. 0.7 for "
                              "mostly there.", field=field)
    return round(value, 2)


def format_grade(value: float | None) -> str:
    """0.7 → "0.7"; None → "–"."""
    if value is None:
        return "–"
    return f"{value:.2f}".rstrip("0").rstrip(".") if round(value, 1) != value else f"{value:.1f}"


def describe_outcome(outcome: str | None, grade: float | None) -> str:
    """"0.6, partly met" for a topic line."""
    return f"{format_grade(grade)}, {OUTCOME_LABEL.get(outcome or '', 'not graded').lower()}"
