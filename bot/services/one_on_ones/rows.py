"""What every part of the 1-on-1 feature shares: loading a 1-on-1 (with the participant check), the one
state transition, the outbox keys of its messages, and `Views`, which turns a row into its view-model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.core.parsing import parse_id
from bot.services.one_on_ones.queries import one_on_one_view
from bot.services.people.service import valid_tz
from bot.views.one_on_ones import OneOnOneView
from storage.models import Objective, Person
from storage.models_delivery import OutboundMessage
from storage.models_one_on_ones import Note, OneOnOne
from storage.privacy import shared_notes

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


def load_row(session: Session, team_id: str, one_on_one_id: int) -> OneOnOne:
    """The 1-on-1, fresh from the database (after a conditional UPDATE), or NotFound."""
    row = session.scalar(select(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == one_on_one_id)
                         .execution_options(populate_existing=True))
    if row is None:
        raise NotFound("That 1-on-1 does not exist (any more).")
    return row


def participant_row(session: Session, team_id: str, one_on_one_id: int, actor: str,
                    states: tuple[str, ...] = LIVE_FOR_NOTES) -> OneOnOne:
    """The 1-on-1 if `actor` takes part in it and it is in one of `states`, else a clear error."""
    row = load_row(session, team_id, one_on_one_id)
    if actor not in (row.requester_id, row.manager_id):
        raise UserFacingError("This 1-on-1 is not yours: only its two participants can change it.")
    if row.state not in states:
        raise UserFacingError(ALREADY.get(row.state, f"This 1-on-1 is {row.state}."))
    return row


def transition(session: Session, team_id: str, one_on_one_id: int, *, actor_is: Any, from_states: tuple[str, ...],
               **values: Any) -> bool:
    """Move the 1-on-1 to a new state in one conditional UPDATE; False when it was not in `from_states`
    or `actor_is` did not hold. The UPDATE comes first in the transaction, so two concurrent clicks
    serialise on the row (PostgreSQL) or on the write lock (SQLite) and exactly one of them wins."""
    stmt = (update(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == one_on_one_id, actor_is,
                                   OneOnOne.state.in_(from_states))
            .values(**values).execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount == 1


def either(actor: str) -> Any:
    """The clause "`actor` is one of the pair"."""
    return or_(OneOnOne.requester_id == actor, OneOnOne.manager_id == actor)


def refuse_unchanged(row: OneOnOne, actor: str, *, answerer: str, wanted: str) -> None:
    """Why a transition did not happen: not yours, or already in another state (no-op when already `wanted`)."""
    if actor != answerer:
        who = "request" if answerer == row.manager_id else "proposal"
        raise UserFacingError(f"This {who} is not yours: only <@{answerer}> can answer it.")
    if row.state != wanted:
        raise UserFacingError(ALREADY.get(row.state, f"This 1-on-1 is {row.state}."))


def queued(session: Session, team_id: str, key: str) -> bool:
    """Whether the outbox has a row with this dedupe key (sent or not)."""
    return bool(session.scalar(select(exists().where(OutboundMessage.team_id == team_id,
                                                     OutboundMessage.dedupe_key == key))))


def own_objectives(session: Session, team_id: str, owner: str, ids: Iterable[int | str]) -> list[Objective]:
    """The objectives among `ids` that `owner` owns (ids from a form: anything else is dropped)."""
    wanted = [i for i in map(parse_id, ids) if i is not None]
    if not wanted:
        return []
    return list(session.scalars(select(Objective).where(
        Objective.team_id == team_id, Objective.owner_id == owner, Objective.id.in_(wanted))))


class Views:
    """A 1-on-1's view-model as of now, and a person's timezone (both need the clock or the default zone)."""

    def __init__(self, clock: Clock, default_tz: str) -> None:
        self._clock = clock
        self._default_tz = default_tz

    def of(self, session: Session, row: OneOnOne, *, notes: Any = (), details: bool = True) -> OneOnOneView:
        """The view of `row` with `notes` (none unless given) and, with `details`, objectives and history."""
        return one_on_one_view(session, row, self._clock(), default_tz=self._default_tz, notes=notes,
                               with_details=details)

    def shared(self, session: Session, row: OneOnOne) -> OneOnOneView:
        """The view both participants may see: shared notes only."""
        notes = session.scalars(shared_notes(row.team_id).where(Note.one_on_one_id == row.id)).all()
        return self.of(session, row, notes=notes)

    def zone(self, session: Session, team_id: str, user_id: str) -> ZoneInfo:
        """The person's timezone (the workspace default when unknown)."""
        person = session.get(Person, (team_id, user_id))
        return ZoneInfo(valid_tz(person.tz if person else None, self._default_tz))
