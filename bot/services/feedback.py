"""Use-cases for feedback requests and private feedback (issue 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.context import ServiceContext

if TYPE_CHECKING:
    from bot.services import Services


class FeedbackService:
    """Feedback requests and private feedback (issue 5)."""

    def __init__(self, ctx: ServiceContext, services: Services) -> None:
        self._ctx = ctx
        self._services = services
