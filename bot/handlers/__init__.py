"""Thin Bolt listeners, one module per feature, each with `register(app)`."""

from __future__ import annotations

from slack_bolt import App


def register_all(app: App) -> None:
    """Bind every feature's listeners to `app`."""
    from bot.handlers import events, feedback, home, kudos, lifecycle, llm, nudges, okrs, one_on_ones, privacy, review

    for feature in (lifecycle, events, one_on_ones, okrs, kudos, feedback, nudges, home, privacy, llm, review):
        feature.register(app)
