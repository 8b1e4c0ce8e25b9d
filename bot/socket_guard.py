"""`okrbot socket`'s front door: every Socket Mode envelope is checked like an HTTP body before Bolt reads it.

Socket Mode needs no signature (the WebSocket was opened with the app-level token), but an envelope whose
payload is not shaped like Slack's (not an object, `"event": null`, fields of the wrong type) is
acknowledged, so Slack does not send it again, and dropped with one log line: its envelope id and the
reason, never the payload. A payload that still makes Bolt fail is acknowledged and logged the same way.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.http_guard import check_shape

log = logging.getLogger("okrbot.socket_guard")


class GuardedSocketModeHandler(SocketModeHandler):
    """Bolt's SocketModeHandler, refusing malformed envelopes before the app sees them."""

    def handle(self, client: Any, req: Any) -> None:
        """Check the envelope's payload, then let Bolt handle it (or acknowledge and drop it)."""
        envelope = str(getattr(req, "envelope_id", "") or "")[:64]
        problem = check_shape(getattr(req, "payload", None))
        if problem is None:
            try:
                super().handle(client, req)
                return
            except Exception as error:  # noqa: BLE001 - the envelope is dropped, the connection lives on
                problem = f"could not be handled ({error.__class__.__name__})"
        log.warning("dropped Socket Mode envelope %s (%s): %s", envelope, getattr(req, "type", "?"), problem)
        try:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=envelope))
        except Exception as error:  # noqa: BLE001
            log.warning("could not acknowledge envelope %s: %s", envelope, error.__class__.__name__)
