"""The reading log: who read which private text about whom, and when (shown to the person it is about)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime


class ReadingLogEntry(Base):
    """One read of a feedback, a shared note or a summary by someone other than its author.

    Slack readers have `reader_id`; an operator running an export has `reader_id` "" and `reader_name`. One row
    per reader, item, way and UTC day: a manager reopening their Home ten times a day is one entry.
    """

    __tablename__ = "reading_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(32))  # whom the text is about (who sees this entry)
    reader_id: Mapped[str] = mapped_column(String(32), default="")
    reader_name: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(16))  # feedback | note | summary
    item_id: Mapped[int] = mapped_column(Integer)  # no foreign key: the entry outlives an erased text
    author_id: Mapped[str] = mapped_column(String(32), default="")
    via: Mapped[str] = mapped_column(String(16))  # home | export | people-export
    read_on: Mapped[date] = mapped_column(Date)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("team_id", "reader_id", "reader_name", "kind", "item_id", "via", "read_on",
                         name="uq_reading_log_daily"),
        Index("ix_reading_log_subject", "team_id", "subject_id", "read_at"),
    )
