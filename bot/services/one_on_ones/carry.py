"""What passes from one 1-on-1 of a pair to the next: open tasks, undiscussed talking points, the request's
topic as the first point, and a series' next 1-on-1 (created when the last one is marked done)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services.one_on_ones.queries import pair_filter
from bot.services.one_on_ones.rows import Views
from bot.services.one_on_ones.time import next_in_series
from storage.models_one_on_ones import OneOnOne, OneOnOneSeries, TalkingPoint, Task


def _sources(row: OneOnOne, into: int | None) -> tuple[object, int]:
    """Where to carry from and to: the pair's done 1-on-1s into `row` (into=None), or `row` into `into`."""
    if into is None:
        return select(OneOnOne.id).where(OneOnOne.team_id == row.team_id, OneOnOne.id != row.id,
                                         OneOnOne.state == "done",
                                         pair_filter(row.requester_id, row.manager_id)), row.id
    return select(OneOnOne.id).where(OneOnOne.id == row.id), into


def carry_tasks(session: Session, row: OneOnOne, *, into: int | None = None) -> int:
    """Carry open tasks of the pair: into `row` from their done 1-on-1s (into=None), or from `row` into
    `into` (when `row` is marked done and a next one exists). Each carry counts."""
    sources, target = _sources(row, into)
    result = session.execute(
        update(Task).where(Task.team_id == row.team_id, Task.done.is_(False), Task.one_on_one_id.in_(sources))
        .values(one_on_one_id=target, carried_count=Task.carried_count + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def carry_points(session: Session, row: OneOnOne, *, into: int | None = None) -> int:
    """Carry undiscussed talking points of the pair, like `carry_tasks`."""
    sources, target = _sources(row, into)
    result = session.execute(
        update(TalkingPoint).where(TalkingPoint.team_id == row.team_id, TalkingPoint.discussed.is_(False),
                                   TalkingPoint.one_on_one_id.in_(sources))
        .values(one_on_one_id=target, carried_count=TalkingPoint.carried_count + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def open_agenda(session: Session, row: OneOnOne, now: datetime) -> None:
    """When a 1-on-1 gets agreed: the pair's open tasks and undiscussed talking points from their done
    1-on-1s move into it, and the request's topic becomes its first talking point."""
    carry_tasks(session, row)
    carry_points(session, row)
    if (row.topic or "").strip():
        session.add(TalkingPoint(team_id=row.team_id, one_on_one_id=row.id,
                                 author_id=row.scheduled_by or row.requester_id, text=row.topic.strip(),
                                 discussed=False, carried_count=0, created_at=now))
        session.flush()


def next_of_series(session: Session, row: OneOnOne, *, now: datetime, views: Views, nudge_day: int) -> int | None:
    """At Mark done: the series' next 1-on-1 (accepted at the next date), unless the pair already has one."""
    if row.series_id is None or row.agreed_at is None:
        return None
    series = session.scalar(select(OneOnOneSeries).where(OneOnOneSeries.id == row.series_id,
                                                         OneOnOneSeries.stopped_at.is_(None)))
    if series is None:
        return None
    ahead = session.scalar(select(OneOnOne.id).where(
        OneOnOne.team_id == row.team_id, OneOnOne.id != row.id, OneOnOne.state == "accepted",
        pair_filter(row.requester_id, row.manager_id)).limit(1))
    if ahead is not None:
        return None
    zone = views.zone(session, row.team_id, series.created_by)
    when = next_in_series(row.agreed_at, series.frequency, zone, nudge_day)
    while when <= now:  # marked done long after: the next date still ahead
        when = next_in_series(when, series.frequency, zone, nudge_day)
    following = OneOnOne(team_id=row.team_id, requester_id=row.requester_id, manager_id=row.manager_id, topic="",
                         urgency="this_month", state="accepted", proposed_at=when, agreed_at=when,
                         requested_at=now, answered_at=now, revision=0, sequence=0,
                         scheduled_by=series.created_by, series_id=series.id)
    session.add(following)
    session.flush()
    return following.id
