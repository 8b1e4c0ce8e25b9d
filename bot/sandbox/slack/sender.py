"""Sending to the app as Slack does: signed POSTs of built requests (bot/sandbox/slack/payloads.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.slack.payloads import (
    Built,
    block_actions,
    event_callback,
    message_shortcut,
    slash_command,
    url_verification,
    view_closed,
    view_submission,
)


def sign(signing_secret: str, body: bytes, timestamp: int) -> str:
    """Slack's request signature: `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{body}`)."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Response:
    """What the app answered: status, headers (lower-cased names), raw body and seconds it took."""

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float = 0.0

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON; None for an empty body (a plain ack)."""
        return json.loads(self.body) if self.body.strip() else None


_SEND_OPTIONS = ("retry_num", "retry_reason", "timestamp", "signature", "unsigned")


class SlackSender:
    """POSTs built requests to the app the way Slack does, signed with the app's signing secret."""

    def __init__(self, app_url: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        if urlsplit(app_url).scheme not in ("http", "https"):
            raise ValueError(f"app_url must be http(s): {app_url!r}")
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.timeout = timeout

    def send(
        self,
        built: Built,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Response:
        """POST one built request; 4xx/5xx come back as a Response, never as an exception."""
        content_type, body = built
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        if not unsigned:
            headers["X-Slack-Request-Timestamp"] = str(timestamp)
            headers["X-Slack-Signature"] = signature or sign(self.signing_secret, body, timestamp)
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        request = urllib.request.Request(self.app_url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            # The scheme was checked in __init__: only http(s) reaches urlopen.
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                status, answer_headers, answer_body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, answer_body = error.code, error.headers, error.read()
        return Response(
            status=status,
            headers={key.lower(): value for key, value in answer_headers.items()},
            body=answer_body,
            elapsed=time.monotonic() - started,
        )

    def _send_with(self, builder: Any, args: tuple, kwargs: dict) -> Response:
        options = {key: kwargs.pop(key) for key in _SEND_OPTIONS if key in kwargs}
        return self.send(builder(*args, **kwargs), **options)

    def command(self, *args: Any, **kwargs: Any) -> Response:
        """POST a slash command: slash_command()'s arguments plus send()'s options."""
        return self._send_with(slash_command, args, kwargs)

    def event(self, *args: Any, **kwargs: Any) -> Response:
        """POST an event_callback: event_callback()'s arguments plus send()'s options."""
        return self._send_with(event_callback, args, kwargs)

    def action(self, *args: Any, **kwargs: Any) -> Response:
        """POST a block_actions payload: block_actions()'s arguments plus send()'s options."""
        return self._send_with(block_actions, args, kwargs)

    def submit(self, *args: Any, **kwargs: Any) -> Response:
        """POST a view_submission: view_submission()'s arguments plus send()'s options."""
        return self._send_with(view_submission, args, kwargs)

    def close(self, *args: Any, **kwargs: Any) -> Response:
        """POST a view_closed: view_closed()'s arguments plus send()'s options."""
        return self._send_with(view_closed, args, kwargs)

    def shortcut(self, *args: Any, **kwargs: Any) -> Response:
        """POST a message shortcut: message_shortcut()'s arguments plus send()'s options."""
        return self._send_with(message_shortcut, args, kwargs)

    def verify_url(self, challenge: str, **kwargs: Any) -> Response:
        """POST the url_verification handshake."""
        return self.send(url_verification(challenge), **kwargs)
