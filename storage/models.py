"""The core of okrbot's domain as SQLAlchemy 2 typed models: workspaces, people, the reporting tree, OKRs.

The features' tables are in storage/models_<feature>.py (one_on_ones, feedback, kudos, nudges, delivery, llm,
privacy, review); importing this module registers them all.

Every row belongs to exactly one Slack workspace (`team_id`); people are referred to by their Slack
user id within that team. Unique constraints on natural keys make retries and double clicks harmless.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, SlackTs, TeamId, UserId, UTCDateTime


class Workspace(Base):
    """A Slack team that installed okrbot."""

    __tablename__ = "workspaces"
    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    bot_user_id: Mapped[str | None] = mapped_column(UserId)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Person(Base):
    """A Slack user as okrbot knows them: name, timezone (cached from users.info), manager."""

    __tablename__ = "people"
    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_override: Mapped[str | None] = mapped_column(String(64))  # set by `okrbot import people`; beats Slack's
    manager_id: Mapped[str | None] = mapped_column(UserId)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    away_until: Mapped[date | None] = mapped_column(Date)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_people_manager", "team_id", "manager_id"),)


class ReportingLine(Base):
    """One (manager, someone in their reporting tree) pair with the levels between them (closure table).

    Kept by storage.reporting on every flush that changes a person's manager or activity; see there."""

    __tablename__ = "reporting_lines"
    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    ancestor_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    descendant_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    depth: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_reporting_lines_descendant", "team_id", "descendant_id"),)


class Objective(Base):
    """An objective of one owner in one quarter, with its Slack thread (the OKR conversation)."""

    __tablename__ = "objectives"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    owner_id: Mapped[str] = mapped_column(UserId)
    quarter: Mapped[str] = mapped_column(String(7))  # "2026-Q4"
    title: Mapped[str] = mapped_column(String(500))
    tag: Mapped[str | None] = mapped_column(String(64))  # short tag for "/kudos @x #hiring"
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(SlackTs)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    key_results: Mapped[list[KeyResult]] = relationship(
        back_populates="objective", order_by="KeyResult.position", cascade="all, delete-orphan"
    )
    __table_args__ = (
        UniqueConstraint("team_id", "owner_id", "quarter", "title", name="uq_objective_natural"),
        Index("ix_objectives_thread", "team_id", "channel_id", "message_ts"),
        Index("ix_objectives_owner", "team_id", "owner_id", "quarter"),
    )


class KeyResult(Base):
    """A measurable key result; `status` is explicit when set, else derived from progress vs. time."""

    __tablename__ = "key_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, default=0)
    start_value: Mapped[float] = mapped_column(Float, default=0.0)
    target_value: Mapped[float] = mapped_column(Float, default=100.0)
    current_value: Mapped[float] = mapped_column(Float, default=0.0)
    unit: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str | None] = mapped_column(String(16))  # ahead | on_track | off_track
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The latest check-in with an obstacle (None: none yet). Kept by triggers on check_ins (migration
    # obstacle_at), never written from Python; a KeyResult loaded before a check-in shows the old value.
    obstacle_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    objective: Mapped[Objective] = relationship(back_populates="key_results")
    __table_args__ = (
        UniqueConstraint("objective_id", "title", name="uq_key_result_natural"),
        # The leader view's status counts read only this index (migration scale_home).
        Index("ix_key_results_status", "objective_id", "status", "start_value", "target_value", "current_value",
              "updated_at"),
    )


class CheckIn(Base):
    """One update of a key result: value, status, obstacles, next steps."""

    __tablename__ = "check_ins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    key_result_id: Mapped[int] = mapped_column(ForeignKey("key_results.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(UserId)
    value: Mapped[float] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(String(16))
    obstacles: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        Index("ix_check_ins_kr_time", "key_result_id", "created_at"),
        # The latest obstacle of each off-track key result (leader view; migration scale_home).
        Index("ix_check_ins_obstacle", "key_result_id", "created_at", sqlite_where=text("obstacles != ''"),
              postgresql_where=text("obstacles != ''")),
    )


class OkrComment(Base):
    """A reply or a reaction in an objective's Slack thread (the OKR conversation)."""

    __tablename__ = "okr_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # reply | reaction
    user_id: Mapped[str] = mapped_column(UserId)
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(SlackTs)
    reaction: Mapped[str] = mapped_column(String(100), default="")  # "" for replies
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint(
            "team_id", "channel_id", "message_ts", "kind", "user_id", "reaction", name="uq_okr_comment_natural"
        ),
        Index("ix_okr_comments_objective", "objective_id", "created_at"),
    )


# Importing this module registers every table on Base.metadata: each feature's tables live in their own module.
import storage.models_delivery  # noqa: E402,F401  (outbox, inbox, rate-limit holds)
import storage.models_feedback  # noqa: E402,F401
import storage.models_kudos  # noqa: E402,F401
import storage.models_llm  # noqa: E402,F401
import storage.models_nudges  # noqa: E402,F401
import storage.models_one_on_ones  # noqa: E402,F401
import storage.models_privacy  # noqa: E402,F401  (the reading log, issue 16)
import storage.models_review  # noqa: E402,F401  (quarter review, issue 17)

# The closure table of the reporting tree is kept by a Session listener defined there.
import storage.reporting  # noqa: E402,F401  (registers the listener)
