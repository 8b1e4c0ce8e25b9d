"""The quarter review (issue 17): one review per person and quarter, one part per objective.

The report's words and the manager's comment are personal: encrypted at rest like notes and feedback
(storage/crypto.py). Grades, outcomes and the obstacles picked (check-in ids) are not secret: the leader's
look back counts them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import EncryptedText
from storage.db import Base, UTCDateTime


class QuarterReview(Base):
    """A person's look back at one quarter: a draft until submitted, editable until its review 1-on-1 is done."""

    __tablename__ = "quarter_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str] = mapped_column(String(32))
    quarter: Mapped[str] = mapped_column(String(7))  # "2026-Q4"
    manager_id: Mapped[str | None] = mapped_column(String(32))  # who grades it (set when the 1-on-1 is asked)
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft | submitted
    prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the "Review your quarter" DM, once
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    one_on_one_id: Mapped[int | None] = mapped_column(ForeignKey("one_on_ones.id", ondelete="SET NULL"))
    revision: Mapped[int] = mapped_column(Integer, default=0)  # bumped on each change of the agenda message
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("team_id", "owner_id", "quarter", name="uq_quarter_review_natural"),
        Index("ix_quarter_reviews_quarter", "team_id", "quarter", "state"),
        Index("ix_quarter_reviews_one_on_one", "one_on_one_id"),
    )


class ObjectiveReview(Base):
    """The review of one objective: the report's grade and words, the manager's grade and comment."""

    __tablename__ = "objective_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    review_id: Mapped[int] = mapped_column(ForeignKey("quarter_reviews.id", ondelete="CASCADE"))
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"))
    grade: Mapped[float | None] = mapped_column(Float)  # 0.0–1.0
    outcome: Mapped[str | None] = mapped_column(String(16))  # met | partly | not_met
    helped: Mapped[str] = mapped_column(EncryptedText("objective_reviews.helped"), default="")
    in_the_way: Mapped[str] = mapped_column(EncryptedText("objective_reviews.in_the_way"), default="")
    carry: Mapped[str] = mapped_column(EncryptedText("objective_reviews.carry"), default="")
    obstacles: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ids of the check-ins whose obstacle was picked
    manager_grade: Mapped[float | None] = mapped_column(Float)
    manager_comment: Mapped[str] = mapped_column(EncryptedText("objective_reviews.manager_comment"), default="")
    carried_to_id: Mapped[int | None] = mapped_column(ForeignKey("objectives.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("review_id", "objective_id", name="uq_objective_review_natural"),
        Index("ix_objective_reviews_objective", "objective_id"),
    )
