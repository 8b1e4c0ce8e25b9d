"""The plumbing between okrbot and Slack: the outbox (notifications to deliver), the inbox (events acknowledged,
worked on afterwards) and the rate-limit holds Slack asked for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, TeamId, UTCDateTime


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
