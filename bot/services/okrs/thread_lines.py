"""What the Home shows of each objective's thread (the OKR conversation): how many replies and the latest one."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.views.home import ThreadLine
from storage.models import OkrComment


def thread_lines(session: Session, team_id: str, objective_ids: Iterable[int]) -> dict[int, ThreadLine]:
    """objective id → its thread's reply count and latest reply (two indexed queries, whatever the count)."""
    ids = list(objective_ids)
    if not ids:
        return {}
    live = (OkrComment.team_id == team_id, OkrComment.objective_id.in_(ids), OkrComment.kind == "reply",
            OkrComment.deleted_at.is_(None))
    counts = dict(session.execute(select(OkrComment.objective_id, func.count()).where(*live)
                                  .group_by(OkrComment.objective_id)).all())
    newest = select(OkrComment.objective_id, func.max(OkrComment.id).label("id")).where(*live) \
        .group_by(OkrComment.objective_id).subquery()
    latest = session.execute(select(OkrComment.objective_id, OkrComment.user_id, OkrComment.text)
                             .join(newest, newest.c.id == OkrComment.id)).all()
    return {oid: ThreadLine(counts.get(oid, 0), user, text) for oid, user, text in latest}
