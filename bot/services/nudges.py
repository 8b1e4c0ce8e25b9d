"""Use-cases for the mid-month nudges and agendas (issue 6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.context import ServiceContext

if TYPE_CHECKING:
    from bot.services import Services


class NudgeService:
    """The mid-month nudges and agendas (issue 6)."""

    def __init__(self, ctx: ServiceContext, services: Services) -> None:
        self._ctx = ctx
        self._services = services
