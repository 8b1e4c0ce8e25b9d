"""No request body, token, secret or private text in any log line, at any level.

    from bot import log_safety
    log_safety.install(secrets=[signing_secret, bot_token, ...])   # once, wherever logging is configured

`install` replaces the log record factory, so every record of every logger (okrbot's, Bolt's, slack_sdk's,
gunicorn's) goes through `redact` when it is formatted, whichever handler or formatter prints it:

- Slack tokens (`xoxb-`, `xoxp-`, `xapp-`, `xoxe-`, `xoxe.xoxp-`, …) and every secret given to `install`
  become `[redacted]`, in the message and in the traceback;
- lines that Bolt and slack_sdk write with request or response bodies (a failed signature check at INFO
  with the whole body; at DEBUG every Web API request and answer, `oauth.v2.access` with its tokens, every
  Socket Mode envelope) keep their first words and lose the rest: `… [details withheld]`.

It is idempotent, and it also puts the noisiest third-party loggers' bodies out of reach at the source
(`quiet_sources`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"
WITHHELD = " [details withheld]"
TOKEN = re.compile(r"\b(?:xox[abposre]|xapp|xoxe\.xox[bp])-[A-Za-z0-9._-]*", re.IGNORECASE)
# Third-party loggers that write payloads, and where their payload starts in a line.
BODY_LOGGERS = ("slack_bolt", "slack_sdk", "slack", "okrbot.bolt", "urllib3", "websocket", "aiohttp")
_BODY_START = re.compile(r"(?:[\s(,]|^)(?:body|payload|json_body|body_params|query_params|headers|message|"
                         r"params|data|response|request|envelope|text)\s*[:=]|[({\[]|\bb'|\bb\"", re.IGNORECASE)
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_SECRET",
                    "OKRBOT_SECRET_KEY", "OKRBOT_LLM_API_KEY")
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact(text: str) -> str:
    """`text` with Slack tokens and registered secrets replaced by [redacted]."""
    text = TOKEN.sub(REDACTED, text)
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def withhold_bodies(name: str, text: str) -> str:
    """For a third-party logger known to log payloads: the line up to where its payload would start."""
    if not name.startswith(BODY_LOGGERS):
        return text
    match = _BODY_START.search(text)
    if match is None:
        return text
    return text[:match.start()].rstrip(" ,:-(") + WITHHELD


class _SafeRecord(logging.LogRecord):
    """A LogRecord whose message and traceback are made safe the moment any formatter reads them."""

    def getMessage(self) -> str:  # noqa: N802 - logging's name
        try:
            message = super().getMessage()
        except Exception:  # a broken format string must not print its arguments either
            message = str(self.msg)
        safe = redact(withhold_bodies(self.name, message))
        if self.exc_info and not self.exc_text:
            self.exc_text = redact(logging.Formatter().formatException(self.exc_info))
        elif self.exc_text:
            self.exc_text = redact(self.exc_text)
        if self.stack_info:
            self.stack_info = redact(self.stack_info)
        return safe


def _factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    return _SafeRecord(*args, **kwargs)


def quiet_sources() -> None:
    """At the source: slack_sdk's and Bolt's payload-bearing DEBUG lines are not even produced.

    okrbot reports what it needs at its own loggers; these third-party loggers stay at INFO or above
    whatever LOG_LEVEL says (their DEBUG lines are request and response bodies).
    """
    for name in ("slack_sdk", "slack_bolt", "okrbot.bolt", "urllib3", "websocket"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)


def add_secrets(values: Iterable[str | None]) -> None:
    """Register more values that must never appear in a log line (at least 6 characters each)."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= 6)


def install(secrets: Iterable[str | None] = (), *, quiet: bool = True) -> None:
    """Make every log record safe (see the module's docstring); call where logging is configured."""
    global _installed
    add_secrets(secrets)
    with _lock:
        current = logging.getLogRecordFactory()
        if not _installed or current is not _factory:
            logging.setLogRecordFactory(_factory)
            _installed = True
    if quiet:
        quiet_sources()


def secrets_of(settings: Any) -> list[str]:
    """The secret values of a Settings object (tokens, signing and client secrets)."""
    values = []
    for name in ("slack_bot_token", "slack_signing_secret", "slack_app_token", "slack_client_secret",
                 "secret_key", "llm_api_key"):
        value = getattr(settings, name, None)
        if value is not None:
            raw = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
            values.extend(part.strip() for part in raw.split(",") if part.strip())  # each key of a rotation
    return values
