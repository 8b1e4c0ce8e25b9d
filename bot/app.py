"""create_app(): the Bolt App, its middleware, the one error handler, and every feature's listeners."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.exc import SQLAlchemyError

from bot import handlers
from bot.handlers.common import tell_privately
from bot.services import Services, UserFacingError
from bot.settings import Settings
from storage.db import insert_ignore
from storage.models import ProcessedEvent

log = logging.getLogger("okrbot.app")

BOT_SCOPES = [
    "channels:history", "chat:write", "commands", "files:write", "groups:history", "im:history",
    "im:write", "mpim:history", "mpim:write", "reactions:read", "reactions:write", "users:read",
    "users:read.email",
]


def create_app(settings: Settings, services: Services, *, client: WebClient | None = None,
               token_verification: bool = True, oauth_engine: Any = None) -> App:
    """Build okrbot's Bolt app: HTTP (signed requests) or Socket Mode share it unchanged."""
    kwargs: dict[str, Any] = {
        "signing_secret": settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        "process_before_response": False,
        "raise_error_for_unhandled_request": False,
        "token_verification_enabled": token_verification,
    }
    if settings.slack_bot_token:
        token = settings.slack_bot_token.get_secret_value()
        # Bolt takes the token from the client (its own `token` argument would only warn).
        kwargs["client"] = client or WebClient(token=token, base_url=settings.slack_api_url, timeout=10)
    elif settings.oauth_enabled:
        kwargs["client"] = client or WebClient(base_url=settings.slack_api_url, timeout=10)
        kwargs["oauth_settings"] = _oauth_settings(settings, oauth_engine)
    else:
        kwargs["client"] = client or WebClient(base_url=settings.slack_api_url, timeout=10)
        kwargs["request_verification_enabled"] = bool(settings.slack_signing_secret)
        kwargs["authorize"] = lambda **_: None
    app = App(logger=_bolt_logger(), **kwargs)
    app.use(_inject(services))
    app.use(_drop_retried_events(services))
    app.error(handle_error)
    handlers.register_all(app)
    _guard_listeners(app)
    return app


_GUARD_ARGS = ("ack", "body", "client", "context")


def _guard_listeners(app: App) -> None:
    """Report a listener's error after ack() ourselves: slack_bolt 1.30 would reset the ack on its way
    to the error handler (thread_runner sets ack.response = None), and Slack would get a 404 after 3 s.

    An error before ack() still goes to Bolt's error path, which builds the HTTP answer (modal field
    errors, an ephemeral command reply) through `handle_error`.
    """
    for listener in getattr(app, "_listeners", []):
        original = listener.ack_function
        if getattr(original, "okrbot_guarded", False):
            continue
        wanted = list(listener.arg_names)
        extra = [name for name in _GUARD_ARGS if name not in wanted]

        def guarded(*args: Any, _original: Any = original, _extra: tuple[str, ...] = tuple(extra),
                    **kwargs: Any) -> Any:
            mine = {name: kwargs.pop(name) for name in _extra if name in kwargs}
            seen = {**kwargs, **mine}
            try:
                return _original(*args, **kwargs)
            except Exception as error:
                ack = seen.get("ack")
                if ack is None or getattr(ack, "response", None) is None:
                    raise
                handle_error(error, seen.get("body") or {}, None, seen.get("client"), seen.get("context") or {})
                return None

        guarded.okrbot_guarded = True  # type: ignore[attr-defined]
        listener.ack_function = guarded
        listener.arg_names = [*wanted, *extra]


class _DropTokenFromEnvWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that our client wins; it does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("okrbot.bolt")
    if not any(isinstance(f, _DropTokenFromEnvWarning) for f in logger.filters):
        logger.addFilter(_DropTokenFromEnvWarning())
    return logger


def _oauth_settings(settings: Settings, engine: Any) -> OAuthSettings:
    """Many workspaces: installations and OAuth states live in the same database."""
    client_id = settings.slack_client_id or ""
    installations = SQLAlchemyInstallationStore(client_id=client_id, engine=engine)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    installations.create_tables()
    states.create_tables()
    return OAuthSettings(client_id=client_id,
                         client_secret=settings.slack_client_secret.get_secret_value() if settings.slack_client_secret
                         else "", scopes=BOT_SCOPES, installation_store=installations, state_store=states)


def _inject(services: Services):  # noqa: ANN202 - Bolt middleware
    def inject_services(context: Any, next: Any) -> None:  # noqa: A002 - Bolt's name
        context["services"] = services
        next()

    return inject_services


class _WriteGate:
    """One writer at a time, threads of this process first, then processes (flock on `path`)."""

    def __init__(self, path: str | None) -> None:
        self._threads = threading.Lock()
        self._path = path
        self._fd: int | None = None
        self._pid = 0

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._path is None:
            return
        try:
            import fcntl

            if self._pid != os.getpid():  # a forked worker needs its own open file: flock is per open file
                self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._fd is not None:
                import fcntl

                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


def sqlite_write_gate(engine: Any) -> contextlib.AbstractContextManager[Any]:
    """For a SQLite file: a lock (beside it, `<file>.write-lock`) that writers of every process queue on.

    SQLite lets one writer in at a time and makes the others retry after sleeping 1, 2, 5, 10, 15… ms; with
    many threads in several gunicorn workers inserting an event id for every event, those sleeps made the
    p99 ack twice as slow (bench/ack.py). Other databases (and in-memory SQLite) need no gate.
    """
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return _WriteGate(None)
    try:
        import fcntl  # noqa: F401 - POSIX only; elsewhere the gate covers this process's threads
    except ImportError:
        return _WriteGate(None)
    return _WriteGate(database + ".write-lock")


def _drop_retried_events(services: Services):  # noqa: ANN202 - Bolt middleware
    gate = sqlite_write_gate(services.ctx.sessions.kw["bind"])

    def drop_retried_events(body: dict[str, Any], request: Any, next: Any) -> BoltResponse | None:  # noqa: A002
        """Slack retries events it thinks we missed; the processed-event table makes that a no-op."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            next()
            return None
        with services.ctx.sessions() as session:
            # One statement committed on its own: no BEGIN and COMMIT round trips before the ack (bench/ack.py).
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            with gate:
                inserted = insert_ignore(session, ProcessedEvent, {
                    "event_id": event_id, "team_id": body.get("team_id", ""), "received_at": services.ctx.clock()})
        if not inserted:
            retry = request.headers.get("x-slack-retry-num", ["?"])[0]
            log.info("dropping event %s already processed (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="")
        next()
        return None

    return drop_retried_events


def handle_error(error: Exception, body: dict[str, Any], response: BoltResponse | None, client: WebClient,
                 context: Any) -> BoltResponse | None:
    """The single error handler: UserFacingError → what the person reads; anything else → logged + apology."""
    if isinstance(error, UserFacingError):
        message = error.message
    else:
        reference = uuid.uuid4().hex[:8]
        log.error("unhandled error (ref %s) on %s", reference, _describe(body), exc_info=error)
        message = f"Sorry, something went wrong on our side (reference `{reference}`). Please try again."
    kind = body.get("type")
    not_acked = response is not None
    if not_acked:
        if kind == "view_submission" and isinstance(error, UserFacingError) and error.field:
            return BoltResponse(status=200, body={"response_action": "errors", "errors": {error.field: message}})
        if kind == "view_submission":
            return BoltResponse(status=200, body={"response_action": "errors",
                                                  "errors": _first_input_error(body, message)})
        if body.get("command"):
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": message})
    _tell(client, body, context, message)
    return BoltResponse(status=200, body="") if not_acked else None


def _first_input_error(body: dict[str, Any], message: str) -> dict[str, str]:
    blocks = (body.get("view") or {}).get("blocks") or []
    inputs = [b.get("block_id") for b in blocks if b.get("type") == "input" and b.get("block_id")]
    return {inputs[0]: message} if inputs else {}


def _tell(client: WebClient, body: dict[str, Any], context: Any, message: str) -> None:
    """Reach the acting person privately: response_url, else an ephemeral in the channel, else a DM."""
    user = context.get("user_id") or (body.get("user") or {}).get("id") or body.get("user_id")
    channel = context.get("channel_id") or (body.get("channel") or {}).get("id") or body.get("channel_id")
    response_url = body.get("response_url") or next(iter(body.get("response_urls") or []), {}).get("response_url")
    try:
        if user:
            tell_privately(client, user=user, channel=channel, response_url=response_url, text=message)
    except (SlackApiError, OSError, SQLAlchemyError):
        log.exception("could not tell %s about an error", user)


def _describe(body: dict[str, Any]) -> str:
    return str(body.get("command") or (body.get("event") or {}).get("type") or body.get("type") or "request")
