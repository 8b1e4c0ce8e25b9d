"""The 1-on-1 part of the App Home: what needs the viewer's answer, what is coming, their open tasks."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.services.one_on_ones_base import OneOnOneBase
from bot.services.one_on_ones_views import OPEN_STATES, HomeView, OneOnOneView, task_view
from storage.models import OneOnOne, Task
from storage.privacy import notes_visible_to

RECENT_DONE = 3


class OneOnOneHome(OneOnOneBase):
    """`for_home`, called by the Home tab (bot.services.home) with `home_section` from bot.blocks.one_on_ones."""

    def for_home(self, team_id: str, viewer_id: str) -> HomeView:
        """The viewer's 1-on-1s for the App Home, with only the notes the viewer may read."""
        now = self._now()
        with self._ctx.sessions() as session:
            mine = self._either(viewer_id)
            rows = list(session.scalars(select(OneOnOne).where(OneOnOne.team_id == team_id, mine,
                                                               OneOnOne.state.in_(OPEN_STATES))
                                        .order_by(OneOnOne.requested_at, OneOnOne.id)))
            recent = list(session.scalars(select(OneOnOne).where(OneOnOne.team_id == team_id, mine,
                                                                 OneOnOne.state == "done")
                                          .order_by(OneOnOne.done_at.desc(), OneOnOne.id.desc()).limit(RECENT_DONE)))
            with_notes = [r.id for r in rows if r.state == "accepted"] + [r.id for r in recent]
            notes: dict[int, list] = {}
            for note in session.scalars(notes_visible_to(team_id, viewer_id, with_notes)):
                notes.setdefault(note.one_on_one_id, []).append(note)

            def view(row: OneOnOne) -> OneOnOneView:
                return self._view(session, row, notes=notes.get(row.id, ()), details=False)

            awaiting = [view(r) for r in rows if (r.state == "requested" and r.manager_id == viewer_id)
                        or (r.state == "rescheduled" and r.requester_id == viewer_id)]
            waiting = [view(r) for r in rows if (r.state == "requested" and r.requester_id == viewer_id)
                       or (r.state == "rescheduled" and r.manager_id == viewer_id)]
            far = datetime.max.replace(tzinfo=UTC)
            upcoming = sorted((view(r) for r in rows if r.state == "accepted"), key=lambda v: (v.when or far, v.id))
            task_rows = session.execute(
                select(Task, OneOnOne).join(OneOnOne, OneOnOne.id == Task.one_on_one_id)
                .where(Task.team_id == team_id, Task.assignee_id == viewer_id, Task.done.is_(False),
                       OneOnOne.team_id == team_id, OneOnOne.state.in_(("accepted", "done")), mine)
                .order_by(Task.due_on.is_(None), Task.due_on, Task.id)).all()
            me = self._services.people.view(session, team_id, viewer_id)
            return HomeView(viewer_id=viewer_id, awaiting_answer=tuple(awaiting), waiting=tuple(waiting),
                            upcoming=tuple(upcoming), recent=tuple(view(r) for r in recent),
                            open_tasks=tuple(task_view(t, o) for t, o in task_rows),
                            manager_id=me.manager_id if me else None, now=now)

