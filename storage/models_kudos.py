"""Kudos: recognition from one person to another, and the public post of a reacted message."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, SlackTs, TeamId, UserId, UTCDateTime


class Kudos(Base):
    """Recognition from one person to another; unique on its natural key so retries never double-count."""

    __tablename__ = "kudos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    giver_id: Mapped[str] = mapped_column(UserId)
    receiver_id: Mapped[str] = mapped_column(UserId)
    message: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))  # command | reaction | shortcut
    channel_id: Mapped[str] = mapped_column(String(32), default="")
    message_ts: Mapped[str] = mapped_column(String(64), default="")  # reacted message, or the command's id
    reaction: Mapped[str] = mapped_column(String(100), default="")
    permalink: Mapped[str | None] = mapped_column(String(500))
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("objectives.id", ondelete="SET NULL"))
    giver_local_day: Mapped[date] = mapped_column(Date)  # the giver's local date, for the daily limit
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint(
            "team_id", "giver_id", "receiver_id", "channel_id", "message_ts", "reaction", name="uq_kudos_natural"
        ),
        Index("ix_kudos_receiver_time", "team_id", "receiver_id", "created_at"),
        Index("ix_kudos_giver_day", "team_id", "giver_id", "giver_local_day"),
        Index("ix_kudos_team_time", "team_id", "created_at"),  # leaderboards of a month or quarter
    )


class KudosPost(Base):
    """The public post in the kudos channel for one reacted message (updated as more people react)."""

    __tablename__ = "kudos_posts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    source_channel: Mapped[str] = mapped_column(String(32))
    source_ts: Mapped[str] = mapped_column(String(64))
    post_channel: Mapped[str] = mapped_column(String(32))
    post_ts: Mapped[str | None] = mapped_column(SlackTs)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("team_id", "source_channel", "source_ts", name="uq_kudos_post_source"),)
