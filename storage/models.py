"""The whole okrbot domain as SQLAlchemy 2 typed models.

Every row belongs to exactly one Slack workspace (`team_id`); people are referred to by their Slack
user id within that team. Unique constraints on natural keys make retries and double clicks harmless.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.crypto import EncryptedText
from storage.db import Base, UTCDateTime

TeamId = String(32)
UserId = String(32)
SlackTs = String(32)


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


objective_links = Table(
    "one_on_one_objectives",
    Base.metadata,
    Column("one_on_one_id", ForeignKey("one_on_ones.id", ondelete="CASCADE"), primary_key=True),
    Column("objective_id", ForeignKey("objectives.id", ondelete="CASCADE"), primary_key=True),
)


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


class OutboundMessage(Base):
    """One notification to deliver to Slack (the outbox); `dedupe_key` makes writing it twice harmless."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    dedupe_key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(64), default="chat.postMessage")
    channel_key: Mapped[str] = mapped_column(String(32))  # a channel id, or a user id to DM
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    on_sent: Mapped[str | None] = mapped_column(String(64))  # name of a registered result hook
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("team_id", "dedupe_key", name="uq_outbox_dedupe"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )


class InboxEvent(Base):
    """One acknowledged Slack event, stored before the ack and worked on afterwards (bot/inbox.py).

    `event_key` (Slack's event_id) is unique, so a retry or a concurrent duplicate delivery is the same row.
    A row is `pending` (leased by `owner` until `locked_until` while a worker runs it), then `done` (its
    payload dropped, kept a day for de-duplication) or `failed` after too many attempts (kept for the CLI).
    Rows with the same `order_key` (one Slack message) are worked on in id order.
    """

    __tablename__ = "inbox_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(128))
    team_id: Mapped[str] = mapped_column(TeamId)
    kind: Mapped[str] = mapped_column(String(64))  # the event type, e.g. reaction_added
    order_key: Mapped[str | None] = mapped_column(String(160))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    owner: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("event_key", name="uq_inbox_event_key"),
        Index("ix_inbox_status", "status", "id"),
        Index("ix_inbox_order", "order_key", "id"),
    )


class RateHold(Base):
    """Slack answered 429 for this workspace: no sender in any process calls it before `until`."""

    __tablename__ = "rate_holds"
    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime())


from storage.models_privacy import ReadingLogEntry  # noqa: E402, F401  (the reading log, issue 16)
from storage.models_review import ObjectiveReview, QuarterReview  # noqa: E402, F401  (quarter review, issue 17)


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


# The closure table of the reporting tree is kept by a Session listener defined there.
import storage.reporting  # noqa: E402,F401  (registers the listener)
