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

    def record_reaction(self, *, team_id: str, user_id: str, item_user: str | None, channel: str, ts: str,
                        reaction: str, added: bool) -> bool:
        """React to a reaction added or removed (issue 5); False when it is not ours."""
        return False
