"""What the OKR and Home services hand to block builders: frozen view-models (loaded by
bot.services.okrs.queries), the ids of the OKR buttons, modals and fields, and the limits of those fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

MAX_KEY_RESULTS = 5
MAX_TITLE = 500
MAX_UNIT = 32
MAX_TAG = 64
MAX_CHECKIN_NOTE = 1000  # obstacles and next steps of one key result at a check-in
MAX_NUMBER = 1e15  # far beyond any key result; keeps progress arithmetic finite
MAX_AWAY_DAYS = 366  # `/okr away until …` at most this far ahead
AUTO_STATUS = "auto"  # the check-in's "Automatic (from progress)" status


class OkrAction(StrEnum):
    """Buttons private to OKRs (the Check in button is `SharedAction.CHECK_IN`)."""

    NEW_OPEN = "okr.new.open"


class OkrView(StrEnum):
    """Callback ids of OKR modals."""

    NEW = "okr.new"
    CHECKIN = "okr.checkin"
    CHECKIN_PICK = "okr.checkin.pick"


def new_field(name: str, position: int | None = None) -> str:
    """Block id of a field of the new-objective modal: `okr.new.title`, `okr.new.kr2.target`…"""
    return f"okr.new.{name}" if position is None else f"okr.new.kr{position}.{name}"


def checkin_field(key_result_id: int, name: str) -> str:
    """Block id of a field of the check-in modal: `okr.ci.12.value`, `okr.ci.12.status`…"""
    return f"okr.ci.{key_result_id}.{name}"


@dataclass(frozen=True)
class KeyResultView:
    """One key result with its effective status (explicit, else derived from progress vs. time)."""

    id: int
    title: str
    start: float
    target: float
    current: float
    unit: str
    status: str
    explicit_status: str | None
    progress: float
    updated_at: datetime


@dataclass(frozen=True)
class ObjectiveView:
    """An objective with its key results and where its Slack message lives."""

    id: int
    team_id: str
    owner_id: str
    quarter: str
    title: str
    tag: str | None
    key_results: tuple[KeyResultView, ...]
    last_checkin_at: datetime | None
    channel_id: str | None
    message_ts: str | None

    def count(self, status: str) -> int:
        """How many of its key results have `status`."""
        return sum(1 for kr in self.key_results if kr.status == status)


@dataclass(frozen=True)
class OkrListView:
    """A person's objectives of one quarter (what `/okr` shows)."""

    owner_id: str
    quarter: str
    objectives: tuple[ObjectiveView, ...]
    away_until: date | None


@dataclass(frozen=True)
class CheckinChoiceView:
    """`/okr checkin` with several (or no) objectives: the person picks one."""

    owner_id: str
    quarter: str
    objectives: tuple[ObjectiveView, ...]


@dataclass(frozen=True)
class KeyResultChange:
    """What one check-in changed on one key result (for the thread summary)."""

    key_result_id: int
    title: str
    unit: str
    old_value: float
    new_value: float
    old_status: str
    new_status: str
    explicit_status: str | None
    obstacles: str
    next_steps: str


@dataclass(frozen=True)
class CheckInResult:
    """A stored check-in batch; `duplicate` when the same submission arrived before (nothing stored again)."""

    objective: ObjectiveView
    changes: tuple[KeyResultChange, ...]
    duplicate: bool = False


@dataclass(frozen=True)
class AwayView:
    """A person's away date (None: not away)."""

    user_id: str
    away_until: date | None


@dataclass(frozen=True)
class NewObjectiveForm:
    """What the "New objective" modal offers: the quarters one may pick."""

    quarters: tuple[str, ...]
    default_quarter: str


def as_utc(value: Any) -> datetime:
    """A datetime or ISO text (SQLite gives text or naive values) as aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def aware(value: Any) -> datetime | None:
    """An aggregate's datetime (SQLite gives text or naive values) as aware UTC; None stays None."""
    return None if value is None else as_utc(value)
