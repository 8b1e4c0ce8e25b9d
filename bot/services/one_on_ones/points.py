"""Talking points of a 1-on-1 (issue 14): added by either of the pair before or during the meeting, edited or
removed by their author, ticked as discussed by either; undiscussed ones move on to the next 1-on-1."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.one_on_ones.messages import Messages
from bot.services.one_on_ones.queries import talking_point_view
from bot.services.one_on_ones.rows import participant_row
from bot.views.one_on_ones import MAX_POINT, TalkingPointView
from storage.models_one_on_ones import TalkingPoint

OPEN_FOR_POINTS = ("requested", "rescheduled", "accepted")


class TalkingPoints:
    """`add_talking_point`, `point_target`, `point_form`, `edit_talking_point`, `remove_talking_point`,
    `set_point_discussed`."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, messages: Messages) -> None:
        self._sessions = sessions
        self._clock = clock
        self._messages = messages

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
        with self._sessions.begin() as session:
            row = participant_row(session, team_id, one_on_one_id, actor, states=OPEN_FOR_POINTS)
            point = TalkingPoint(team_id=team_id, one_on_one_id=row.id, author_id=actor, text=text, discussed=False,
                                 carried_count=0, created_at=self._clock())
            session.add(point)
            session.flush()
            self._messages.refresh_pair(session, row.id)
            return talking_point_view(point)

    def point_target(self, *, team_id: str, one_on_one_id: int, actor: str) -> None:
        """Check `actor` may add a talking point to this 1-on-1 now (before opening the modal)."""
        with self._sessions() as session:
            participant_row(session, team_id, one_on_one_id, actor, states=OPEN_FOR_POINTS)

    def point_form(self, *, team_id: str, point_id: int, actor: str) -> TalkingPointView:
        """A talking point its author may edit (for the edit modal)."""
        with self._sessions() as session:
            point = self._point(session, team_id, point_id)
            if point.author_id != actor:
                raise UserFacingError("Only its author can edit a talking point.")
            return talking_point_view(point)

    def edit_talking_point(self, *, team_id: str, point_id: int, actor: str, text: str) -> TalkingPointView:
        """Its author rewrites a talking point."""
        text = self._point_text(text)
        with self._sessions.begin() as session:
            point = self._point(session, team_id, point_id)
            if point.author_id != actor:
                raise UserFacingError("Only its author can edit a talking point.")
            participant_row(session, team_id, point.one_on_one_id, actor, states=OPEN_FOR_POINTS)
            point.text, point.edited_at = text, self._clock()
            session.flush()
            self._messages.refresh_pair(session, point.one_on_one_id)
            return talking_point_view(point)

    def remove_talking_point(self, *, team_id: str, point_id: int, actor: str) -> bool:
        """Its author removes a talking point; False when it was already gone."""
        with self._sessions.begin() as session:
            point = session.scalar(select(TalkingPoint).where(TalkingPoint.team_id == team_id,
                                                              TalkingPoint.id == point_id))
            if point is None:
                return False
            if point.author_id != actor:
                raise UserFacingError("Only its author can remove a talking point.")
            one_on_one_id = point.one_on_one_id
            participant_row(session, team_id, one_on_one_id, actor, states=OPEN_FOR_POINTS)
            session.execute(delete(TalkingPoint).where(TalkingPoint.id == point_id))
            self._messages.refresh_pair(session, one_on_one_id)
            return True

    def set_point_discussed(self, *, team_id: str, point_id: int, actor: str, discussed: bool) -> bool:
        """Either of the pair ticks a talking point as discussed (or not); False when it already was so."""
        with self._sessions.begin() as session:
            point = self._point(session, team_id, point_id)
            participant_row(session, team_id, point.one_on_one_id, actor, states=("accepted", "done"))
            changed = session.execute(
                update(TalkingPoint).where(TalkingPoint.id == point_id, TalkingPoint.discussed.is_(not discussed))
                .values(discussed=discussed).execution_options(synchronize_session=False)).rowcount
            if changed:
                self._messages.refresh_pair(session, point.one_on_one_id)
            return bool(changed)
