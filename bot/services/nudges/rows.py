"""The Nudge rows a scan writes: a pair's decision for a period (sent, skipped and why, or missed), stored once
(INSERT … ON CONFLICT DO NOTHING), and the conditional UPDATEs that claim a pending DM for exactly one scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.services.nudges.cadence import Window
from bot.services.nudges.people import Someone
from storage.models import Workspace
from storage.models_nudges import Nudge


@dataclass
class NudgeRow:
    """A pair's Nudge row of one period as the scan reads it."""

    id: int
    status: str
    reason: str
    content: dict[str, Any] | None
    manager_dm: str
    report_dm: str


@dataclass(frozen=True)
class Pair:
    """A manager/report pair with both windows of one period and where now falls in each."""

    manager: Someone
    report: Someone
    m_window: Window
    r_window: Window
    m_state: str
    r_state: str


def insert_returning(session: Session, model: Any, rows: list[dict[str, Any]], *columns: Any) -> list[tuple]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING `columns`, paged by the driver: the rows that were new."""
    if not rows:
        return []
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return [tuple(r) for r in session.execute(insert(model).on_conflict_do_nothing().returning(*columns), rows)]


def claim(session: Session, ids: list[int], column: Any, values: dict[str, Any], *, dry_run: bool) -> set[int]:
    """Move rows whose `column` is still 'pending' to `values`; the ids this transaction won."""
    if not ids:
        return set()
    if dry_run:
        return set(ids)
    stmt = (update(Nudge).where(Nudge.id.in_(ids), column == "pending").values(**values).returning(Nudge.id)
            .execution_options(synchronize_session=False))
    return set(session.scalars(stmt))


def decide_pair(pair: Pair, last_done: datetime | None) -> dict[str, Any]:
    """The pair's outcome for the period: sent, or skipped (and why), or missed when nobody is due."""
    manager, report = pair.manager, pair.report
    if pair.m_state != "due" and pair.r_state != "due":
        return {"status": "missed", "reason": "missed", "manager_dm": "missed", "report_dm": "missed"}
    if manager.away_until and manager.away_until >= pair.m_window.day:
        return {"status": "skipped", "reason": "manager_away", "manager_dm": "none", "report_dm": "none",
                "content": {"away_until": manager.away_until.isoformat()}}
    if last_done and last_done >= min(pair.m_window.month_start, pair.r_window.month_start):
        return {"status": "skipped", "reason": "done", "manager_dm": "pending", "report_dm": "none",
                "content": {"done_on": last_done.date().isoformat()}}
    if report.away_until and report.away_until >= pair.r_window.day:
        return {"status": "skipped", "reason": "away", "manager_dm": "pending", "report_dm": "none",
                "content": {"away_until": report.away_until.isoformat()}}
    return {"status": "sent", "reason": "", "manager_dm": "pending", "report_dm": "pending", "content": None}


def day_of(value: str | None) -> date | None:
    """The date stored in a row's content ("2026-12-04"), or None."""
    return date.fromisoformat(value) if value else None


def nudging_since(session: Session) -> dict[str, datetime]:
    """team → since when okrbot has been nudging there: its install, or else its first nudge.

    A window that ended before then was not missed: okrbot was not there yet (a new install is quiet).
    """
    started = dict(session.execute(select(Nudge.team_id, func.min(Nudge.created_at)).group_by(Nudge.team_id)).all())
    for team_id, installed_at in session.execute(select(Workspace.team_id, Workspace.installed_at)):
        if installed_at is not None:
            started[team_id] = min(installed_at, started.get(team_id, installed_at))
    return started

