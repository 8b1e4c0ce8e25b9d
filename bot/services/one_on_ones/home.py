"""The 1-on-1 part of the App Home: what needs the viewer's answer, what is coming, their open tasks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.services.one_on_ones.queries import local_today, one_on_one_view, task_view
from bot.services.one_on_ones.rows import either
from bot.views.one_on_ones import HomeView, OneOnOneView
from storage.models import Person
from storage.models_one_on_ones import Note, OneOnOne, Task
from storage.privacy import notes_visible_to

RECENT_DONE = 3
LIMIT = 20  # per list: the Home section shows five of each at most


class Home:
    """`for_home`, called by the Home tab (bot.services.home) with `home_section` from bot.blocks.one_on_ones."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, default_tz: str) -> None:
        self._sessions = sessions
        self._clock = clock
        self._default_tz = default_tz

    def for_home(self, team_id: str, viewer_id: str) -> HomeView:
        """The viewer's 1-on-1s for the App Home, with only the notes the viewer may read.

        A fixed number of queries whatever the numbers (each list is capped: the Home shows a few of each).
        """
        now = self._clock()
        with self._sessions() as session:
            def rows(*where: Any, order: tuple = (OneOnOne.requested_at, OneOnOne.id),
                     limit: int = LIMIT) -> list[OneOnOne]:
                return list(session.scalars(select(OneOnOne).where(OneOnOne.team_id == team_id, *where)
                                            .order_by(*order).limit(limit)))

            requested, rescheduled = OneOnOne.state == "requested", OneOnOne.state == "rescheduled"
            i_manage, i_asked = OneOnOne.manager_id == viewer_id, OneOnOne.requester_id == viewer_id
            awaiting = rows(or_(requested & i_manage, rescheduled & i_asked))
            waiting = rows(or_(requested & i_asked, rescheduled & i_manage))
            upcoming = rows(OneOnOne.state == "accepted", either(viewer_id),
                            order=(OneOnOne.agreed_at.is_(None), OneOnOne.agreed_at, OneOnOne.id))
            recent = rows(OneOnOne.state == "done", either(viewer_id),
                          order=(OneOnOne.done_at.desc(), OneOnOne.id.desc()), limit=RECENT_DONE)
            task_rows = session.execute(
                select(Task, OneOnOne).join(OneOnOne, OneOnOne.id == Task.one_on_one_id)
                .where(Task.team_id == team_id, Task.assignee_id == viewer_id, Task.done.is_(False),
                       OneOnOne.team_id == team_id, OneOnOne.state.in_(("accepted", "done")),
                       either(viewer_id))
                .order_by(Task.due_on.is_(None), Task.due_on, Task.id).limit(LIMIT)).all()
            everyone = {viewer_id} | {u for r in (*awaiting, *waiting, *upcoming, *recent)
                                      for u in (r.requester_id, r.manager_id)}
            people = {p.user_id: p for p in session.scalars(
                select(Person).where(Person.team_id == team_id, Person.user_id.in_(everyone)))}
            notes: dict[int, list[Note]] = {}
            for note in session.scalars(notes_visible_to(team_id, viewer_id, [r.id for r in (*upcoming, *recent)])):
                notes.setdefault(note.one_on_one_id, []).append(note)

            def views(found: list[OneOnOne]) -> tuple[OneOnOneView, ...]:
                return tuple(one_on_one_view(session, r, now, default_tz=self._default_tz,
                                             notes=notes.get(r.id, ()), with_details=False, people=people)
                             for r in found)

            me = people.get(viewer_id)
            has_reports = me is not None and not me.manager_id and session.scalar(
                select(Person.user_id).where(Person.team_id == team_id, Person.manager_id == viewer_id,
                                             Person.is_active.is_(True)).limit(1)) is not None
            return HomeView(viewer_id=viewer_id, awaiting_answer=views(awaiting), waiting=views(waiting),
                            has_reports=has_reports,
                            upcoming=views(upcoming), recent=views(recent),
                            open_tasks=tuple(task_view(t, o, today=local_today(
                                now, me.tz if me else None, self._default_tz))
                                             for t, o in task_rows),
                            manager_id=me.manager_id if me else None, now=now)
