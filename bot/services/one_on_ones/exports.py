"""Exports of 1-on-1s and their tasks for `okrbot export` (every workspace; never a private note)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Objective, Person
from storage.models_one_on_ones import ConversationMessage, Note, OneOnOne, Task, objective_links
from storage.privacy import shared_notes


def _day_start(since: date | None) -> datetime | None:
    return datetime(since.year, since.month, since.day, tzinfo=UTC) if since else None


class Exports:
    """`export` (one flat row per 1-on-1) and `export_tasks` (one per task)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def export(self, *, since: date | None = None) -> list[dict[str, Any]]:
        """One flat row per 1-on-1 (every workspace), with shared notes joined; private notes never appear."""
        start = _day_start(since)
        with self._sessions() as session:
            stmt = select(OneOnOne).order_by(OneOnOne.team_id, OneOnOne.id)
            if start:
                stmt = stmt.where(OneOnOne.requested_at >= start)
            rows = list(session.scalars(stmt))
            ids = [r.id for r in rows]
            names = {(p.team_id, p.user_id): p.name for p in session.scalars(select(Person))}
            objectives: dict[int, list[str]] = defaultdict(list)
            notes: dict[int, list[str]] = defaultdict(list)
            tasks: dict[tuple[int, bool], int] = {}
            talk: dict[int, int] = {}
            for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
                for one_on_one_id, title in session.execute(
                        select(objective_links.c.one_on_one_id, Objective.title)
                        .join(Objective, Objective.id == objective_links.c.objective_id)
                        .where(objective_links.c.one_on_one_id.in_(chunk)).order_by(Objective.title)):
                    objectives[one_on_one_id].append(title)
                for note in session.scalars(shared_notes().where(Note.one_on_one_id.in_(chunk))):
                    notes[note.one_on_one_id].append(f"{names.get((note.team_id, note.author_id), note.author_id)}: "
                                                     f"{note.text}")
                for one_on_one_id, done, count in session.execute(
                        select(Task.one_on_one_id, Task.done, func.count()).where(Task.one_on_one_id.in_(chunk))
                        .group_by(Task.one_on_one_id, Task.done)):
                    tasks[(one_on_one_id, bool(done))] = count
                for one_on_one_id, count in session.execute(
                        select(ConversationMessage.one_on_one_id, func.count())
                        .where(ConversationMessage.one_on_one_id.in_(chunk), ConversationMessage.deleted_at.is_(None))
                        .group_by(ConversationMessage.one_on_one_id)):
                    talk[one_on_one_id] = count
        return [{
            "team_id": r.team_id, "id": r.id,
            "requester": r.requester_id, "requester_name": names.get((r.team_id, r.requester_id), ""),
            "manager": r.manager_id, "manager_name": names.get((r.team_id, r.manager_id), ""),
            "state": r.state, "urgency": r.urgency, "topic": r.topic, "objectives": "; ".join(objectives[r.id]),
            "requested_at": r.requested_at, "proposed_at": r.proposed_at, "agreed_at": r.agreed_at,
            "answered_at": r.answered_at, "done_at": r.done_at, "answer_note": r.answer_note,
            "requester_summary": r.requester_summary, "manager_summary": r.manager_summary,
            "shared_notes": " | ".join(notes[r.id]), "open_tasks": tasks.get((r.id, False), 0),
            "done_tasks": tasks.get((r.id, True), 0), "conversation_messages": talk.get(r.id, 0),
        } for r in rows]

    def export_tasks(self, *, since: date | None = None) -> list[dict[str, Any]]:
        """One flat row per task (every workspace), with its 1-on-1's pair."""
        start = _day_start(since)
        with self._sessions() as session:
            stmt = (select(Task, OneOnOne).join(OneOnOne, OneOnOne.id == Task.one_on_one_id)
                    .order_by(Task.team_id, Task.id))
            if start:
                stmt = stmt.where(Task.created_at >= start)
            rows = session.execute(stmt).all()
            names = {(p.team_id, p.user_id): p.name for p in session.scalars(select(Person))}
        return [{
            "team_id": t.team_id, "id": t.id, "one_on_one_id": t.one_on_one_id, "text": t.text,
            "assignee": t.assignee_id, "assignee_name": names.get((t.team_id, t.assignee_id), ""),
            "author": t.author_id, "requester": o.requester_id, "manager": o.manager_id, "due_on": t.due_on,
            "done": t.done, "done_at": t.done_at, "carried_count": t.carried_count, "created_at": t.created_at,
        } for t, o in rows]
