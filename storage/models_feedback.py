"""Feedback: requests for it and the feedback given (its text encrypted at rest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import EncryptedText
from storage.db import Base, TeamId, UserId, UTCDateTime


class FeedbackRequest(Base):
    """Someone asking a colleague for feedback; reminded once when unanswered for 7 days."""

    __tablename__ = "feedback_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    requester_id: Mapped[str] = mapped_column(UserId)  # wants feedback
    giver_id: Mapped[str] = mapped_column(UserId)  # is asked to give it
    about: Mapped[str] = mapped_column(Text, default="")
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("objectives.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | answered | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_feedback_requests_giver", "team_id", "giver_id", "state"),)


class Feedback(Base):
    """Personal feedback: readable by its recipient, and by the recipient's manager if the giver chose so."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    giver_id: Mapped[str] = mapped_column(UserId)
    receiver_id: Mapped[str] = mapped_column(UserId)
    text: Mapped[str] = mapped_column(EncryptedText("feedback.text"))  # encrypted at rest (storage/crypto.py)
    visibility: Mapped[str] = mapped_column(String(16), default="private")  # private | private+manager
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("objectives.id", ondelete="SET NULL"))
    one_on_one_id: Mapped[int | None] = mapped_column(ForeignKey("one_on_ones.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_requests.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_feedback_receiver", "team_id", "receiver_id"),)
