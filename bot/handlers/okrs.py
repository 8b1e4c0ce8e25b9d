"""Slack listeners for okrs."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Bind this feature's listeners."""
