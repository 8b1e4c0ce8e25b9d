"""The conversation of a 1-on-1: replies in the thread of the pair's message, stored as they are written,
edited and deleted (called by bot.handlers.events for every thread message)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from storage.db import insert_ignore
from storage.models_one_on_ones import ConversationMessage, OneOnOne


class Conversation:
    """`record_reply`, `record_edit`, `record_delete`: each False when the message is not a 1-on-1's."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def record_reply(self, *, team_id: str, channel: str, thread_ts: str, ts: str, user_id: str, text: str) -> bool:
        """Store a reply in the thread of a 1-on-1 message as its conversation; False when it is not ours."""
        with self._sessions.begin() as session:
            one_on_one_id = session.scalar(select(OneOnOne.id).where(
                OneOnOne.team_id == team_id, OneOnOne.thread_channel == channel, OneOnOne.thread_ts == thread_ts))
            if one_on_one_id is None:
                return False
            try:
                at = datetime.fromtimestamp(float(ts), UTC)
            except (ValueError, OverflowError, OSError):
                at = self._clock()
            insert_ignore(session, ConversationMessage, {
                "team_id": team_id, "one_on_one_id": one_on_one_id, "user_id": user_id, "channel_id": channel,
                "message_ts": ts, "text": text, "created_at": at})
            return True

    def record_edit(self, *, team_id: str, channel: str, ts: str, text: str) -> bool:
        """Reflect an edit of a stored reply; False when it is not ours."""
        with self._sessions.begin() as session:
            result = session.execute(update(ConversationMessage).where(
                ConversationMessage.team_id == team_id, ConversationMessage.channel_id == channel,
                ConversationMessage.message_ts == ts, ConversationMessage.deleted_at.is_(None))
                .values(text=text, edited_at=self._clock()).execution_options(synchronize_session=False))
            return bool(result.rowcount)

    def record_delete(self, *, team_id: str, channel: str, ts: str) -> bool:
        """Reflect the deletion of a stored reply (its text is dropped too); False when it is not ours."""
        with self._sessions.begin() as session:
            result = session.execute(update(ConversationMessage).where(
                ConversationMessage.team_id == team_id, ConversationMessage.channel_id == channel,
                ConversationMessage.message_ts == ts, ConversationMessage.deleted_at.is_(None))
                .values(text="", deleted_at=self._clock()).execution_options(synchronize_session=False))
            return bool(result.rowcount)
