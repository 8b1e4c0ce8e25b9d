"""Use-cases for kudos by command, reaction and shortcut (issue 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.context import ServiceContext

if TYPE_CHECKING:
    from bot.services import Services


class KudosService:
    """Kudos by command, reaction and shortcut (issue 5)."""

    def __init__(self, ctx: ServiceContext, services: Services) -> None:
        self._ctx = ctx
        self._services = services
