"""The OKR conversation: replies in an objective's Slack thread and reactions on it, stored as OkrComment.

A message belongs to an objective when its team, channel and thread ts are the objective's message;
anything else (another thread, a channel message) is not ours and is ignored. Rows are written with
INSERT … ON CONFLICT DO NOTHING on (team, channel, ts, kind, user, reaction), so a retried event is
harmless. The bot's own messages never count (Bolt and the dispatcher drop them; we check again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services.core.context import ServiceContext
from storage.db import insert_ignore
from storage.models import Objective, OkrComment, Person, Workspace


@dataclass(frozen=True)
class CommentView:
    """One entry of an objective's conversation."""

    kind: str
    user_id: str
    text: str
    reaction: str
    created_at: datetime
    edited_at: datetime | None


def ts_time(ts: str, fallback: datetime) -> datetime:
    """The moment a Slack ts (`1700000000.000100`) stands for; `fallback` when it is not one."""
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return fallback


class OkrConversation:
    """Captures the conversation of OKR threads (used by OkrService)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    @staticmethod
    def _objective_of_thread(session: Session, team_id: str, channel: str, thread_ts: str) -> int | None:
        return session.scalar(select(Objective.id).where(Objective.team_id == team_id, Objective.channel_id == channel,
                                                         Objective.message_ts == thread_ts))

    @staticmethod
    def _is_bot(session: Session, team_id: str, user_id: str) -> bool:
        if not user_id:
            return True
        bot_user = session.scalar(select(Workspace.bot_user_id).where(Workspace.team_id == team_id))
        if bot_user == user_id:
            return True
        return bool(session.scalar(select(Person.is_bot).where(Person.team_id == team_id, Person.user_id == user_id)))

    def channels(self, team_id: str) -> set[str]:
        """Channels in which the team has an objective's message (its thread holds the replies)."""
        with self._ctx.sessions() as session:
            return set(session.scalars(select(Objective.channel_id).where(
                Objective.team_id == team_id, Objective.channel_id.is_not(None)).distinct()))

    def record_reply(self, *, team_id: str, channel: str, thread_ts: str, ts: str, user_id: str, text: str) -> bool:
        """Store a reply in an objective's thread; False when the thread is not an objective's."""
        if not (team_id and channel and thread_ts and ts) or ts == thread_ts:
            return False
        with self._ctx.sessions.begin() as session:
            objective_id = self._objective_of_thread(session, team_id, channel, thread_ts)
            if objective_id is None or self._is_bot(session, team_id, user_id):
                return False
            insert_ignore(session, OkrComment, {
                "team_id": team_id, "objective_id": objective_id, "kind": "reply", "user_id": user_id,
                "channel_id": channel, "message_ts": ts, "reaction": "", "text": text,
                "created_at": ts_time(ts, self._ctx.clock())})
            return True

    def record_edit(self, *, team_id: str, channel: str, ts: str, text: str) -> bool:
        """Replace the text of a stored reply; False when no reply of ours has this ts."""
        with self._ctx.sessions.begin() as session:
            result = session.execute(update(OkrComment).where(
                OkrComment.team_id == team_id, OkrComment.channel_id == channel, OkrComment.message_ts == ts,
                OkrComment.kind == "reply", OkrComment.deleted_at.is_(None))
                .values(text=text, edited_at=self._ctx.clock()))
            return bool(result.rowcount)

    def record_delete(self, *, team_id: str, channel: str, ts: str) -> bool:
        """Mark a stored reply deleted (its text is forgotten); False when no reply of ours has this ts."""
        with self._ctx.sessions.begin() as session:
            result = session.execute(update(OkrComment).where(
                OkrComment.team_id == team_id, OkrComment.channel_id == channel, OkrComment.message_ts == ts,
                OkrComment.kind == "reply", OkrComment.deleted_at.is_(None))
                .values(text="", deleted_at=self._ctx.clock()))
            return bool(result.rowcount)

    def record_reaction(self, *, team_id: str, user_id: str, channel: str, ts: str, reaction: str,
                        added: bool) -> bool:
        """A reaction on an objective's message, or on a reply in its thread; False when it is on neither."""
        if not (team_id and channel and ts and reaction):
            return False
        now = self._ctx.clock()
        # Most reactions in a workspace are not on an OKR: one read, no write transaction, for those.
        with self._ctx.sessions() as session:
            objective_id = session.scalar(
                select(Objective.id).where(Objective.team_id == team_id, Objective.channel_id == channel,
                                           Objective.message_ts == ts)
                .union_all(select(OkrComment.objective_id).where(
                    OkrComment.team_id == team_id, OkrComment.channel_id == channel, OkrComment.message_ts == ts,
                    OkrComment.kind == "reply"))
                .limit(1))
        if objective_id is None:
            return False
        with self._ctx.sessions.begin() as session:
            if self._is_bot(session, team_id, user_id):
                return False
            same = (OkrComment.team_id == team_id, OkrComment.channel_id == channel, OkrComment.message_ts == ts,
                    OkrComment.kind == "reaction", OkrComment.user_id == user_id, OkrComment.reaction == reaction)
            if added:
                inserted = insert_ignore(session, OkrComment, {
                    "team_id": team_id, "objective_id": objective_id, "kind": "reaction", "user_id": user_id,
                    "channel_id": channel, "message_ts": ts, "reaction": reaction, "text": "", "created_at": now})
                if not inserted:  # added again after being taken back
                    session.execute(update(OkrComment).where(*same, OkrComment.deleted_at.is_not(None))
                                    .values(deleted_at=None, created_at=now))
            else:
                session.execute(update(OkrComment).where(*same, OkrComment.deleted_at.is_(None))
                                .values(deleted_at=now))
            return True

    def of(self, *, team_id: str, objective_id: int) -> list[CommentView]:
        """The objective's live conversation, oldest first."""
        stmt = (select(OkrComment).where(OkrComment.team_id == team_id, OkrComment.objective_id == objective_id,
                                         OkrComment.deleted_at.is_(None))
                .order_by(OkrComment.created_at, OkrComment.id))
        with self._ctx.sessions() as session:
            return [CommentView(kind=c.kind, user_id=c.user_id, text=c.text, reaction=c.reaction,
                                created_at=c.created_at, edited_at=c.edited_at) for c in session.scalars(stmt)]
