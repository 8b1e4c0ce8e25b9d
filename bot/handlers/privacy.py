"""Slack listeners for privacy: a person leaving the workspace is offered to the admins for erasure."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.handlers.reading import flag_of, object_of, team_of, text_of
from bot.services import Services


def handle_user_change(ack: Ack, body: dict[str, Any], event: dict[str, Any], services: Services) -> None:
    """user_change with `deleted: true`: the person left; okrbot DMs the admins how to erase their data."""
    ack()
    member = object_of(event, "user")
    if flag_of(member, "deleted") and text_of(member, "id"):
        services.privacy.person_left(team_of(body) or text_of(member, "team_id"), text_of(member, "id"))


def register(app: App) -> None:
    """Bind the privacy listeners."""
    app.event("user_change")(handle_user_change)
