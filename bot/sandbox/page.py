"""The sandbox page's HTTP side: the page and its static files, and the small JSON API it calls.

    GET  /                           the page (bot/sandbox/static/index.html)
    GET  /sandbox/static/<file>      its CSS and JavaScript
    GET  /sandbox/api/state          the workspace as the page renders it (?since=VERSION&wait=SECONDS long-polls)
    POST /sandbox/api/<action>       what a person does (JSON), see `page_app`
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from bot.web import StartResponse

log = logging.getLogger("okrbot.sandbox")

STATIC = Path(__file__).resolve().parent / "static"
MAX_API_BODY = 200_000
LONG_POLL_SECONDS = 20.0
CALL_LOG = 60
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".js": "text/javascript; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
                 ".png": "image/png", ".ico": "image/x-icon"}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class SandboxError(Exception):
    """Something the person asked for cannot be done (unknown message, unknown person...); shown on the page."""


class PageState:
    """A version number bumped on every change of the workspace, so the page can long-poll for news."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.version = 0
        self.instance = secrets.token_hex(6)  # a page that outlived a restart starts over
        self.closed = False
        self.notices: deque[dict[str, Any]] = deque(maxlen=50)
        self.calls: deque[dict[str, Any]] = deque(maxlen=CALL_LOG)

    def changed(self, kind: str = "", payload: dict[str, Any] | None = None) -> None:
        """Record a change (FakeSlack subscriber signature)."""
        with self._cond:
            if kind == "call" and payload is not None:
                self.calls.append({"method": payload.get("method"), "ok": payload.get("ok"),
                                   "error": (payload.get("response") or {}).get("error"),
                                   "status": payload.get("http_status"), "at": payload.get("at"),
                                   "channel": (payload.get("args") or {}).get("channel")})
            self.version += 1
            self._cond.notify_all()

    def notice(self, *, user: str | None, text: str, channel: str | None = None, kind: str = "slackbot") -> None:
        """A message from Slack itself (a failed command, a sandbox note) for one person or everyone."""
        with self._cond:
            self.notices.append({"id": f"n{time.time_ns()}", "user": user, "channel": channel, "text": text,
                                 "kind": kind, "at": time.time()})
        self.changed()

    def wait(self, since: int, timeout: float) -> int:
        """Block while the version is still `since` (at most `timeout`); return the current version."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.version == since and not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self.version

    def close(self) -> None:
        """Wake every waiting long-poll (the sandbox is stopping)."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()


def page_app(sandbox_ref: Callable[[], Any]) -> Callable[..., Iterable[bytes]]:
    """WSGI app for `/` (the page), `/sandbox/static/…` and `/sandbox/api/…`."""

    posts: dict[str, Callable[[Any, dict[str, Any]], dict[str, Any]]] = {
        "command": lambda s, b: s.command(_text(b, "user"), _text(b, "channel"), _text(b, "text")),
        "message": lambda s, b: s.message(_text(b, "user"), _text(b, "channel"), _text(b, "text"),
                                          _optional(b, "thread_ts")),
        "reaction": lambda s, b: s.react(_text(b, "user"), _text(b, "channel"), _text(b, "ts"), _text(b, "name"),
                                         add=bool(b.get("add", True))),
        "action": lambda s, b: s.click(_text(b, "user"), action_id=_text(b, "action_id"),
                                       block_id=_optional(b, "block_id"), value=b.get("value"),
                                       channel_id=_optional(b, "channel"), ts=_optional(b, "ts"),
                                       view_id=_optional(b, "view_id"), values=b.get("values")),
        "submit": lambda s, b: s.submit(_text(b, "user"), _text(b, "view_id"), b.get("values")),
        "close": lambda s, b: s.close(_text(b, "user"), _text(b, "view_id"), clear=bool(b.get("all"))),
        "open": lambda s, b: s.open_app(_text(b, "user"), _text(b, "tab")),
        "shortcut": lambda s, b: s.shortcut(_text(b, "user"), _text(b, "channel"), _text(b, "ts"),
                                            _text(b, "callback_id")),
        "nudge": lambda s, b: s.jump_to_nudge(),
        "review": lambda s, b: s.jump_to_review(),  # the quarter review (issue 17)
    }

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        method = environ.get("REQUEST_METHOD", "GET")
        host = (environ.get("HTTP_HOST") or "").rsplit(":", 1)[0]
        if host and host not in LOOPBACK_HOSTS:
            # DNS rebinding: another site's name pointing at 127.0.0.1 must not drive the sandbox.
            return _reply(start_response, "403 Forbidden", {"ok": False, "error": "the sandbox answers on loopback"})
        if method == "GET" and path in ("/", "/index.html"):
            return _static(start_response, "index.html")
        if method == "GET" and path.startswith("/sandbox/static/"):
            return _static(start_response, path[len("/sandbox/static/"):])
        if path == "/sandbox/api/state" and method == "GET":
            sandbox = sandbox_ref()
            query = parse_qs(environ.get("QUERY_STRING", ""))
            since = _int(query.get("since", ["-1"])[0], -1)
            wait = min(_float(query.get("wait", ["0"])[0], 0.0), LONG_POLL_SECONDS)
            if since >= 0 and wait > 0:
                sandbox.page.wait(since, wait)
            return _reply(start_response, "200 OK", sandbox.state())
        if path.startswith("/sandbox/api/") and method == "POST":
            name = path[len("/sandbox/api/"):]
            handler = posts.get(name)
            if handler is None:
                return _reply(start_response, "404 Not Found", {"ok": False, "error": f"no such action {name!r}"})
            if not (environ.get("CONTENT_TYPE") or "").startswith("application/json"):
                # A JSON content type cannot be sent cross-site without a CORS preflight we never grant.
                return _reply(start_response, "415 Unsupported Media Type",
                              {"ok": False, "error": "send application/json"})
            length = _int(environ.get("CONTENT_LENGTH") or "0", 0)
            if length > MAX_API_BODY:
                return _reply(start_response, "413 Payload Too Large", {"ok": False, "error": "request too large"})
            try:
                body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            except ValueError:  # UnicodeDecodeError is one
                return _reply(start_response, "400 Bad Request", {"ok": False, "error": "invalid JSON"})
            try:
                if not isinstance(body, dict):
                    raise SandboxError("Send a JSON object.")
                return _reply(start_response, "200 OK", handler(sandbox_ref(), body))
            except SandboxError as error:
                return _reply(start_response, "400 Bad Request", {"ok": False, "error": str(error)})
            except Exception:  # a bug of the sandbox: logged with its traceback, a sentence for the page
                log.exception("sandbox API %s failed", name)
                return _reply(start_response, "500 Internal Server Error",
                              {"ok": False, "error": "The sandbox failed on this; its log says why."})
        return _reply(start_response, "404 Not Found", {"ok": False, "error": "not found"})

    return application


def _optional(body: dict[str, Any], key: str) -> str | None:
    return None if body.get(key) in (None, "") else _text(body, key)


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise SandboxError(f"`{key}` must be a string.")
    if len(value) > 40_000:
        raise SandboxError(f"`{key}` is too long.")
    return value


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def _float(value: str, default: float) -> float:
    try:
        return float(value)
    except ValueError:
        return default


def _reply(start_response: StartResponse, status: str, payload: dict[str, Any]) -> Iterable[bytes]:
    body = json.dumps(payload, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store")])
    return [body]


def _static(start_response: StartResponse, name: str) -> Iterable[bytes]:
    path = (STATIC / name).resolve()
    if STATIC not in path.parents or not path.is_file():
        return _reply(start_response, "404 Not Found", {"ok": False, "error": "not found"})
    body = path.read_bytes()
    kind = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body))),
                              ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff")])
    return [body]
