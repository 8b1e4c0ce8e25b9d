"""Use-cases for 1-on-1 requests, answers, notes, tasks and conversation (issue 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.context import ServiceContext

if TYPE_CHECKING:
    from bot.services import Services


class OneOnOneService:
    """1-on-1 requests, answers, notes, tasks and conversation (issue 3)."""

    def __init__(self, ctx: ServiceContext, services: Services) -> None:
        self._ctx = ctx
        self._services = services
