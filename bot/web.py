"""The WSGI application gunicorn serves: Bolt's WSGI adapter on /slack/*, plus /healthz and /metrics."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.http_guard import guard_slack_posts
from bot.logs import new_request_id, request_id
from bot.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.metrics import exposition, request_done
from bot.runtime import Runtime
from storage.migrate import current_revision, head_revision

log = logging.getLogger("okrbot.web")
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def create_wsgi_app(runtime: Runtime, extra: dict[str, WSGIApp] | None = None) -> WSGIApp:
    """Route /slack/events (and OAuth paths) to Bolt, /healthz to a database check, `extra` by prefix."""
    secret = runtime.settings.slack_signing_secret
    # Every POST to /slack/* passes the front door first: size, signature, shape (bot/http_guard.py).
    bolt = guard_slack_posts(SlackRequestHandler(runtime.app), secret.get_secret_value() if secret else None)
    routes = dict(extra or {})

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/healthz":
            return _health(runtime, start_response)
        if path == "/metrics":
            return _metrics(runtime, start_response)
        if path.startswith("/slack/"):
            return _measured(bolt, environ, start_response)
        for prefix, sub in routes.items():
            if path == prefix or path.startswith(prefix.rstrip("/") + "/") or prefix == "/":
                return sub(environ, start_response)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application


def _measured(bolt: WSGIApp, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Answer through Bolt with a request id (X-Request-Id, in every log line) and count it (bot/metrics.py)."""
    started = time.perf_counter()
    rid = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
    environ["okrbot.request_id"] = rid  # the front door's log lines carry it too
    token = request_id.set(rid)
    status = [0]

    def answer(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status[0] = int(line[:3])
        return start_response(line, [*headers, ("X-Request-Id", rid)], exc_info)

    try:
        return bolt(environ, answer)
    finally:
        request_done(_kind_of(environ), status[0], time.perf_counter() - started)
        request_id.reset(token)


def _kind_of(environ: dict[str, Any]) -> str:
    """event, command, interactive (or other), from the body the front door read and kept (refused: other)."""
    if environ.get("REQUEST_METHOD") != "POST":
        return "oauth" if environ.get("PATH_INFO", "").startswith(("/slack/install", "/slack/oauth")) else "other"
    body = environ.get("okrbot.body") or b""
    if body.startswith(b"{"):
        return "event"
    if body.startswith(b"payload=") or b"&payload=" in body[:4096]:
        return "interactive"
    if b"command=" in body[:4096]:
        return "command"
    return "other"


def _metrics(runtime: Runtime, start_response: StartResponse) -> Iterable[bytes]:
    body = exposition(runtime.engine)
    start_response("200 OK", [("Content-Type", METRICS_CONTENT_TYPE), ("Content-Length", str(len(body)))])
    return [body]


def _health(runtime: Runtime, start_response: StartResponse) -> Iterable[bytes]:
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(runtime.engine)
    except SQLAlchemyError as error:
        log.warning("health check: database unreachable: %s", error.__class__.__name__)
        return _json(start_response, "503 Service Unavailable", {"status": "unavailable", "database": "unreachable"})
    head = head_revision()
    status = "ok" if revision == head else "outdated"
    code = "200 OK" if status == "ok" else "503 Service Unavailable"
    return _json(start_response, code, {"status": status, "database": "ok", "schema": revision, "latest": head})


def _json(start_response: StartResponse, status: str, payload: dict[str, Any]) -> Iterable[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        log.debug("%s " + format, self.address_string(), *args)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """A real threaded HTTP server for the sandbox and tests (production uses gunicorn)."""

    daemon_threads = True
    allow_reuse_address = True


class LocalServer:
    """Serve a WSGI app on host:port (0 = an ephemeral port) in a background thread."""

    def __init__(self, wsgi_app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_server(host, port, wsgi_app, server_class=ThreadingWSGIServer,
                                   handler_class=_QuietHandler)
        self.host, self.port = host, self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"http-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321"""
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()`."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
