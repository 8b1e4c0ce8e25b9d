"""What people type into OKR forms and commands, checked: numbers, statuses, tags, new key results, the
changes of a check-in, away dates. Problems are UserFacingErrors naming the modal field they belong to."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.blocks.kit import escape
from bot.services.core.errors import UserFacingError
from bot.services.okrs.status import STATUSES
from bot.views.okrs import (
    AUTO_STATUS,
    MAX_CHECKIN_NOTE,
    MAX_KEY_RESULTS,
    MAX_NUMBER,
    MAX_TITLE,
    MAX_UNIT,
    checkin_field,
    new_field,
)
from storage.models import KeyResult, Objective

TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def parse_number(raw: Any) -> float | None:
    """A finite number from what a person typed (`1,200`, ` 3.5 `, `40%`), else None."""
    if raw is None:
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().replace(",", "").removesuffix("%").strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    return value if math.isfinite(value) and abs(value) <= MAX_NUMBER else None


def normalise_status(raw: str | None) -> str | None:
    """`On track`, `on-track`, `ON_TRACK` → `on_track`; blank or `auto` → None; unknown → raises ValueError."""
    text = (raw or "").strip().lower().replace("-", "_").replace(" ", "_")
    if text in ("", AUTO_STATUS):
        return None
    if text in STATUSES:
        return text
    raise ValueError(raw)


def normalise_tag(raw: str | None) -> str | None:
    """`#Onboarding` → `onboarding`; blank → None; raises ValueError when not a tag."""
    text = (raw or "").strip().lstrip("#").lower()
    if not text:
        return None
    if not TAG.match(text):
        raise ValueError(raw)
    return text


@dataclass(frozen=True)
class Planned:
    """One key result's change in a check-in, before it is stored."""

    kr: KeyResult
    value: float
    status: str | None
    obstacles: str
    next_steps: str


def new_key_results(values: dict[str, Any]) -> list[tuple[str, float, float, str]]:
    """(title, start, target, unit) of the key results filled in the new-objective modal; field errors otherwise."""
    found: list[tuple[str, float, float, str]] = []
    titles: set[str] = set()
    for position in range(1, MAX_KEY_RESULTS + 1):
        kr_title = str(values.get(new_field("title", position)) or "").strip()
        raw_start, raw_target = values.get(new_field("start", position)), values.get(new_field("target", position))
        unit = str(values.get(new_field("unit", position)) or "").strip()
        if not kr_title:
            if str(raw_target or "").strip():
                raise UserFacingError("Give this key result a title (or clear its target).",
                                      field=new_field("title", position))
            continue
        if len(kr_title) > MAX_TITLE:
            raise UserFacingError(f"Keep it under {MAX_TITLE} characters.", field=new_field("title", position))
        if kr_title.lower() in titles:
            raise UserFacingError("Two key results have this title.", field=new_field("title", position))
        titles.add(kr_title.lower())
        start = parse_number(raw_start) if str(raw_start or "").strip() else 0.0
        if start is None:
            raise UserFacingError("The start value must be a number.", field=new_field("start", position))
        target = parse_number(raw_target)
        if target is None:
            raise UserFacingError("The target must be a number.", field=new_field("target", position))
        if len(unit) > MAX_UNIT:
            raise UserFacingError(f"Keep the unit under {MAX_UNIT} characters.", field=new_field("unit", position))
        found.append((kr_title, start, target, unit))
    if not found:
        raise UserFacingError("Add at least one key result.", field=new_field("title", 1))
    return found


def plan_checkin(objective: Objective, values: dict[str, Any]) -> list[Planned]:
    """What a submitted check-in modal changes, key result by key result; field errors otherwise."""
    planned: list[Planned] = []
    for kr in objective.key_results:
        raw = values.get(checkin_field(kr.id, "value"))
        value = kr.current_value if raw is None or str(raw).strip() == "" else parse_number(raw)
        if value is None:
            raise UserFacingError("Enter a number, e.g. 42 or 3.5.", field=checkin_field(kr.id, "value"))
        try:
            status = normalise_status(values.get(checkin_field(kr.id, "status")))
        except ValueError:
            raise UserFacingError("Pick ahead, on track, off track or automatic.",
                                  field=checkin_field(kr.id, "status")) from None
        obstacles = str(values.get(checkin_field(kr.id, "obstacles")) or "").strip()
        next_steps = str(values.get(checkin_field(kr.id, "next_steps")) or "").strip()
        for name, text in (("obstacles", obstacles), ("next_steps", next_steps)):
            if len(text) > MAX_CHECKIN_NOTE:
                raise UserFacingError(f"Keep it under {MAX_CHECKIN_NOTE} characters.",
                                      field=checkin_field(kr.id, name))
        if value != kr.current_value or status != kr.status or obstacles or next_steps:
            planned.append(Planned(kr, value, status, obstacles, next_steps))
    if not planned:
        first = objective.key_results[0].id if objective.key_results else 0
        raise UserFacingError("Nothing changed: update a value or a status, or add obstacles or next steps.",
                              field=checkin_field(first, "value"))
    return planned


def parse_away(text: str) -> date | None:
    """`until 2026-12-24`, `2026-12-24` → that day; `off` / `back` / `none` → None; else a usage error."""
    words = (text or "").strip().lower().split()
    if words in (["off"], ["back"], ["none"]):
        return None
    if words and words[0] == "until":
        words = words[1:]
    if len(words) != 1:
        raise UserFacingError("Usage: `/okr away until 2026-12-24` or `/okr away off`.")
    try:
        return date.fromisoformat(words[0])
    except ValueError:
        raise UserFacingError(f"`{escape(words[0][:40])}` is not a date: use YYYY-MM-DD, "
                              "e.g. `/okr away until 2026-12-24`.") from None
