"""The optional language model: every prompt sent, kept for the person who asked (docs/llm.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, TeamId, UserId, UTCDateTime


class LlmExchange(Base):
    """One prompt sent to the optional language model, kept so its person can see exactly what was sent.

    Only `user_id` (who asked) may read it; it holds only what they could read themselves (docs/llm.md).
    """

    __tablename__ = "llm_exchanges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(UserId)
    task: Mapped[str] = mapped_column(String(32))  # next_steps | summary | prepare
    subject: Mapped[str] = mapped_column(String(64))  # "kr:12", "1on1:7", "prepare"
    prompt: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16), default="pending")  # pending | ok | timeout | rate_limited…
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_llm_exchanges_user", "team_id", "user_id", "created_at"),)
