"""Use-cases for objectives, key results, check-ins and OKR threads (issue 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.context import ServiceContext

if TYPE_CHECKING:
    from bot.services import Services


class OkrService:
    """Objectives, key results, check-ins and OKR threads (issue 4)."""

    def __init__(self, ctx: ServiceContext, services: Services) -> None:
        self._ctx = ctx
        self._services = services

    # --- conversation capture, called by bot.handlers.events for every thread message (issue 4) ---
    def record_reply(self, *, team_id: str, channel: str, thread_ts: str, ts: str, user_id: str, text: str) -> bool:
        """Store a reply if `thread_ts` is one of ours; False when it is not."""
        return False

    def record_edit(self, *, team_id: str, channel: str, ts: str, text: str) -> bool:
        """Reflect an edit of a stored reply; False when it is not ours."""
        return False

    def record_delete(self, *, team_id: str, channel: str, ts: str) -> bool:
        """Reflect the deletion of a stored reply; False when it is not ours."""
        return False

    def record_reaction(self, *, team_id: str, user_id: str, item_user: str | None, channel: str, ts: str,
                        reaction: str, added: bool) -> bool:
        """React to a reaction added or removed (issue 4); False when it is not ours."""
        return False
