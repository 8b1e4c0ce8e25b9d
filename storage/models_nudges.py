"""The mid-month nudge of a manager/report pair."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, TeamId, UserId, UTCDateTime


class Nudge(Base):
    """The mid-month nudge of one manager/report pair in one period: sent or skipped, once."""

    __tablename__ = "nudges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    manager_id: Mapped[str] = mapped_column(UserId)
    report_id: Mapped[str] = mapped_column(UserId)
    period: Mapped[str] = mapped_column(String(7))  # "2026-12"
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent | skipped | snoozed | missed
    reason: Mapped[str] = mapped_column(String(255), default="")
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Each recipient's DM, at their own local nudge time: pending | queued | missed | none
    manager_dm: Mapped[str] = mapped_column(String(16), default="pending")
    manager_dm_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    report_dm: Mapped[str] = mapped_column(String(16), default="pending")
    report_dm_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("team_id", "manager_id", "report_id", "period", name="uq_nudge_pair_period"),
        Index("ix_nudges_period", "period", "team_id"),
        Index("ix_nudges_snoozed", "status", "snoozed_until"),
    )
