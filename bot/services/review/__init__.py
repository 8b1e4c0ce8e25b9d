"""The quarter review (issue 17): prompt window, self-review drafts and submit, grading prefill, the review
agenda, the manager's grade, carry-over, the leader's look back and the export."""

from __future__ import annotations

from bot.services.review.records import agenda_key
from bot.services.review.service import ReviewService

__all__ = ["ReviewService", "agenda_key"]
