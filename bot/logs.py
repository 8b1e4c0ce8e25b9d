"""Logging for every okrbot process: `configure_logging(settings)`, called once by bot/cli.py.

LOG_LEVEL sets the level; OKRBOT_LOG_FORMAT=json writes one JSON object per line (gunicorn's own error and
access logs included: `GunicornLogger`), each with the id of the HTTP request being handled, if any
(`request_id`, set by bot/web.py, carried into Bolt's listener threads by `ContextExecutor`).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from bot.log_safety import install, redact, secrets_of
from bot.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("okrbot_request_id", default=None)
_json_wanted = False


def new_request_id(given: str | None = None) -> str:
    """The id of a new HTTP request: the proxy's X-Request-Id when it looks sane, else a fresh one."""
    if given and len(given) <= 64 and all(c.isalnum() or c in "-_.:" for c in given):
        return given
    return uuid.uuid4().hex[:16]


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter() -> logging.Formatter:
    """The formatter the configured format asks for."""
    return JsonFormatter() if _json_wanted else logging.Formatter(TEXT_FORMAT)


def configure_logging(settings: Settings | None) -> None:
    """Set up the root logger on stderr (settings None: defaults, when the settings themselves are wrong)."""
    global _json_wanted
    _json_wanted = bool(settings and settings.log_format == "json")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    level = settings.log_level if settings else "INFO"
    root.setLevel(level)
    # Alembic's "Context impl…" lines on every schema check are noise beside okrbot's own one-line messages.
    logging.getLogger("alembic").setLevel("DEBUG" if level == "DEBUG" else "WARNING")
    # No token, secret, request body or private text in any line, at any level (bot/log_safety.py). With wrong
    # settings the command stops at once with one line; Slack tokens are still recognised by their shape.
    install(secrets=secrets_of(settings) if settings else [])


class ContextExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, running each listener in a copy of the caller's context (its request id)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn` in the submitting thread's contextvars."""
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def gunicorn_logger_class() -> type:
    """gunicorn's Logger, writing with okrbot's formatter (JSON lines when asked)."""
    from gunicorn.glogging import Logger

    class GunicornLogger(Logger):  # type: ignore[misc]
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(formatter())

    return GunicornLogger
