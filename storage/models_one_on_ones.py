"""The 1-on-1s (issues 2 and 14): a pair's meetings and series, their talking points, notes, tasks and thread,
and the objectives each 1-on-1 is about."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.crypto import EncryptedText
from storage.db import Base, SlackTs, TeamId, UserId, UTCDateTime
from storage.models import Objective

objective_links = Table(
    "one_on_one_objectives",
    Base.metadata,
    Column("one_on_one_id", ForeignKey("one_on_ones.id", ondelete="CASCADE"), primary_key=True),
    Column("objective_id", ForeignKey("objectives.id", ondelete="CASCADE"), primary_key=True),
)


class OneOnOne(Base):
    """A 1-on-1 between a requester (report) and a manager, from request to done."""

    __tablename__ = "one_on_ones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    requester_id: Mapped[str] = mapped_column(UserId)
    manager_id: Mapped[str] = mapped_column(UserId)
    topic: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(16), default="this_month")  # this_week | this_month
    state: Mapped[str] = mapped_column(String(16), default="requested")
    # requested | accepted | declined | rescheduled | done | cancelled
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_note: Mapped[str] = mapped_column(Text, default="")  # decline reason or reschedule note
    requester_summary: Mapped[str] = mapped_column(EncryptedText("one_on_ones.requester_summary"), default="")
    manager_summary: Mapped[str] = mapped_column(EncryptedText("one_on_ones.manager_summary"), default="")
    request_channel: Mapped[str | None] = mapped_column(String(32))  # the manager's DM with the buttons
    request_ts: Mapped[str | None] = mapped_column(SlackTs)
    thread_channel: Mapped[str | None] = mapped_column(String(32))  # the 1-on-1 message (conversation)
    thread_ts: Mapped[str | None] = mapped_column(SlackTs)
    revision: Mapped[int] = mapped_column(Integer, default=0)  # bumped on each change of the 1-on-1 message
    # Meetings (issue 14): the calendar SEQUENCE (raised on every new time), who set the time last,
    # the series it belongs to, and when the meeting reminder and the follow-up went out.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    scheduled_by: Mapped[str | None] = mapped_column(UserId)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("one_on_one_series.id", ondelete="SET NULL"))
    meeting_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    objectives: Mapped[list[Objective]] = relationship(secondary=objective_links)
    __table_args__ = (
        Index("ix_one_on_ones_pair", "team_id", "manager_id", "requester_id", "state"),
        # The last 1-on-1 of each person in a leader's tree, read from the index alone (migration scale_home).
        Index("ix_one_on_ones_held", "team_id", "requester_id", "manager_id", "state", "done_at", "agreed_at"),
        Index("ix_one_on_ones_thread", "team_id", "thread_channel", "thread_ts"),
    )


class OneOnOneSeries(Base):
    """A recurring 1-on-1 of one pair: weekly, every two weeks or monthly (issue 14)."""

    __tablename__ = "one_on_one_series"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    requester_id: Mapped[str] = mapped_column(UserId)
    manager_id: Mapped[str] = mapped_column(UserId)
    frequency: Mapped[str] = mapped_column(String(16))  # weekly | biweekly | monthly
    created_by: Mapped[str] = mapped_column(UserId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_one_on_one_series_pair", "team_id", "manager_id", "requester_id"),)


class TalkingPoint(Base):
    """Something one of the pair wants to talk about in a 1-on-1: both read it, only its author edits it."""

    __tablename__ = "talking_points"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    one_on_one_id: Mapped[int] = mapped_column(ForeignKey("one_on_ones.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(UserId)
    text: Mapped[str] = mapped_column(Text)
    discussed: Mapped[bool] = mapped_column(Boolean, default=False)
    carried_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_talking_points_one_on_one", "one_on_one_id"),)


class Note(Base):
    """A note on a 1-on-1: shared with both participants, or private to its author alone."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    one_on_one_id: Mapped[int] = mapped_column(ForeignKey("one_on_ones.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(UserId)
    text: Mapped[str] = mapped_column(EncryptedText("notes.text"))  # encrypted at rest (storage/crypto.py)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_notes_one_on_one", "one_on_one_id"),)


class Task(Base):
    """An action item from a 1-on-1; open tasks carry over to the pair's next 1-on-1."""

    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    one_on_one_id: Mapped[int] = mapped_column(ForeignKey("one_on_ones.id", ondelete="CASCADE"))
    assignee_id: Mapped[str] = mapped_column(UserId)
    author_id: Mapped[str] = mapped_column(UserId)
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    carried_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_tasks_one_on_one", "one_on_one_id", "done"),)


class ConversationMessage(Base):
    """A reply in the Slack thread of a 1-on-1 (the 1-on-1's Conversation)."""

    __tablename__ = "conversation_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    one_on_one_id: Mapped[int] = mapped_column(ForeignKey("one_on_ones.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(UserId)
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(SlackTs)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "message_ts", name="uq_conversation_message_natural"),
    )
