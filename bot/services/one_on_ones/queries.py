"""Queries that build the 1-on-1 view-models (no ORM object escapes them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.services.okrs.status import effective_status, progress
from bot.views.one_on_ones import (
    KeyResultLine,
    NoteView,
    ObjectiveLine,
    OneOnOneView,
    TalkingPointView,
    TaskView,
)
from storage.models import KeyResult, Objective, Person
from storage.models_one_on_ones import ConversationMessage, Note, OneOnOne, OneOnOneSeries, TalkingPoint, Task

STATUS_ORDER = {"off_track": 0, "on_track": 1, "ahead": 2}


def objective_lines(session: Session, team_id: str, objective_ids: Iterable[int], now: datetime
                    ) -> tuple[ObjectiveLine, ...]:
    """Objectives with their key results and status (the one status rule of okr_status)."""
    ids = list(objective_ids)
    if not ids:
        return ()
    objectives = session.scalars(select(Objective).where(Objective.team_id == team_id, Objective.id.in_(ids))
                                 .order_by(Objective.quarter, Objective.title)).all()
    krs: dict[int, list[KeyResult]] = {}
    for kr in session.scalars(select(KeyResult).where(KeyResult.team_id == team_id,
                                                      KeyResult.objective_id.in_(ids))
                              .order_by(KeyResult.position, KeyResult.id)):
        krs.setdefault(kr.objective_id, []).append(kr)
    lines = []
    for objective in objectives:
        kr_lines = tuple(
            KeyResultLine(kr.title, effective_status(kr.status, kr.start_value, kr.target_value, kr.current_value,
                                                     objective.quarter, now, updated_at=kr.updated_at),
                          progress(kr.start_value, kr.target_value, kr.current_value), kr.current_value,
                          kr.target_value, kr.unit)
            for kr in krs.get(objective.id, []))
        worst = min((k.status for k in kr_lines), key=STATUS_ORDER.__getitem__, default=None)
        lines.append(ObjectiveLine(objective.id, objective.title, objective.quarter, worst, kr_lines))
    return tuple(lines)


def task_view(task: Task, row: OneOnOne, *, today: date | None = None) -> TaskView:
    """The view of a stored task; `today` is the date in the assignee's timezone (flags it overdue)."""
    overdue = bool(today and task.due_on and not task.done and task.due_on < today)
    return TaskView(task.id, task.one_on_one_id, task.text, task.assignee_id, task.author_id, task.due_on, task.done,
                    task.carried_count, row.requester_id, row.manager_id, overdue)


def talking_point_view(point: TalkingPoint) -> TalkingPointView:
    """The view of a stored talking point."""
    return TalkingPointView(point.id, point.one_on_one_id, point.author_id, point.text, point.discussed,
                            point.carried_count)


def note_view(note: Note) -> NoteView:
    """The view of a stored note (the caller has checked the reader may read it)."""
    return NoteView(note.id, note.one_on_one_id, note.author_id, note.text, note.private, note.created_at)


def one_on_one_view(session: Session, row: OneOnOne, now: datetime, *, default_tz: str,
                    notes: Iterable[Note] = (), with_details: bool = True,
                    people: Mapping[str, Person] | None = None) -> OneOnOneView:
    """The view of a stored 1-on-1; `notes` are the notes its audience may read (never chosen here).

    `people` (by user id) saves the lookup of the two participants when many views are built at once.
    """
    if people is None:
        people = {p.user_id: p for p in session.scalars(select(Person).where(
            Person.team_id == row.team_id, Person.user_id.in_((row.requester_id, row.manager_id))))}
    requester, manager = people.get(row.requester_id), people.get(row.manager_id)
    objectives: tuple[ObjectiveLine, ...] = ()
    tasks: tuple[TaskView, ...] = ()
    conversation = 0
    points: tuple[TalkingPointView, ...] = ()
    frequency = None
    if with_details:
        points = tuple(talking_point_view(p) for p in session.scalars(
            select(TalkingPoint).where(TalkingPoint.team_id == row.team_id, TalkingPoint.one_on_one_id == row.id)
            .order_by(TalkingPoint.discussed, TalkingPoint.carried_count.desc(), TalkingPoint.id)
            .execution_options(populate_existing=True)))  # fresh after a conditional UPDATE in this session
        if row.series_id is not None:
            frequency = session.scalar(select(OneOnOneSeries.frequency).where(
                OneOnOneSeries.id == row.series_id, OneOnOneSeries.stopped_at.is_(None)))
        objectives = objective_lines(session, row.team_id, [o.id for o in row.objectives], now)
        days = {who: local_today(now, p.tz if p else None, default_tz)
                for who, p in ((row.requester_id, requester), (row.manager_id, manager))}
        tasks = tuple(task_view(t, row, today=days.get(t.assignee_id)) for t in session.scalars(
            select(Task).where(Task.team_id == row.team_id, Task.one_on_one_id == row.id)
            .order_by(Task.done, Task.carried_count.desc(), Task.id)))
        conversation = session.scalar(select(func.count()).select_from(ConversationMessage).where(
            ConversationMessage.team_id == row.team_id, ConversationMessage.one_on_one_id == row.id,
            ConversationMessage.deleted_at.is_(None))) or 0
    return OneOnOneView(
        id=row.id, team_id=row.team_id, requester_id=row.requester_id,
        requester_name=(requester.name if requester and requester.name else row.requester_id),
        manager_id=row.manager_id, manager_name=(manager.name if manager and manager.name else row.manager_id),
        topic=row.topic, urgency=row.urgency, state=row.state, requested_at=row.requested_at,
        proposed_at=row.proposed_at, agreed_at=row.agreed_at, answered_at=row.answered_at, done_at=row.done_at,
        answer_note=row.answer_note, requester_summary=row.requester_summary, manager_summary=row.manager_summary,
        objectives=objectives, tasks=tasks, notes=tuple(note_view(n) for n in notes),
        conversation_count=conversation,
        manager_away_until=(manager.away_until if manager and manager.away_until
                            and manager.away_until >= now.date() else None),
        requester_tz=(requester.tz if requester and requester.tz else default_tz),
        manager_tz=(manager.tz if manager and manager.tz else default_tz),
        sequence=row.sequence or 0, scheduled_by=row.scheduled_by, talking_points=points,
        series_frequency=frequency, thread_channel=row.thread_channel, thread_ts=row.thread_ts,
        to_manager=bool(requester and requester.manager_id == row.manager_id),
    )


def pair_filter(a: str, b: str):  # noqa: ANN201 - a SQLAlchemy clause
    """1-on-1s of the pair a/b, whoever asked."""
    return or_((OneOnOne.requester_id == a) & (OneOnOne.manager_id == b),
               (OneOnOne.requester_id == b) & (OneOnOne.manager_id == a))


def local_today(now: datetime, tz: str | None, default_tz: str) -> date:
    """Today's date in `tz` (else the default zone)."""
    from zoneinfo import ZoneInfo

    from bot.services.people.service import valid_tz

    return now.astimezone(ZoneInfo(valid_tz(tz, default_tz))).date()
