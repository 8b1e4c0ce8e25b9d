"""The baseline: a bare Bolt app whose listeners only ack (a slash command and `reaction_added`).

Served by bench/bare_serve.py through the same `run_gunicorn` as `okrbot serve`, so the difference between
the two in bench/ack.py is okrbot's own work before the ack (middleware, de-duplication, routing).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.settings import Settings


def create_bare_app(settings: Settings) -> App:
    """Bolt with the same token, signing secret and loopback Web API as okrbot, and nothing else."""
    assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
    token = settings.slack_bot_token.get_secret_value()
    # As okrbot's create_app: Bolt takes the token from the client.
    app = App(signing_secret=settings.slack_signing_secret.get_secret_value(),
              client=WebClient(token=token, base_url=settings.slack_api_url, timeout=10),
              process_before_response=False, raise_error_for_unhandled_request=False)

    @app.command(re.compile(r"^/"))  # any slash command
    def handle_any_command(ack: Ack) -> None:
        """Only ack."""
        ack()

    @app.event("reaction_added")
    def handle_reaction_added(ack: Ack) -> None:
        """Only ack."""
        ack()

    return app


def create_bare_wsgi(settings: Settings) -> Any:
    """Bolt's own WSGI adapter around the bare app."""
    return SlackRequestHandler(create_bare_app(settings))
