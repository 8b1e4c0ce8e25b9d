"""Slack listeners for home."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Bind this feature's listeners."""
