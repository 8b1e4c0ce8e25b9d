"""Feedback reads. Feedback texts are read only through `storage.privacy.feedback_visible_to`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.services.core.context import ServiceContext
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.core.parsing import parse_id
from bot.services.okrs.status import quarter_of
from bot.services.people.service import valid_tz
from bot.views.feedback import (
    WITH_MANAGER,
    AboutChoice,
    BlockId,
    FeedbackHomeView,
    FeedbackRequestView,
    FeedbackView,
)
from storage.models import Objective, Person
from storage.models_feedback import Feedback, FeedbackRequest
from storage.models_one_on_ones import OneOnOne
from storage.privacy import feedback_visible_to

MAX_ONE_ON_ONES = 5
MAX_CHOICES = 100


def request_view(row: FeedbackRequest, objective_title: str | None) -> FeedbackRequestView:
    """The view of a stored request."""
    return FeedbackRequestView(id=row.id, requester_id=row.requester_id, giver_id=row.giver_id, about=row.about,
                               objective_title=objective_title, state=row.state, created_at=row.created_at,
                               reminded_at=row.reminded_at)


def one_on_one_label(meeting: OneOnOne) -> str:
    """'1-on-1 of 2026-11-18' (the agreed date, else the request's)."""
    when = meeting.agreed_at or meeting.requested_at
    return f"1-on-1 of {when:%Y-%m-%d}" + (f": {meeting.topic[:40]}" if meeting.topic else "")


class FeedbackQueries:
    """Read-side of feedback, shared by the feedback service's use-cases."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    @staticmethod
    def objective_title(session: Session, objective_id: int | None) -> str | None:
        """The title of an objective, or None."""
        if objective_id is None:
            return None
        return session.scalar(select(Objective.title).where(Objective.id == objective_id))

    @staticmethod
    def own_request(session: Session, team_id: str, request_id: int, giver_id: str) -> FeedbackRequest:
        """A pending request made to `giver_id`, or a clear error."""
        row = session.get(FeedbackRequest, request_id)
        if row is None or row.team_id != team_id:
            raise NotFound("That feedback request no longer exists.")
        if row.giver_id != giver_id:
            raise UserFacingError("That feedback request was sent to someone else.")
        if row.state == "answered":
            raise UserFacingError(f"You already gave <@{row.requester_id}> the feedback they asked for. Thank you!")
        if row.state != "pending":
            raise UserFacingError("That feedback request was withdrawn.")
        return row

    def about_choices(self, session: Session, team_id: str, giver_id: str, receiver_id: str) -> list[AboutChoice]:
        """The receiver's objectives of this quarter, and the 1-on-1s giver and receiver had together."""
        receiver = session.get(Person, (team_id, receiver_id))
        tz = valid_tz(receiver.tz if receiver else None, self._ctx.settings.default_timezone)
        quarter = quarter_of(self._ctx.clock().astimezone(ZoneInfo(tz)).date())
        choices = [AboutChoice(f"objective:{o.id}", f"🎯 {o.title}") for o in session.scalars(
            select(Objective).where(Objective.team_id == team_id, Objective.owner_id == receiver_id,
                                    Objective.quarter == quarter).order_by(Objective.title, Objective.id))]
        meetings = session.scalars(select(OneOnOne).where(OneOnOne.team_id == team_id, _pair(giver_id, receiver_id),
                                                          OneOnOne.state.in_(("accepted", "rescheduled", "done")))
                                   .order_by(OneOnOne.requested_at.desc(), OneOnOne.id.desc())
                                   .limit(MAX_ONE_ON_ONES))
        choices += [AboutChoice(f"1on1:{m.id}", one_on_one_label(m)) for m in meetings]
        return choices[:MAX_CHOICES]

    @staticmethod
    def about(session: Session, team_id: str, giver_id: str, receiver_id: str,
              value: str | None) -> tuple[int | None, int | None, str]:
        """(objective id, 1-on-1 id, label) of the form's "about" choice, checked against what giver may pick."""
        if not value:
            return None, None, ""
        kind, _, raw = value.partition(":")
        row_id = parse_id(raw)
        if row_id is not None and kind == "objective":
            objective = session.get(Objective, row_id)
            if objective is not None and objective.team_id == team_id and objective.owner_id == receiver_id:
                return objective.id, None, objective.title
        if row_id is not None and kind == "1on1":
            meeting = session.scalar(select(OneOnOne).where(OneOnOne.id == row_id, OneOnOne.team_id == team_id,
                                                            _pair(giver_id, receiver_id)))
            if meeting is not None:
                return None, meeting.id, one_on_one_label(meeting)
        raise UserFacingError("Pick what it's about from the list (it changed since you opened the form).",
                              field=BlockId.ABOUT)

    def pending_for(self, team_id: str, giver_id: str, limit: int) -> tuple[FeedbackRequestView, ...]:
        """Pending requests made to `giver_id`, oldest first."""
        with self._ctx.sessions() as session:
            return self._requests(session, team_id, FeedbackRequest.giver_id == giver_id, limit, newest=False)

    def home(self, team_id: str, viewer_id: str, limit: int) -> FeedbackHomeView:
        """Everything the viewer's Home shows about feedback (and nothing they may not read)."""
        with self._ctx.sessions() as session:
            to_answer = self._requests(session, team_id, FeedbackRequest.giver_id == viewer_id, limit, newest=False)
            waiting_on = self._requests(session, team_id, FeedbackRequest.requester_id == viewer_id, limit,
                                        newest=True)
            to_answer_count = session.scalar(select(func.count()).select_from(FeedbackRequest).where(
                FeedbackRequest.team_id == team_id, FeedbackRequest.giver_id == viewer_id,
                FeedbackRequest.state == "pending")) or 0
            visible = feedback_visible_to(team_id, viewer_id)
            received = [self.view(session, f) for f in session.scalars(
                visible.where(Feedback.receiver_id == viewer_id).limit(limit))]
            received_count = session.scalar(select(func.count()).select_from(
                visible.where(Feedback.receiver_id == viewer_id).subquery())) or 0
            about_reports = [self.view(session, f) for f in session.scalars(
                visible.where(Feedback.receiver_id != viewer_id).limit(limit))]
        return FeedbackHomeView(viewer_id=viewer_id, to_answer=to_answer, to_answer_count=to_answer_count,
                                received=tuple(received), received_count=received_count,
                                about_reports=tuple(about_reports), waiting_on=waiting_on)

    @staticmethod
    def view(session: Session, row: Feedback) -> FeedbackView:
        """The view of a feedback the caller already checked the reader may see."""
        label = ""
        if row.objective_id:
            label = session.scalar(select(Objective.title).where(Objective.id == row.objective_id)) or ""
        elif row.one_on_one_id:
            meeting = session.get(OneOnOne, row.one_on_one_id)
            label = one_on_one_label(meeting) if meeting else ""
        elif row.request_id:
            label = session.scalar(select(FeedbackRequest.about).where(FeedbackRequest.id == row.request_id)) or ""
        manager_id = None
        if row.visibility == WITH_MANAGER:
            manager_id = session.scalar(select(Person.manager_id).where(Person.team_id == row.team_id,
                                                                        Person.user_id == row.receiver_id))
        return FeedbackView(id=row.id, giver_id=row.giver_id, receiver_id=row.receiver_id, text=row.text,
                            visibility=row.visibility, about=label, created_at=row.created_at, manager_id=manager_id)

    def _requests(self, session: Session, team_id: str, who: object, limit: int,
                  *, newest: bool) -> tuple[FeedbackRequestView, ...]:
        order = (FeedbackRequest.created_at.desc(), FeedbackRequest.id.desc()) if newest \
            else (FeedbackRequest.created_at, FeedbackRequest.id)
        rows = session.execute(select(FeedbackRequest, Objective.title)
                               .outerjoin(Objective, Objective.id == FeedbackRequest.objective_id)
                               .where(FeedbackRequest.team_id == team_id, who, FeedbackRequest.state == "pending")
                               .order_by(*order).limit(limit)).all()
        return tuple(request_view(row, title) for row, title in rows)


def _pair(a: str, b: str) -> object:
    return or_((OneOnOne.requester_id == a) & (OneOnOne.manager_id == b),
               (OneOnOne.requester_id == b) & (OneOnOne.manager_id == a))
