"""The operator's feedback export (`okrbot export feedback`): every feedback of every workspace, with names.

Texts are left out unless asked for explicitly; the service then writes each text read into its recipient's
reading log under the operator's name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from storage.models import Objective, Person
from storage.models_feedback import Feedback


def export_rows(session: Session, since: date | None, include_private_text: bool) -> list[dict[str, Any]]:
    """One row per feedback created since `since` (all when None), oldest first; `text` only when asked."""
    giver, receiver = aliased(Person), aliased(Person)
    stmt = (select(Feedback, Objective.title, giver.name, receiver.name)
            .outerjoin(Objective, Objective.id == Feedback.objective_id)
            .outerjoin(giver, (giver.team_id == Feedback.team_id) & (giver.user_id == Feedback.giver_id))
            .outerjoin(receiver, (receiver.team_id == Feedback.team_id)
                       & (receiver.user_id == Feedback.receiver_id))
            .order_by(Feedback.created_at, Feedback.id))
    if since is not None:
        stmt = stmt.where(Feedback.created_at >= datetime.combine(since, time(0), tzinfo=UTC))
    rows = []
    for item, title, giver_name, receiver_name in session.execute(stmt).all():
        row = {"team_id": item.team_id, "id": item.id, "created_at": item.created_at,
               "giver_id": item.giver_id, "giver_name": giver_name or "", "receiver_id": item.receiver_id,
               "receiver_name": receiver_name or "", "visibility": item.visibility,
               "objective_id": item.objective_id, "objective": title or "",
               "one_on_one_id": item.one_on_one_id, "request_id": item.request_id}
        if include_private_text:
            row["text"] = item.text
        rows.append(row)
    return rows
