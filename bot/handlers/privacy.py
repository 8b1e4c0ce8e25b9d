"""Slack listeners for privacy: a person leaving the workspace is offered to the admins for erasure."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.services import Services


def handle_user_change(ack: Ack, body: dict[str, Any], event: dict[str, Any], services: Services) -> None:
    """user_change with `deleted: true`: the person left; okrbot DMs the admins how to erase their data."""
    ack()
    member = event.get("user") or {}
    if member.get("deleted") and member.get("id"):
        services.privacy.person_left(body.get("team_id") or member.get("team_id", ""), member["id"])


def register(app: App) -> None:
    """Bind the privacy listeners."""
    app.event("user_change")(handle_user_change)
