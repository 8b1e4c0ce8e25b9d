"""Loading OKR view-models in a fixed number of queries whatever the number of objectives (one join for
objectives and key results, one aggregate for the last check-ins), and the key results export."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.services.okrs.status import effective_status, progress
from bot.views.okrs import KeyResultView, ObjectiveView, as_utc
from storage.models import CheckIn, KeyResult, Objective, Person


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
        found[objective_id] = as_utc(when)
    return found


def export_rows(session: Session, since: date | None, now: datetime) -> list[dict[str, Any]]:
    """One row per key result (every workspace), with its effective status; `since` filters on last change."""
    stmt = (select(Objective, KeyResult, Person.name).join(KeyResult, KeyResult.objective_id == Objective.id)
            .outerjoin(Person, (Person.team_id == Objective.team_id) & (Person.user_id == Objective.owner_id))
            .order_by(Objective.team_id, Objective.quarter, Objective.owner_id, Objective.id, KeyResult.position))
    if since is not None:
        stmt = stmt.where(KeyResult.updated_at >= datetime(since.year, since.month, since.day, tzinfo=UTC))
    rows: list[dict[str, Any]] = []
    for objective, kr, owner_name in session.execute(stmt):
        view = key_result_view(kr, objective.quarter, now)
        rows.append({
            "team_id": objective.team_id, "owner_id": objective.owner_id, "owner_name": owner_name or "",
            "quarter": objective.quarter, "objective": objective.title, "tag": objective.tag or "",
            "key_result": kr.title, "start": kr.start_value, "target": kr.target_value,
            "current": kr.current_value, "unit": kr.unit, "progress": round(view.progress, 4),
            "status": view.status, "status_set_by": "person" if kr.status else "derived",
            "updated_at": kr.updated_at})
    return rows
