"""A 1-on-1 as a meeting (issue 14): a new time set by either person, and talking points from both.

Every new time raises the 1-on-1's `sequence` in the same UPDATE that sets it, so two people moving it
at once each get their own sequence number: both moves are kept in order, the later one wins, and the
other person is told of each move exactly once (the outbox key carries the sequence).
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.blocks.kit import section, user
from bot.blocks.one_on_ones_meetings import FREQUENCY_LABEL, MAX_POINT, moved_message, moved_text
from bot.blocks.one_on_ones_parts import when_text
from bot.calendar import Meeting, uid_for
from bot.calendar_delivery import INVITE_METHOD
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.one_on_ones.base import OneOnOneBase, pair_key
from bot.services.one_on_ones.queries import pair_filter, talking_point_view
from bot.services.one_on_ones.time import FREQUENCIES, next_in_series, picked_time
from bot.views.one_on_ones import OneOnOneView, Outcome, TalkingPointView
from storage.models_one_on_ones import OneOnOne, OneOnOneSeries, TalkingPoint

OPEN_FOR_POINTS = ("requested", "rescheduled", "accepted")


class OneOnOneMeetings(OneOnOneBase):
    """Setting and moving the time of an accepted 1-on-1; the talking points of both."""

    # ---- the time -----------------------------------------------------------------------------
    def needs_time(self, *, team_id: str, one_on_one_id: int, actor: str) -> OneOnOneView | None:
        """The request when its manager must pick a time to accept it (none was proposed), else None."""
        with self._ctx.sessions() as session:
            row = self._row(session, team_id, one_on_one_id)
            if row.state != "requested" or row.manager_id != actor or row.proposed_at is not None:
                return None
            return self._view(session, row, details=False)

    def move_form(self, *, team_id: str, one_on_one_id: int, actor: str) -> OneOnOneView:
        """The accepted 1-on-1, if `actor` takes part in it (before opening Set a time / Reschedule)."""
        with self._ctx.sessions() as session:
            row = self._participant_row(session, team_id, one_on_one_id, actor, states=("accepted",))
            return self._view(session, row, details=False)

    def move(self, *, team_id: str, one_on_one_id: int, actor: str, day: str | None, clock: str | None,
             note: str = "") -> Outcome:
        """Either participant sets a (new) time, read in their own timezone: the card updates, the other person
        is told once, the calendar invite is sent again with a higher SEQUENCE."""
        note = " ".join((note or "").split())
        if len(note) > 500:
            raise UserFacingError("Please keep the note under 500 characters.", field="note")
        with self._ctx.sessions() as session:
            row = self._participant_row(session, team_id, one_on_one_id, actor, states=("accepted",))
            zone = self._zone(session, team_id, actor)
            before = row.agreed_at
        when = picked_time(day, clock, zone, self._now(), required=True)
        if when == before:
            with self._ctx.sessions() as session:
                return Outcome(self._view(session, self._row(session, team_id, one_on_one_id)), False)
        with self._ctx.sessions.begin() as session:
            sequence = session.execute(
                update(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == one_on_one_id,
                                       OneOnOne.state == "accepted", self._either(actor))
                .values(agreed_at=when, proposed_at=when, sequence=OneOnOne.sequence + 1, meeting_reminded_at=None,
                        followed_up_at=None)
                .returning(OneOnOne.sequence).execution_options(synchronize_session=False)).scalar()
            if sequence is None:  # marked done or changed in between
                self._participant_row(session, team_id, one_on_one_id, actor, states=("accepted",))
                raise UserFacingError("This 1-on-1 changed meanwhile; please use the latest message.")
            row = self._row(session, team_id, one_on_one_id)
            self._refresh_pair_message(session, row.id)
            view = self._view(session, row, details=False)
            other = view.other(actor)
            self._ctx.outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:moved:{sequence}", channel=other,
                                 text=moved_text(view, actor, other, had_time=before is not None),
                                 blocks=moved_message(view, actor, note, had_time=before is not None))
            self._after_new_time(session, row)
            return Outcome(view, True)

    def _after_new_time(self, session: Session, row: OneOnOne, *, cancelled: bool = False) -> None:
        """Queue the calendar invite of the agreed time (or its cancellation) for the pair's group DM, once per
        sequence: delivered after the pair's message, to which it links (bot.calendar_delivery)."""
        if row.agreed_at is None:
            return
        view = self._view(session, row)
        lines = [f"Topic: {view.topic}"] if view.topic else []
        points = [p for p in view.talking_points if not p.discussed][:10]
        if points:
            lines += ["Talking points:", *(f"• {p.text[:200]}" for p in points)]
        title = f"1-on-1: {view.requester_name} & {view.manager_name}"
        meeting = Meeting(uid=uid_for(row.team_id, row.id), title=title,
                          start=row.agreed_at, minutes=self._ctx.settings.meeting_minutes,
                          description="\n".join(lines)[:1200] or "1-on-1 (okrbot)", sequence=row.sequence or 0,
                          cancelled=cancelled)
        self._ctx.outbox.add(session, team_id=row.team_id, key=f"1on1:{row.id}:invite:{row.sequence or 0}",
                             channel=row.manager_id, method=INVITE_METHOD, text=f"Calendar invite: {meeting.title}",
                             channel_of=pair_key(row.id), meeting=meeting.to_json(),
                             filename=f"1on1-{row.id}.ics")

    def cancel_meeting(self, *, team_id: str, one_on_one_id: int, actor: str) -> Outcome:
        """Either of the pair cancels an accepted 1-on-1: the card says so, the other person is told once, and
        the calendar gets METHOD:CANCEL for the same UID (a higher SEQUENCE). Twice changes nothing."""
        with self._ctx.sessions.begin() as session:
            sequence = session.execute(
                update(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == one_on_one_id,
                                       OneOnOne.state == "accepted", self._either(actor))
                .values(state="cancelled", sequence=OneOnOne.sequence + 1, answer_note=f"cancelled by {actor}")
                .returning(OneOnOne.sequence).execution_options(synchronize_session=False)).scalar()
            row = self._row(session, team_id, one_on_one_id)
            if sequence is None:
                if actor not in (row.requester_id, row.manager_id):
                    raise UserFacingError("This 1-on-1 is not yours: only its two participants can change it.")
                return Outcome(self._view(session, row, details=False), False)
            self._refresh_pair_message(session, row.id)
            view = self._view(session, row, details=False)
            other = view.other(actor)
            self._ctx.outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:cancelled", channel=other,
                                 text=f"{view.name_of(actor)} cancelled your 1-on-1",
                                 blocks=[section(f":heavy_multiplication_x: {user(actor)} cancelled your 1-on-1"
                                                 + (f" of {when_text(view.when)}" if view.when else "") + ".")])
            self._after_new_time(session, row, cancelled=True)
            return Outcome(view, True)

    # ---- a series ------------------------------------------------------------------------------
    def repeat(self, *, team_id: str, one_on_one_id: int, actor: str, frequency: str) -> OneOnOneView:
        """Either of the pair makes their 1-on-1 a series (or changes its frequency): when it is marked done,
        the next one is scheduled at once, carrying open tasks and undiscussed talking points."""
        if frequency not in FREQUENCIES:
            raise UserFacingError("Choose weekly, every two weeks or monthly.", field="frequency")
        with self._ctx.sessions.begin() as session:
            row = self._participant_row(session, team_id, one_on_one_id, actor, states=("accepted",))
            if row.agreed_at is None:
                raise UserFacingError("Set a time first: the series repeats it.")
            series = session.scalar(select(OneOnOneSeries).where(
                OneOnOneSeries.team_id == team_id, OneOnOneSeries.stopped_at.is_(None),
                OneOnOneSeries.manager_id == row.manager_id, OneOnOneSeries.requester_id == row.requester_id)
                .with_for_update())
            if series is None:
                series = OneOnOneSeries(team_id=team_id, requester_id=row.requester_id, manager_id=row.manager_id,
                                        frequency=frequency, created_by=actor, created_at=self._now())
                session.add(series)
            series.frequency = frequency
            session.flush()
            session.execute(update(OneOnOne).where(OneOnOne.id == row.id).values(series_id=series.id)
                            .execution_options(synchronize_session=False))
            self._refresh_pair_message(session, row.id)
            view = self._view(session, self._row(session, team_id, row.id), details=False)
            label = FREQUENCY_LABEL[frequency].lower()
            self._ctx.outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:series:{series.id}:{frequency}",
                                 channel=view.other(actor),
                                 text=f"{view.name_of(actor)} made your 1-on-1 a series: {label}",
                                 blocks=[section(f":repeat: {user(actor)} made your 1-on-1 a series: *{label}*. "
                                                 "The next one is scheduled when this one is marked done.")])
            return view

    def _next_of_series(self, session: Session, row: OneOnOne) -> int | None:
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
        zone = self._zone(session, row.team_id, series.created_by)
        when = next_in_series(row.agreed_at, series.frequency, zone, self._ctx.settings.nudge_day)
        now = self._now()
        while when <= now:  # marked done long after: the next date still ahead
            when = next_in_series(when, series.frequency, zone, self._ctx.settings.nudge_day)
        following = OneOnOne(team_id=row.team_id, requester_id=row.requester_id, manager_id=row.manager_id, topic="",
                             urgency="this_month", state="accepted", proposed_at=when, agreed_at=when,
                             requested_at=now, answered_at=now, revision=0, sequence=0,
                             scheduled_by=series.created_by, series_id=series.id)
        session.add(following)
        session.flush()
        return following.id

    # ---- talking points -------------------------------------------------------------------------
    def _point(self, session: object, team_id: str, point_id: int) -> TalkingPoint:
        point = session.scalar(select(TalkingPoint).where(  # type: ignore[attr-defined]
            TalkingPoint.team_id == team_id, TalkingPoint.id == point_id).execution_options(populate_existing=True))
        if point is None:
            raise NotFound("That talking point does not exist (any more).")
        return point

    @staticmethod
    def _point_text(text: str) -> str:
        text = (text or "").strip()
        if not text:
            raise UserFacingError("Say what you'd like to talk about.", field="point")
        if len(text) > MAX_POINT:
            raise UserFacingError(f"Please keep a talking point under {MAX_POINT} characters.", field="point")
        return text

    def add_talking_point(self, *, team_id: str, one_on_one_id: int, actor: str, text: str) -> TalkingPointView:
        """A talking point by one of the pair, before or during the meeting: both see it on the card."""
        text = self._point_text(text)
        with self._ctx.sessions.begin() as session:
            row = self._participant_row(session, team_id, one_on_one_id, actor, states=OPEN_FOR_POINTS)
            point = TalkingPoint(team_id=team_id, one_on_one_id=row.id, author_id=actor, text=text, discussed=False,
                                 carried_count=0, created_at=self._now())
            session.add(point)
            session.flush()
            self._refresh_pair_message(session, row.id)
            return talking_point_view(point)

    def point_target(self, *, team_id: str, one_on_one_id: int, actor: str) -> None:
        """Check `actor` may add a talking point to this 1-on-1 now (before opening the modal)."""
        with self._ctx.sessions() as session:
            self._participant_row(session, team_id, one_on_one_id, actor, states=OPEN_FOR_POINTS)

    def point_form(self, *, team_id: str, point_id: int, actor: str) -> TalkingPointView:
        """A talking point its author may edit (for the edit modal)."""
        with self._ctx.sessions() as session:
            point = self._point(session, team_id, point_id)
            if point.author_id != actor:
                raise UserFacingError("Only its author can edit a talking point.")
            return talking_point_view(point)

    def edit_talking_point(self, *, team_id: str, point_id: int, actor: str, text: str) -> TalkingPointView:
        """Its author rewrites a talking point."""
        text = self._point_text(text)
        with self._ctx.sessions.begin() as session:
            point = self._point(session, team_id, point_id)
            if point.author_id != actor:
                raise UserFacingError("Only its author can edit a talking point.")
            self._participant_row(session, team_id, point.one_on_one_id, actor, states=OPEN_FOR_POINTS)
            point.text, point.edited_at = text, self._now()
            session.flush()
            self._refresh_pair_message(session, point.one_on_one_id)
            return talking_point_view(point)

    def remove_talking_point(self, *, team_id: str, point_id: int, actor: str) -> bool:
        """Its author removes a talking point; False when it was already gone."""
        with self._ctx.sessions.begin() as session:
            point = session.scalar(select(TalkingPoint).where(TalkingPoint.team_id == team_id,
                                                              TalkingPoint.id == point_id))
            if point is None:
                return False
            if point.author_id != actor:
                raise UserFacingError("Only its author can remove a talking point.")
            one_on_one_id = point.one_on_one_id
            self._participant_row(session, team_id, one_on_one_id, actor, states=OPEN_FOR_POINTS)
            session.execute(delete(TalkingPoint).where(TalkingPoint.id == point_id))
            self._refresh_pair_message(session, one_on_one_id)
            return True

    def set_point_discussed(self, *, team_id: str, point_id: int, actor: str, discussed: bool) -> bool:
        """Either of the pair ticks a talking point as discussed (or not); False when it already was so."""
        with self._ctx.sessions.begin() as session:
            point = self._point(session, team_id, point_id)
            self._participant_row(session, team_id, point.one_on_one_id, actor, states=("accepted", "done"))
            changed = session.execute(
                update(TalkingPoint).where(TalkingPoint.id == point_id, TalkingPoint.discussed.is_(not discussed))
                .values(discussed=discussed).execution_options(synchronize_session=False)).rowcount
            if changed:
                self._refresh_pair_message(session, point.one_on_one_id)
            return bool(changed)
