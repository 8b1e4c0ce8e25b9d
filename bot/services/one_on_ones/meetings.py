"""A 1-on-1 as a meeting (issue 14): a new time set by either person, cancelling it, and making it a series.

Every new time raises the 1-on-1's `sequence` in the same UPDATE that sets it, so two people moving it
at once each get their own sequence number: both moves are kept in order, the later one wins, and the
other person is told of each move exactly once (the outbox key carries the sequence).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.kit import section, user
from bot.blocks.one_on_ones_meetings import FREQUENCY_LABEL, moved_message, moved_text
from bot.blocks.one_on_ones_parts import when_text
from bot.clock import Clock
from bot.services.core.errors import UserFacingError
from bot.services.core.outbox import Outbox
from bot.services.one_on_ones.messages import Messages
from bot.services.one_on_ones.rows import Views, either, load_row, participant_row
from bot.services.one_on_ones.time import FREQUENCIES, picked_time
from bot.views.one_on_ones import MAX_MOVE_NOTE, OneOnOneView, Outcome
from storage.models_one_on_ones import OneOnOne, OneOnOneSeries


class Meetings:
    """Setting and moving the time of an accepted 1-on-1, cancelling it, and its series."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, outbox: Outbox, views: Views,
                 messages: Messages) -> None:
        self._sessions = sessions
        self._clock = clock
        self._outbox = outbox
        self._views = views
        self._messages = messages

    def move_form(self, *, team_id: str, one_on_one_id: int, actor: str) -> OneOnOneView:
        """The accepted 1-on-1, if `actor` takes part in it (before opening Set a time / Reschedule)."""
        with self._sessions() as session:
            row = participant_row(session, team_id, one_on_one_id, actor, states=("accepted",))
            return self._views.of(session, row, details=False)

    def move(self, *, team_id: str, one_on_one_id: int, actor: str, day: str | None, clock: str | None,
             note: str = "") -> Outcome:
        """Either participant sets a (new) time, read in their own timezone: the card updates, the other person
        is told once, the calendar invite is sent again with a higher SEQUENCE."""
        note = " ".join((note or "").split())
        if len(note) > MAX_MOVE_NOTE:
            raise UserFacingError(f"Please keep the note under {MAX_MOVE_NOTE} characters.", field="note")
        with self._sessions() as session:
            row = participant_row(session, team_id, one_on_one_id, actor, states=("accepted",))
            zone = self._views.zone(session, team_id, actor)
            before = row.agreed_at
        when = picked_time(day, clock, zone, self._clock(), required=True)
        if when == before:
            with self._sessions() as session:
                return Outcome(self._views.of(session, load_row(session, team_id, one_on_one_id)), False)
        with self._sessions.begin() as session:
            sequence = session.execute(
                update(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == one_on_one_id,
                                       OneOnOne.state == "accepted", either(actor))
                .values(agreed_at=when, proposed_at=when, sequence=OneOnOne.sequence + 1, meeting_reminded_at=None,
                        followed_up_at=None)
                .returning(OneOnOne.sequence).execution_options(synchronize_session=False)).scalar()
            if sequence is None:  # marked done or changed in between
                participant_row(session, team_id, one_on_one_id, actor, states=("accepted",))
                raise UserFacingError("This 1-on-1 changed meanwhile; please use the latest message.")
            row = load_row(session, team_id, one_on_one_id)
            self._messages.refresh_pair(session, row.id)
            view = self._views.of(session, row, details=False)
            other = view.other(actor)
            self._outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:moved:{sequence}", channel=other,
                             text=moved_text(view, actor, other, had_time=before is not None),
                             blocks=moved_message(view, actor, note, had_time=before is not None))
            self._messages.send_invite(session, row)
            return Outcome(view, True)

    def cancel_meeting(self, *, team_id: str, one_on_one_id: int, actor: str) -> Outcome:
        """Either of the pair cancels an accepted 1-on-1: the card says so, the other person is told once, and
        the calendar gets METHOD:CANCEL for the same UID (a higher SEQUENCE). Twice changes nothing."""
        with self._sessions.begin() as session:
            sequence = session.execute(
                update(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == one_on_one_id,
                                       OneOnOne.state == "accepted", either(actor))
                .values(state="cancelled", sequence=OneOnOne.sequence + 1, answer_note=f"cancelled by {actor}")
                .returning(OneOnOne.sequence).execution_options(synchronize_session=False)).scalar()
            row = load_row(session, team_id, one_on_one_id)
            if sequence is None:
                if actor not in (row.requester_id, row.manager_id):
                    raise UserFacingError("This 1-on-1 is not yours: only its two participants can change it.")
                return Outcome(self._views.of(session, row, details=False), False)
            self._messages.refresh_pair(session, row.id)
            view = self._views.of(session, row, details=False)
            other = view.other(actor)
            self._outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:cancelled", channel=other,
                             text=f"{view.name_of(actor)} cancelled your 1-on-1",
                             blocks=[section(f":heavy_multiplication_x: {user(actor)} cancelled your 1-on-1"
                                                 + (f" of {when_text(view.when)}" if view.when else "") + ".")])
            self._messages.send_invite(session, row, cancelled=True)
            return Outcome(view, True)

    def repeat(self, *, team_id: str, one_on_one_id: int, actor: str, frequency: str) -> OneOnOneView:
        """Either of the pair makes their 1-on-1 a series (or changes its frequency): when it is marked done,
        the next one is scheduled at once, carrying open tasks and undiscussed talking points."""
        if frequency not in FREQUENCIES:
            raise UserFacingError("Choose weekly, every two weeks or monthly.", field="frequency")
        with self._sessions.begin() as session:
            row = participant_row(session, team_id, one_on_one_id, actor, states=("accepted",))
            if row.agreed_at is None:
                raise UserFacingError("Set a time first: the series repeats it.")
            series = session.scalar(select(OneOnOneSeries).where(
                OneOnOneSeries.team_id == team_id, OneOnOneSeries.stopped_at.is_(None),
                OneOnOneSeries.manager_id == row.manager_id, OneOnOneSeries.requester_id == row.requester_id)
                .with_for_update())
            if series is None:
                series = OneOnOneSeries(team_id=team_id, requester_id=row.requester_id, manager_id=row.manager_id,
                                        frequency=frequency, created_by=actor, created_at=self._clock())
                session.add(series)
            series.frequency = frequency
            session.flush()
            session.execute(update(OneOnOne).where(OneOnOne.id == row.id).values(series_id=series.id)
                            .execution_options(synchronize_session=False))
            self._messages.refresh_pair(session, row.id)
            view = self._views.of(session, load_row(session, team_id, row.id), details=False)
            label = FREQUENCY_LABEL[frequency].lower()
            self._outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:series:{series.id}:{frequency}",
                             channel=view.other(actor),
                             text=f"{view.name_of(actor)} made your 1-on-1 a series: {label}",
                             blocks=[section(f":repeat: {user(actor)} made your 1-on-1 a series: *{label}*. "
                                                 "The next one is scheduled when this one is marked done.")])
            return view
