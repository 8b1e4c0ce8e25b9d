"""How OKR numbers and key results read in Block Kit text: `1,250`, `35%`, `20 of 40 teams`, `2,400 ms, target
1,200 ms`, a key result's line with its bar and status. Pure, user text escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks.kit import STATUS_EMOJI, STATUS_LABEL, escape, progress_bar, truncate

if TYPE_CHECKING:
    from bot.views.okrs import KeyResultView


def number(value: float, *, grouped: bool = True) -> str:
    """40, 1,250, 3.5 — at most two decimals, no trailing zeros."""
    text = f"{value:,.2f}" if grouped else f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def amount(value: float, unit: str) -> str:
    """A value with its unit: `40 users`, `35%`, `€1,200`-style units are kept as typed; `1 store`, not `1 stores`."""
    unit = escape(unit)
    if not unit:
        return number(value)
    return f"{number(value)}{unit}" if _symbol(unit) else f"{number(value)} {singular(unit) if value == 1 else unit}"


def singular(unit: str) -> str:
    """`stores` → `store`, `cities` → `city` for a count of one; short or unusual units stay as typed (`ms`)."""
    if not unit.isalpha() or len(unit) <= 3 or not unit.endswith("s") or unit.endswith(("ss", "us")):
        return unit
    if unit.endswith("ies"):
        return unit[:-3] + "y"
    if unit.endswith(("ches", "shes", "xes")):
        return unit[:-2]
    return unit[:-1]


def _symbol(unit: str) -> bool:
    return unit in ("%", "pp") or len(unit) == 1


def span(first: float, second: float, unit: str, joiner: str) -> str:
    """`20 of 40 teams`, `20% of 40%`, `20 → 24 teams`: a word unit is written once, at the end."""
    if unit and not _symbol(unit) and first != 1:
        return f"{number(first)}{joiner}{amount(second, unit)}"
    return f"{amount(first, unit)}{joiner}{amount(second, unit)}"


def where_of(start: float, current: float, target: float, unit: str) -> str:
    """`20 of 40 teams` going up; `2,400 ms, target 1,200 ms` going down (nobody has "2,400 of 1,200")."""
    if target < start:
        return f"{amount(current, unit)}, target {amount(target, unit)}"
    return span(current, target, unit, " of ")


def status_text(status: str, *, derived: bool = False) -> str:
    """`:red_circle: Off track` (with "auto" when derived from progress)."""
    label = f"{STATUS_EMOJI.get(status, '')} {STATUS_LABEL.get(status, status)}"
    return f"{label} _(auto)_" if derived else label


def kr_line(kr: KeyResultView, *, show_auto: bool = True) -> str:
    """`*Title*` then bar, percentage, value of target, status."""
    percent = round(kr.progress * 100)
    return (f"*{escape(truncate(kr.title, 200))}*\n`{progress_bar(kr.progress)}` {percent}%  ·  "
            f"{where_of(kr.start, kr.current, kr.target, kr.unit)}  ·  "
            f"{status_text(kr.status, derived=show_auto and kr.explicit_status is None)}")
