"""create_app(): the Bolt App, its middleware, the one error handler, and every feature's listeners."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.exc import SQLAlchemyError

from bot import handlers
from bot.handlers.common import tell_privately
from bot.inbox import REPLAY, Inbox
from bot.logs import ContextExecutor
from bot.services import Services, UserFacingError
from bot.settings import Settings

log = logging.getLogger("okrbot.app")

BOT_SCOPES = [
    "channels:history", "chat:write", "commands", "files:write", "groups:history", "im:history",
    "im:write", "mpim:history", "mpim:write", "reactions:read", "reactions:write", "users:read",
    "users:read.email",
]


def create_app(settings: Settings, services: Services, *, client: WebClient | None = None,
               token_verification: bool = True, oauth_engine: Any = None, installation_store: Any = None,
               inbox: Inbox | None = None, worker: bool = False) -> App:
    """Build okrbot's Bolt app: HTTP (signed requests) or Socket Mode share it unchanged.

    With `inbox`, every event_callback is stored there and answered at once (no listener runs in the
    request). `worker=True` builds the app the inbox worker replays stored events through (`replay_event`):
    listeners run in the calling thread and their errors reach the caller.
    """
    kwargs: dict[str, Any] = {
        "signing_secret": settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        "process_before_response": worker,
        "raise_error_for_unhandled_request": False,
        "token_verification_enabled": token_verification,
    }
    if settings.slack_bot_token:
        token = settings.slack_bot_token.get_secret_value()
        # Bolt takes the token from the client (its own `token` argument would only warn).
        kwargs["client"] = client or WebClient(token=token, base_url=settings.slack_api_url, timeout=10)
    elif settings.oauth_enabled:
        kwargs["client"] = client or WebClient(base_url=settings.slack_api_url, timeout=10)
        kwargs["oauth_settings"] = _oauth_settings(settings, oauth_engine, installation_store)
    else:
        kwargs["client"] = client or WebClient(base_url=settings.slack_api_url, timeout=10)
        kwargs["request_verification_enabled"] = bool(settings.slack_signing_secret)
        kwargs["authorize"] = lambda **_: None
    if worker:
        kwargs["request_verification_enabled"] = False  # replayed payloads were verified when they were stored
    # Listeners run in Bolt's pool; ContextExecutor carries the request id into their log lines (bot/logs.py).
    app = App(logger=_bolt_logger(), listener_executor=ContextExecutor(max_workers=10), **kwargs)
    app.use(_mark_verified)  # runs after Bolt's own signature check: handle_error acts only on marked bodies
    if inbox is not None and not worker:
        app.use(_store_events(inbox))
    app.use(_inject(services))
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
                if ack is None or getattr(ack, "response", None) is None or REPLAY in (seen.get("context") or {}):
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


OAUTH_STATE_SECONDS = 600  # an install started must finish within 10 minutes; housekeeping purges older states


def _oauth_settings(settings: Settings, engine: Any, installations: Any = None) -> OAuthSettings:
    """Many workspaces: installations and OAuth states live in the same database (tables made by the
    migrations, revision prod_oauth: never at boot, where workers starting together raced)."""
    client_id = settings.slack_client_id or ""
    installations = installations or SQLAlchemyInstallationStore(client_id=client_id, engine=engine)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=engine)
    return OAuthSettings(client_id=client_id,
                         client_secret=settings.slack_client_secret.get_secret_value() if settings.slack_client_secret
                         else "", scopes=BOT_SCOPES, installation_store=installations, state_store=states)


VERIFIED = "okrbot_verified"


def _mark_verified(context: Any, next: Any) -> None:  # noqa: A002 - Bolt's name
    """Reached only past Bolt's built-in middleware (signature check, authorization): the body is Slack's."""
    context[VERIFIED] = True
    next()


def _inject(services: Services):  # noqa: ANN202 - Bolt middleware
    def inject_services(context: Any, next: Any) -> None:  # noqa: A002 - Bolt's name
        context["services"] = services
        next()

    return inject_services


def _store_events(inbox: Inbox):  # noqa: ANN202 - Bolt middleware
    def store_events(body: dict[str, Any], context: Any, request: Any, next: Any) -> BoltResponse | None:  # noqa: A002
        """event_callback: one insert into the inbox, then 200 (a retry finds its row and changes nothing).

        The first custom middleware: Bolt has checked the signature (HTTP) and ignored our own bot's events.
        If the insert fails, Bolt answers 500 and Slack delivers the event again.
        """
        if body.get("type") != "event_callback" or REPLAY in context:
            next()
            return None
        if not inbox.accept(body) and request.headers.get("x-slack-retry-num"):
            retry = request.headers.get("x-slack-retry-num", ["?"])[0]
            log.info("dropping event %s already received (retry %s)", body.get("event_id"), retry)
        return BoltResponse(status=200, body="")

    return store_events


def replay_event(app: App, payload: dict[str, Any]) -> None:
    """Run a stored event through `app` (built with worker=True); raises what its listener raised."""
    errors: list[Exception] = []
    response = app.dispatch(BoltRequest(body=payload, mode="socket_mode", context={REPLAY: errors}))
    if errors:
        raise errors[0]
    if response.status >= 500:
        raise RuntimeError(f"the event's listener answered HTTP {response.status}")


def handle_error(error: Exception, body: dict[str, Any], response: BoltResponse | None, client: WebClient,
                 context: Any) -> BoltResponse | None:
    """The single error handler: UserFacingError → what the person reads; anything else → logged + apology.

    A body that did not pass the signature check is never read or answered: 401, no outbound call.
    A replayed inbox event's error goes back to the inbox worker instead (it retries, then parks the row).
    """
    replay = context.get(REPLAY) if context is not None else None
    if replay is not None:
        replay.append(error)
        return None
    if not (context or {}).get(VERIFIED):
        log.warning("refused a request that was not verified (%s)", error.__class__.__name__)
        return BoltResponse(status=401, body={"error": "invalid request"}) if response is not None else None
    if isinstance(error, UserFacingError):
        message = error.message
    else:
        reference = uuid.uuid4().hex[:8]
        log.error("unhandled error (ref %s) on %s", reference, _describe(body), exc_info=error)
        message = f"Sorry, something went wrong on our side (reference `{reference}`). Please try again."
    kind = body.get("type")
    if kind == "event_callback":  # nobody waits for an answer to an event; a 5xx makes Slack deliver it again
        return None
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
