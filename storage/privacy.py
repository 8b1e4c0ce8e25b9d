"""The privacy rules as queries, in one place, so every feature reads notes and feedback the same way.

- A private note is readable by its author only: not the other participant, not admins, not exports.
- Feedback is readable by its recipient, and by the recipient's manager only when the giver chose
  `private+manager`. Nobody else, admins included.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, and_, or_, select

from storage.models import Person
from storage.models_feedback import Feedback
from storage.models_one_on_ones import Note, OneOnOne


def notes_visible_to(team_id: str, viewer_id: str, one_on_one_ids: Iterable[int]) -> Select[tuple[Note]]:
    """Notes of these 1-on-1s the viewer may read: shared notes of 1-on-1s they take part in, and their own."""
    ids = list(one_on_one_ids)
    participant = (select(OneOnOne.id).where(OneOnOne.team_id == team_id, OneOnOne.id.in_(ids),
                                             or_(OneOnOne.requester_id == viewer_id,
                                                 OneOnOne.manager_id == viewer_id)))
    return (select(Note).where(Note.team_id == team_id, Note.one_on_one_id.in_(participant),
                               or_(Note.private.is_(False), Note.author_id == viewer_id))
            .order_by(Note.one_on_one_id, Note.created_at, Note.id))


def shared_notes(team_id: str | None = None) -> Select[tuple[Note]]:
    """Notes anyone entitled to the 1-on-1 may see (what exports contain): never a private note."""
    stmt = select(Note).where(Note.private.is_(False))
    if team_id:
        stmt = stmt.where(Note.team_id == team_id)
    return stmt.order_by(Note.one_on_one_id, Note.created_at, Note.id)


def feedback_visible_to(team_id: str, viewer_id: str) -> Select[tuple[Feedback]]:
    """Feedback the viewer may read: received by them, or about their direct reports shared with managers."""
    manager_of_receiver = select(Person.manager_id).where(Person.team_id == team_id,
                                                          Person.user_id == Feedback.receiver_id).scalar_subquery()
    return (select(Feedback).where(Feedback.team_id == team_id, or_(
        Feedback.receiver_id == viewer_id,
        and_(Feedback.visibility == "private+manager", manager_of_receiver == viewer_id),
    )).order_by(Feedback.created_at.desc(), Feedback.id.desc()))
