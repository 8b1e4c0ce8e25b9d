"""Editing and deleting your own notes and tasks of a 1-on-1 (issue 14): only their author may, and the
pair's card is refreshed when what changed is shared."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.core.errors import UserFacingError
from bot.services.one_on_ones.messages import Messages
from bot.services.one_on_ones.queries import note_view, task_view
from bot.services.one_on_ones.rows import LIVE_FOR_NOTES, load_row, participant_row
from bot.views.one_on_ones import MAX_MEETING_NOTE, MAX_TASK, NoteView, TaskView
from storage.models_one_on_ones import Note, Task


class Edits:
    """`mine`, `edit_note`, `delete_note`, `edit_task`, `delete_task`."""

    def __init__(self, sessions: sessionmaker[Session], messages: Messages) -> None:
        self._sessions = sessions
        self._messages = messages

    def mine(self, *, team_id: str, one_on_one_id: int, actor: str
             ) -> tuple[tuple[NoteView, ...], tuple[TaskView, ...]]:
        """The notes and tasks `actor` wrote on this 1-on-1 (the ones they may edit or delete)."""
        with self._sessions() as session:
            row = participant_row(session, team_id, one_on_one_id, actor, states=LIVE_FOR_NOTES)
            notes = session.scalars(select(Note).where(Note.team_id == team_id, Note.one_on_one_id == row.id,
                                                       Note.author_id == actor).order_by(Note.id)).all()
            tasks = session.scalars(select(Task).where(Task.team_id == team_id, Task.one_on_one_id == row.id,
                                                       Task.author_id == actor).order_by(Task.id)).all()
            return tuple(note_view(n) for n in notes), tuple(task_view(t, row) for t in tasks)

    def _own(self, session: object, model: type, team_id: str, item_id: int, actor: str, what: str) -> object:
        item = session.scalar(select(model).where(model.team_id == team_id, model.id == item_id))  # type: ignore
        if item is None:
            raise UserFacingError(f"That {what} does not exist any more.")
        if item.author_id != actor:
            raise UserFacingError(f"Only its author can change a {what}.")
        participant_row(session, team_id, item.one_on_one_id, actor, states=LIVE_FOR_NOTES)  # type: ignore
        return item

    def edit_note(self, *, team_id: str, note_id: int, actor: str, text: str) -> NoteView:
        """Its author rewrites a note (private stays private)."""
        text = (text or "").strip()
        if not text or len(text) > MAX_MEETING_NOTE:
            raise UserFacingError(f"A note is 1 to {MAX_MEETING_NOTE:,} characters.", field="note")
        with self._sessions.begin() as session:
            note = self._own(session, Note, team_id, note_id, actor, "note")
            note.text = text  # type: ignore[attr-defined]
            session.flush()
            if not note.private:  # type: ignore[attr-defined]
                self._messages.refresh_pair(session, note.one_on_one_id)  # type: ignore[attr-defined]
            return note_view(note)  # type: ignore[arg-type]

    def delete_note(self, *, team_id: str, note_id: int, actor: str) -> bool:
        """Its author deletes a note; False when it was already gone."""
        with self._sessions.begin() as session:
            if session.get(Note, note_id) is None:
                return False
            note = self._own(session, Note, team_id, note_id, actor, "note")
            shared, one_on_one_id = not note.private, note.one_on_one_id  # type: ignore[attr-defined]
            session.execute(delete(Note).where(Note.id == note_id))
            if shared:
                self._messages.refresh_pair(session, one_on_one_id)
            return True

    def edit_task(self, *, team_id: str, task_id: int, actor: str, text: str) -> TaskView:
        """Its author rewrites a task."""
        text = (text or "").strip()
        if not text or len(text) > MAX_TASK:
            raise UserFacingError(f"A task is 1 to {MAX_TASK} characters.", field="task")
        with self._sessions.begin() as session:
            task = self._own(session, Task, team_id, task_id, actor, "task")
            task.text = text  # type: ignore[attr-defined]
            session.flush()
            self._messages.refresh_pair(session, task.one_on_one_id)  # type: ignore[attr-defined]
            return task_view(task, load_row(session, team_id, task.one_on_one_id))  # type: ignore

    def delete_task(self, *, team_id: str, task_id: int, actor: str) -> bool:
        """Its author deletes a task; False when it was already gone."""
        with self._sessions.begin() as session:
            if session.get(Task, task_id) is None:
                return False
            task = self._own(session, Task, team_id, task_id, actor, "task")
            one_on_one_id = task.one_on_one_id  # type: ignore[attr-defined]
            session.execute(delete(Task).where(Task.id == task_id))
            self._messages.refresh_pair(session, one_on_one_id)
            return True
