"""The welcome DM: once per person, ever (its outbox key is the person's; outbox rows are never pruned)."""

from __future__ import annotations

from bot.blocks.welcome import WELCOME_TEXT, welcome_dm
from bot.services.core.context import ServiceContext


def welcome_once(ctx: ServiceContext, team_id: str, user_id: str) -> bool:
    """Queue the welcome DM for `user_id` unless it was queued before; True when queued now."""
    if not team_id or not user_id:
        return False
    with ctx.sessions.begin() as session:
        return ctx.outbox.add(session, team_id=team_id, key=f"welcome:{user_id}", channel=user_id,
                              text=WELCOME_TEXT, blocks=welcome_dm())
