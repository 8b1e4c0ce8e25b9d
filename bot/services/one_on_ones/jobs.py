"""Scheduled and batch work on 1-on-1s: the request reminder, and the exports (never a private note)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bot.blocks.one_on_ones import reminder_message, request_text
from bot.services.one_on_ones.base import OneOnOneBase, reminder_key
from bot.services.one_on_ones.time import reminder_due
from bot.services.people.service import valid_tz
from storage.models import Objective, Person
from storage.models_one_on_ones import ConversationMessage, Note, OneOnOne, Task, objective_links
from storage.privacy import shared_notes


def _day_start(since: date | None) -> datetime | None:
    return datetime(since.year, since.month, since.day, tzinfo=UTC) if since else None


class OneOnOneJobs(OneOnOneBase):
    """The reminder job and the exports."""

    def send_reminders(self) -> int:
        """Remind each manager, once, of a request unanswered for OKRBOT_REQUEST_REMINDER_DAYS business days
        (Mon–Fri in the manager's timezone). Returns how many reminders were queued."""
        now = self._now()
        days = self._ctx.settings.request_reminder_days
        default = self._ctx.settings.default_timezone
        with self._ctx.sessions() as session:
            # n business days are at least n calendar days: a cheap pre-filter on the index.
            candidates = session.execute(
                select(OneOnOne.id, OneOnOne.team_id, OneOnOne.requested_at, Person.tz)
                .outerjoin(Person, (Person.team_id == OneOnOne.team_id) & (Person.user_id == OneOnOne.manager_id))
                .where(OneOnOne.state == "requested", OneOnOne.reminded_at.is_(None),
                       OneOnOne.requested_at <= now - timedelta(days=days))
                .order_by(OneOnOne.id)).all()
        sent = 0
        for one_on_one_id, team_id, requested_at, tz in candidates:
            if reminder_due(requested_at, days, ZoneInfo(valid_tz(tz, default))) > now:
                continue
            with self._ctx.sessions.begin() as session:
                changed = session.execute(
                    update(OneOnOne).where(OneOnOne.id == one_on_one_id, OneOnOne.state == "requested",
                                           OneOnOne.reminded_at.is_(None))
                    .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
                if not changed:
                    continue
                row = self._row(session, team_id, one_on_one_id)
                view = self._view(session, row)
                if self._ctx.outbox.add(session, team_id=team_id, key=reminder_key(row.id), channel=row.manager_id,
                                        text=f"Reminder: {request_text(view)}", blocks=reminder_message(view, days)):
                    sent += 1
        return sent

    def export(self, *, since: date | None = None) -> list[dict[str, Any]]:
        """One flat row per 1-on-1 (every workspace), with shared notes joined; private notes never appear."""
        start = _day_start(since)
        with self._ctx.sessions() as session:
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
        with self._ctx.sessions() as session:
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

