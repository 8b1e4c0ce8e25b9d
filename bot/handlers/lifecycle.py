"""Install lifecycle: uninstall and revoked tokens delete the workspace's tokens and stop deliveries to it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners

from bot.handlers.reading import flag_of, object_of, team_of
from bot.services import Services


def register(app: App) -> None:
    """Bind the lifecycle listeners (with OAuth, Bolt's token revocation listeners run inside ours)."""
    store = getattr(app, "installation_store", None)
    bolt = TokenRevocationListeners(store) if store is not None else None

    def handle_app_uninstalled(ack: Ack, body: dict[str, Any], context: BoltContext, services: Services) -> None:
        """app_uninstalled: delete the team's installation and tokens, fail its pending deliveries (its data
        stays until `okrbot workspaces purge`)."""
        ack()
        services.workspaces.uninstalled(team_id=team_of(body))
        if bolt is not None:
            bolt.handle_app_uninstalled_events(context)

    def handle_tokens_revoked(ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext,
                              services: Services) -> None:
        """tokens_revoked: a revoked bot token ends the install (its rows and tokens go, as on uninstall)."""
        ack()
        if flag_of(object_of(event, "tokens"), "bot"):
            services.workspaces.uninstalled(team_id=team_of(body))
            if bolt is not None:  # the installation rows hold the bot token too: delete them, not only slack_bots
                bolt.handle_app_uninstalled_events(context)
        elif bolt is not None:
            bolt.handle_tokens_revoked_events(event, context)

    app.event("app_uninstalled")(handle_app_uninstalled)
    app.event("tokens_revoked")(handle_tokens_revoked)
