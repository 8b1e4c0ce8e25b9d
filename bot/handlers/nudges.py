"""Slack listeners for nudges."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Bind this feature's listeners."""
