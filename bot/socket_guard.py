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

from bot.http_guard import printable
from bot.payload_shape import check_shape

log = logging.getLogger("okrbot.socket_guard")


class GuardedSocketModeHandler(SocketModeHandler):
    """Bolt's SocketModeHandler, refusing malformed envelopes before the app sees them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # slack_sdk itself raises (and logs a traceback) on an envelope whose payload is not an object, before
        # any request listener runs: such envelopes are acknowledged and dropped one step earlier.
        original = self.client.run_message_listeners

        def run_message_listeners(message: Any, raw_message: str) -> None:
            if isinstance(message, dict) and message.get("envelope_id") and "payload" in message \
                    and not isinstance(message["payload"], dict):
                self._drop(self.client, str(message["envelope_id"]), str(message.get("type")),
                           "payload is not an object")
                return
            original(message, raw_message)

        self.client.run_message_listeners = run_message_listeners  # type: ignore[method-assign]

    def handle(self, client: Any, req: Any) -> None:
        """Check the envelope's payload, then let Bolt handle it (or acknowledge and drop it)."""
        envelope = str(getattr(req, "envelope_id", "") or "")
        problem = check_shape(getattr(req, "payload", None))
        if problem is None:
            try:
                super().handle(client, req)
                return
            except Exception as error:  # noqa: BLE001 - the envelope is dropped, the connection lives on
                problem = f"could not be handled ({error.__class__.__name__})"
        self._drop(client, envelope, str(getattr(req, "type", "?")), problem)

    @staticmethod
    def _drop(client: Any, envelope: str, kind: str, problem: str) -> None:
        log.warning("dropped Socket Mode envelope %s (%s): %s", printable(envelope, 64), printable(kind, 40), problem)
        try:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=envelope))
        except Exception as error:  # noqa: BLE001
            log.warning("could not acknowledge envelope %s: %s", printable(envelope, 64), error.__class__.__name__)
