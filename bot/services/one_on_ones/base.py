"""What every part of the 1-on-1 service shares: loading, views, state transitions, the pair's message."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from bot.blocks.one_on_ones import pair_message, reminder_message, request_message, request_text
from bot.blocks.one_on_ones_module import pair_text
from bot.services.core.context import ServiceContext
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.core.outbox import outbox_hook
from bot.services.one_on_ones.queries import one_on_one_view, pair_filter
from bot.services.people.service import valid_tz
from bot.views.one_on_ones import OneOnOneView
from storage.models import Person
from storage.models_delivery import OutboundMessage
from storage.models_one_on_ones import Note, OneOnOne, TalkingPoint, Task
from storage.privacy import shared_notes

if TYPE_CHECKING:
    from bot.services import Services

LIVE_FOR_NOTES = ("accepted", "done")
ALREADY = {
    "accepted": "This 1-on-1 was already accepted.",
    "declined": "This request was already declined.",
    "rescheduled": "Another time was already proposed for this 1-on-1.",
    "done": "This 1-on-1 is already done.",
    "cancelled": "This request was closed.",
    "requested": "This request has not been answered yet.",
}


def request_key(one_on_one_id: int) -> str:
    """Dedupe key of the manager's DM with the request (and its buttons)."""
    return f"1on1:{one_on_one_id}:request"


def pair_key(one_on_one_id: int) -> str:
    """Dedupe key of the pair's 1-on-1 message (agenda, notes, tasks; its thread is the conversation)."""
    return f"1on1:{one_on_one_id}:module"


def reminder_key(one_on_one_id: int) -> str:
    """Dedupe key of the one reminder of an unanswered request."""
    return f"1on1:{one_on_one_id}:reminder"


@outbox_hook("1on1.request")
def _remember_request_message(session: Session, row: OutboundMessage, answer: dict[str, Any], arg: str) -> None:
    """Keep where the manager's DM is (channel, ts) once Slack has it."""
    session.execute(update(OneOnOne).where(OneOnOne.team_id == row.team_id, OneOnOne.id == int(arg))
                    .values(request_channel=answer.get("channel"), request_ts=answer.get("ts")))


@outbox_hook("1on1.thread")
def _remember_thread(session: Session, row: OutboundMessage, answer: dict[str, Any], arg: str) -> None:
    """Keep where the pair's message is: replies in its thread are the 1-on-1's conversation."""
    session.execute(update(OneOnOne).where(OneOnOne.team_id == row.team_id, OneOnOne.id == int(arg))
                    .values(thread_channel=answer.get("channel"), thread_ts=answer.get("ts")))


class OneOnOneBase:
    """Shared plumbing of OneOnOneService (the use-cases live in the subclasses' modules)."""

    def __init__(self, ctx: ServiceContext, services: Services) -> None:
        self._ctx = ctx
        self._services = services

    # ---- reading -----------------------------------------------------------------------------
    def _row(self, session: Session, team_id: str, one_on_one_id: int) -> OneOnOne:
        """The 1-on-1, fresh from the database (after a conditional UPDATE), or NotFound."""
        row = session.scalar(select(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == one_on_one_id)
                             .execution_options(populate_existing=True))
        if row is None:
            raise NotFound("That 1-on-1 does not exist (any more).")
        return row

    def _view(self, session: Session, row: OneOnOne, *, notes: Any = (), details: bool = True) -> OneOnOneView:
        return one_on_one_view(session, row, self._ctx.clock(), default_tz=self._ctx.settings.default_timezone,
                               notes=notes, with_details=details)

    def _shared_view(self, session: Session, row: OneOnOne) -> OneOnOneView:
        """The view both participants may see: shared notes only."""
        notes = session.scalars(shared_notes(row.team_id).where(Note.one_on_one_id == row.id)).all()
        return self._view(session, row, notes=notes)

    def _zone(self, session: Session, team_id: str, user_id: str) -> ZoneInfo:
        person = session.get(Person, (team_id, user_id))
        default = self._ctx.settings.default_timezone
        return ZoneInfo(valid_tz(person.tz if person else None, default))

    def _participant_row(self, session: Session, team_id: str, one_on_one_id: int, actor: str,
                         states: tuple[str, ...] = LIVE_FOR_NOTES) -> OneOnOne:
        """The 1-on-1 if `actor` takes part in it and it is in one of `states`, else a clear error."""
        row = self._row(session, team_id, one_on_one_id)
        if actor not in (row.requester_id, row.manager_id):
            raise UserFacingError("This 1-on-1 is not yours: only its two participants can change it.")
        if row.state not in states:
            raise UserFacingError(ALREADY.get(row.state, f"This 1-on-1 is {row.state}."))
        return row

    # ---- changing ----------------------------------------------------------------------------
    @staticmethod
    def _transition(session: Session, team_id: str, one_on_one_id: int, *, actor_is: Any, from_states: tuple[str, ...],
                    **values: Any) -> bool:
        """Move the 1-on-1 to a new state in one conditional UPDATE; False when it was not in `from_states`
        or `actor_is` did not hold. The UPDATE comes first in the transaction, so two concurrent clicks
        serialise on the row (PostgreSQL) or on the write lock (SQLite) and exactly one of them wins."""
        stmt = (update(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == one_on_one_id, actor_is,
                                       OneOnOne.state.in_(from_states))
                .values(**values).execution_options(synchronize_session=False))
        return session.execute(stmt).rowcount == 1

    @staticmethod
    def _either(actor: str) -> Any:
        return or_(OneOnOne.requester_id == actor, OneOnOne.manager_id == actor)

    def _unchanged(self, row: OneOnOne, actor: str, *, answerer: str, wanted: str) -> None:
        """Why a transition did not happen: not yours, or already in another state (no-op when already `wanted`)."""
        if actor != answerer:
            who = "request" if answerer == row.manager_id else "proposal"
            raise UserFacingError(f"This {who} is not yours: only <@{answerer}> can answer it.")
        if row.state != wanted:
            raise UserFacingError(ALREADY.get(row.state, f"This 1-on-1 is {row.state}."))

    def _refresh_request_dms(self, session: Session, row: OneOnOne) -> None:
        """Update the manager's request DM (and the reminder) in place to show the outcome: no stale buttons."""
        view = self._view(session, row)
        outbox = self._ctx.outbox
        if self._queued(session, row.team_id, request_key(row.id)):
            outbox.add(session, team_id=row.team_id, key=f"{request_key(row.id)}:{row.state}", channel=row.manager_id,
                       text=request_text(view), blocks=request_message(view), update_of=request_key(row.id))
        if row.reminded_at is not None:
            outbox.add(session, team_id=row.team_id, key=f"{reminder_key(row.id)}:{row.state}",
                       channel=row.manager_id, text=request_text(view),
                       blocks=reminder_message(view, self._ctx.settings.request_reminder_days),
                       update_of=reminder_key(row.id))

    @staticmethod
    def _queued(session: Session, team_id: str, key: str) -> bool:
        return bool(session.scalar(select(exists().where(OutboundMessage.team_id == team_id,
                                                         OutboundMessage.dedupe_key == key))))

    def _post_pair_message(self, session: Session, row: OneOnOne) -> None:
        """The pair's 1-on-1 message in their group DM with the bot (its thread is the conversation)."""
        view = self._shared_view(session, row)
        self._ctx.outbox.add(session, team_id=row.team_id, key=pair_key(row.id), channel=row.manager_id,
                             text=pair_text(view), blocks=pair_message(view), on_sent=f"1on1.thread:{row.id}",
                             open_users=f"{row.manager_id},{row.requester_id}")
        self._services.review.post_agenda(session, row)  # a review 1-on-1's agenda in its thread (issue 17)

    def _refresh_pair_message(self, session: Session, one_on_one_id: int) -> None:
        """Update the pair's message in place after a change (each update its own outbox row, in order)."""
        revision = session.execute(
            update(OneOnOne).where(OneOnOne.id == one_on_one_id).values(revision=OneOnOne.revision + 1)
            .returning(OneOnOne.revision).execution_options(synchronize_session=False)).scalar_one()
        row = session.scalar(select(OneOnOne).where(OneOnOne.id == one_on_one_id)
                             .execution_options(populate_existing=True))
        if row is None or not self._queued(session, row.team_id, pair_key(row.id)):
            return
        view = self._shared_view(session, row)
        self._ctx.outbox.add(session, team_id=row.team_id, key=f"{pair_key(row.id)}:r{revision}",
                             channel=row.manager_id, text=pair_text(view), blocks=pair_message(view),
                             update_of=pair_key(row.id))

    def _carry_tasks(self, session: Session, row: OneOnOne, *, into: int | None = None) -> int:
        """Carry open tasks of the pair: into `row` from their done 1-on-1s (into=None), or from `row` into
        `into` (when `row` is marked done and a next one exists). Each carry counts."""
        if into is None:
            sources = select(OneOnOne.id).where(OneOnOne.team_id == row.team_id, OneOnOne.id != row.id,
                                                OneOnOne.state == "done",
                                                pair_filter(row.requester_id, row.manager_id))
            target = row.id
        else:
            sources = select(OneOnOne.id).where(OneOnOne.id == row.id)
            target = into
        result = session.execute(
            update(Task).where(Task.team_id == row.team_id, Task.done.is_(False), Task.one_on_one_id.in_(sources))
            .values(one_on_one_id=target, carried_count=Task.carried_count + 1)
            .execution_options(synchronize_session=False))
        return result.rowcount or 0

    def _first_talking_point(self, session: Session, row: OneOnOne) -> None:
        """When a 1-on-1 gets agreed: the pair's open tasks and undiscussed talking points from their done
        1-on-1s move into it, and the request's topic becomes its first talking point."""
        self._carry_tasks(session, row)
        self._carry_points(session, row)
        if (row.topic or "").strip():
            session.add(TalkingPoint(team_id=row.team_id, one_on_one_id=row.id,
                                     author_id=row.scheduled_by or row.requester_id, text=row.topic.strip(),
                                     discussed=False, carried_count=0, created_at=self._now()))
            session.flush()

    def _carry_points(self, session: Session, row: OneOnOne, *, into: int | None = None) -> int:
        """Carry undiscussed talking points of the pair, like `_carry_tasks`."""
        if into is None:
            sources = select(OneOnOne.id).where(OneOnOne.team_id == row.team_id, OneOnOne.id != row.id,
                                                OneOnOne.state == "done",
                                                pair_filter(row.requester_id, row.manager_id))
            target = row.id
        else:
            sources = select(OneOnOne.id).where(OneOnOne.id == row.id)
            target = into
        result = session.execute(
            update(TalkingPoint).where(TalkingPoint.team_id == row.team_id, TalkingPoint.discussed.is_(False),
                                       TalkingPoint.one_on_one_id.in_(sources))
            .values(one_on_one_id=target, carried_count=TalkingPoint.carried_count + 1)
            .execution_options(synchronize_session=False))
        return result.rowcount or 0

    def _next_of_series(self, session: Session, row: OneOnOne) -> int | None:  # see OneOnOneMeetings
        return None

    def _after_new_time(self, session: Session, row: OneOnOne, *, cancelled: bool = False) -> None:  # ditto
        return None

    def _now(self) -> datetime:
        return self._ctx.clock()
