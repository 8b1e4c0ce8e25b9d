"""Install lifecycle: uninstall and revoked tokens stop deliveries to that workspace."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.services import Services


def handle_app_uninstalled(ack: Ack, body: dict[str, Any], services: Services) -> None:
    """app_uninstalled: forget pending deliveries for the team (its data stays until an admin deletes it)."""
    ack()
    services.workspaces.uninstalled(team_id=body.get("team_id", ""))


def handle_tokens_revoked(ack: Ack, body: dict[str, Any], services: Services) -> None:
    """tokens_revoked: when the bot token is revoked, stop delivering to the team."""
    ack()
    if (body.get("event") or {}).get("tokens", {}).get("bot"):
        services.workspaces.uninstalled(team_id=body.get("team_id", ""))


def register(app: App) -> None:
    """Bind the lifecycle listeners."""
    app.event("app_uninstalled")(handle_app_uninstalled)
    app.event("tokens_revoked")(handle_tokens_revoked)
