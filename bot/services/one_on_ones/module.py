"""The pair's card of a 1-on-1 as a working module: notes (shared or private), tasks, Mark done and the
one-line summaries. Only the two participants may touch them; every shared change refreshes the card."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.one_on_ones_module import summary_request
from bot.clock import Clock
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.core.outbox import Outbox
from bot.services.one_on_ones.carry import carry_points, carry_tasks, next_of_series
from bot.services.one_on_ones.messages import Messages
from bot.services.one_on_ones.queries import note_view, task_view
from bot.services.one_on_ones.rows import Views, either, load_row, participant_row, transition
from bot.services.one_on_ones.time import picked_day
from bot.settings import Settings
from bot.views.one_on_ones import MAX_MEETING_NOTE, MAX_SUMMARY, MAX_TASK, NoteView, OneOnOneView, Outcome, TaskView
from storage.models_one_on_ones import Note, OneOnOne, Task
from storage.privacy import notes_visible_to


class Module:
    """`participant_view`, `add_note`, `add_task`, `set_task_done`, `mark_done`, `summary_form`, `save_summary`."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: Settings, outbox: Outbox,
                 views: Views, messages: Messages) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._outbox = outbox
        self._views = views
        self._messages = messages

    def participant_view(self, *, team_id: str, one_on_one_id: int, actor: str) -> OneOnOneView:
        """The 1-on-1 with the notes `actor` may read, if they take part in it (for the note and task modals)."""
        with self._sessions() as session:
            row = participant_row(session, team_id, one_on_one_id, actor)
            notes = session.scalars(notes_visible_to(team_id, actor, [row.id])).all()
            return self._views.of(session, row, notes=notes)

    def add_note(self, *, team_id: str, one_on_one_id: int, actor: str, text: str, private: bool) -> NoteView:
        """A note by a participant: private ones are readable by their author alone, shared ones by both."""
        text = (text or "").strip()
        if not text:
            raise UserFacingError("Write something first.", field="note")
        if len(text) > MAX_MEETING_NOTE:
            raise UserFacingError(f"Please keep a note under {MAX_MEETING_NOTE:,} characters.", field="note")
        with self._sessions.begin() as session:
            row = participant_row(session, team_id, one_on_one_id, actor)
            note = Note(team_id=team_id, one_on_one_id=row.id, author_id=actor, text=text, private=private,
                        created_at=self._clock())
            session.add(note)
            session.flush()
            if not private:
                self._messages.refresh_pair(session, row.id)
            return note_view(note)

    def add_task(self, *, team_id: str, one_on_one_id: int, actor: str, text: str, assignee: str | None,
                 due: str | None = None) -> TaskView:
        """A task for either participant, with an optional due date (not in the past, in the actor's zone)."""
        text = (text or "").strip()
        if not text:
            raise UserFacingError("Say what the task is.", field="task")
        if len(text) > MAX_TASK:
            raise UserFacingError(f"Please keep a task under {MAX_TASK} characters.", field="task")
        with self._sessions() as session:
            row = participant_row(session, team_id, one_on_one_id, actor)
            if assignee not in (row.requester_id, row.manager_id):
                raise UserFacingError("A task goes to one of the two of you.", field="assignee")
            zone = self._views.zone(session, team_id, actor)
        due_on = picked_day(due, zone, self._clock(), field="due")
        with self._sessions.begin() as session:
            row = participant_row(session, team_id, one_on_one_id, actor)
            task = Task(team_id=team_id, one_on_one_id=row.id, assignee_id=assignee, author_id=actor, text=text,
                        due_on=due_on, done=False, carried_count=0, created_at=self._clock())
            session.add(task)
            session.flush()
            self._messages.refresh_pair(session, row.id)
            return task_view(task, row)

    def set_task_done(self, *, team_id: str, task_id: int, actor: str, done: bool) -> Outcome | None:
        """Tick (or untick) a task of a 1-on-1 `actor` takes part in; None when it already was so."""
        now = self._clock()
        with self._sessions.begin() as session:
            theirs = select(OneOnOne.id).where(OneOnOne.team_id == team_id, either(actor))
            result = session.execute(
                update(Task).where(Task.team_id == team_id, Task.id == task_id, Task.done.is_(not done),
                                   Task.one_on_one_id.in_(theirs))
                .values(done=done, done_at=now if done else None).execution_options(synchronize_session=False))
            task = session.scalar(select(Task).where(Task.team_id == team_id, Task.id == task_id)
                                  .execution_options(populate_existing=True))
            if task is None:
                raise NotFound("That task does not exist (any more).")
            row = load_row(session, team_id, task.one_on_one_id)
            if not result.rowcount:
                if actor not in (row.requester_id, row.manager_id):
                    raise UserFacingError("This task is not yours: only the two people of its 1-on-1 can tick it.")
                return None
            self._messages.refresh_pair(session, row.id)
            return Outcome(self._views.of(session, row, details=False), True)

    def mark_done(self, *, team_id: str, one_on_one_id: int, actor: str) -> Outcome:
        """Close the 1-on-1: open tasks move on to the pair's next 1-on-1, both are asked for a summary."""
        now = self._clock()
        with self._sessions.begin() as session:
            changed = transition(session, team_id, one_on_one_id, actor_is=either(actor),
                                 from_states=("accepted",), state="done", done_at=now)
            row = load_row(session, team_id, one_on_one_id)
            if not changed:
                if actor not in (row.requester_id, row.manager_id):
                    raise UserFacingError("This 1-on-1 is not yours: only its two participants can change it.")
                if row.state != "done":
                    raise UserFacingError(f"This 1-on-1 can't be marked done: it is {row.state}.")
                return Outcome(self._views.of(session, row), False)
            created = next_of_series(session, row, now=self._clock(), views=self._views,
                                     nudge_day=self._settings.nudge_day)
            following = session.scalar(select(OneOnOne.id).where(
                OneOnOne.team_id == team_id, OneOnOne.id != row.id, OneOnOne.state == "accepted",
                OneOnOne.requester_id.in_((row.requester_id, row.manager_id)),
                OneOnOne.manager_id.in_((row.requester_id, row.manager_id)))
                .order_by(OneOnOne.agreed_at.is_(None), OneOnOne.agreed_at, OneOnOne.id).limit(1))
            if following is not None and (carry_tasks(session, row, into=following)
                                          + carry_points(session, row, into=following)):
                self._messages.refresh_pair(session, following)
            self._messages.refresh_pair(session, row.id)
            if created is not None:  # the series' next 1-on-1: its own message and calendar invite
                nxt = load_row(session, team_id, created)
                self._messages.post_pair(session, nxt)
                self._messages.send_invite(session, nxt)
            view = self._views.of(session, row)
            for who in (row.requester_id, row.manager_id):
                self._outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:summary-ask:{who}", channel=who,
                                 text="Sum up your 1-on-1 in one line?",
                                 blocks=summary_request(view, who, draft=self._settings.llm_enabled))
            return Outcome(view, True)

    def summary_form(self, *, team_id: str, one_on_one_id: int, actor: str) -> OneOnOneView:
        """The done 1-on-1, if `actor` took part (for the summary modal)."""
        with self._sessions() as session:
            row = participant_row(session, team_id, one_on_one_id, actor, states=("done",))
            return self._views.of(session, row, details=False)

    def save_summary(self, *, team_id: str, one_on_one_id: int, actor: str, text: str) -> OneOnOneView:
        """A participant's one-line summary of a done 1-on-1 (shown on the pair's message)."""
        text = " ".join((text or "").split())
        if len(text) > MAX_SUMMARY:
            raise UserFacingError(f"One line, please: under {MAX_SUMMARY} characters.", field="summary")
        with self._sessions.begin() as session:
            row = participant_row(session, team_id, one_on_one_id, actor, states=("done",))
            column = "requester_summary" if actor == row.requester_id else "manager_summary"
            session.execute(update(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == row.id)
                            .values({column: text}).execution_options(synchronize_session=False))
            self._messages.refresh_pair(session, row.id)
            return self._views.of(session, load_row(session, team_id, row.id), details=False)
