"""What the OKR and Home services hand to block builders: frozen view-models, loaded in a fixed number
of queries whatever the number of objectives (one join for objectives and key results, one aggregate
for the last check-ins)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.services.okrs.status import effective_status, progress
from storage.models import CheckIn, KeyResult, Objective

MAX_KEY_RESULTS = 5
MAX_TITLE = 500
MAX_UNIT = 32
MAX_TAG = 64


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


def key_result_view(kr: KeyResult | Any, quarter: str, now: datetime) -> KeyResultView:
    """The view of a key result row (an ORM object or a result row with the same attribute names)."""
    return KeyResultView(
        id=kr.id, title=kr.title, start=kr.start_value, target=kr.target_value, current=kr.current_value,
        unit=kr.unit or "", status=effective_status(kr.status, kr.start_value, kr.target_value, kr.current_value,
                                                    quarter, now, updated_at=kr.updated_at),
        explicit_status=kr.status, progress=progress(kr.start_value, kr.target_value, kr.current_value),
        updated_at=kr.updated_at)


def objective_rows(team_id: str) -> Select[Any]:
    """Objectives joined with their key results (filter it further, then pass to `load_objectives`)."""
    return (select(Objective.id.label("objective_id"), Objective.team_id, Objective.owner_id, Objective.quarter,
                   Objective.title.label("objective_title"), Objective.tag, Objective.channel_id,
                   Objective.message_ts, Objective.created_at, KeyResult.id, KeyResult.title, KeyResult.position,
                   KeyResult.start_value, KeyResult.target_value, KeyResult.current_value, KeyResult.unit,
                   KeyResult.status, KeyResult.updated_at)
            .select_from(Objective).outerjoin(KeyResult, KeyResult.objective_id == Objective.id)
            .where(Objective.team_id == team_id)
            .order_by(Objective.created_at, Objective.id, KeyResult.position, KeyResult.id))


def load_objectives(session: Session, stmt: Select[Any], now: datetime) -> list[ObjectiveView]:
    """ObjectiveViews for the rows of `objective_rows(...)`, with their last check-in: two queries in all."""
    rows = session.execute(stmt).all()
    order: list[int] = []
    heads: dict[int, Any] = {}
    krs: dict[int, list[KeyResultView]] = defaultdict(list)
    for row in rows:
        if row.objective_id not in heads:
            heads[row.objective_id] = row
            order.append(row.objective_id)
        if row.id is not None:
            krs[row.objective_id].append(key_result_view(row, row.quarter, now))
    last = last_checkins(session, heads[order[0]].team_id, order) if order else {}
    return [ObjectiveView(id=oid, team_id=heads[oid].team_id, owner_id=heads[oid].owner_id,
                          quarter=heads[oid].quarter, title=heads[oid].objective_title, tag=heads[oid].tag,
                          key_results=tuple(krs[oid]), last_checkin_at=last.get(oid),
                          channel_id=heads[oid].channel_id, message_ts=heads[oid].message_ts)
            for oid in order]


def last_checkins(session: Session, team_id: str, objective_ids: list[int]) -> dict[int, datetime]:
    """objective id -> time of its latest check-in (one grouped query)."""
    stmt = (select(KeyResult.objective_id, func.max(CheckIn.created_at))
            .join(CheckIn, CheckIn.key_result_id == KeyResult.id)
            .where(CheckIn.team_id == team_id, KeyResult.objective_id.in_(objective_ids))
            .group_by(KeyResult.objective_id))
    found: dict[int, datetime] = {}
    for objective_id, when in session.execute(stmt):
        # SQLite hands aggregates back as text or naive datetimes; normalise to aware UTC.
        found[objective_id] = _aware(when)
    return found


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def aware(value: Any) -> datetime | None:
    """An aggregate's datetime (SQLite gives text or naive values) as aware UTC; None stays None."""
    return None if value is None else _aware(value)
