"""The loopback Slack's HTTP side: a ThreadingHTTPServer routing /api/<method>, /response/<token>, /upload/<id>.

`Serving` (a FakeSlack mixin) parses arguments like Slack, checks the token and required arguments, runs
the method's handler under the lock, records the call and answers Slack's JSON; a bug in the fake answers
like an outage (500 internal_error) with the traceback in the log.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from bot.sandbox.slack.methods.common import REQUIRED_ARGS, SlackError
from bot.sandbox.slack.transcript import RawFailure

if TYPE_CHECKING:
    from bot.sandbox.slack.fake import FakeSlack

log = logging.getLogger(__name__)

_JSON_ARGS = ("blocks", "view", "attachments", "metadata", "files")


class Serving:
    """Request handling: parse, authenticate, dispatch, record (a FakeSlack mixin)."""

    def _api(self, method: str, query: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict, bytes]:
        return self._serve(method, f"/api/{method}",
                           lambda: _parse_args(headers.get("Content-Type", ""), query, body),
                           lambda args, extra: self._dispatch(method, args, headers, extra))

    def _respond(self, token: str, body: bytes) -> tuple[int, dict, bytes]:
        def work(args: dict, extra: dict[str, str]) -> dict:
            self._take_failure("response_url", extra)
            return self._post_to_response_url(token, args)

        return self._serve("response_url", f"/response/{token}", lambda: _parse_json_body(body), work)

    def _serve(self, method: str, url: str, parse: Callable[[], dict],
               work: Callable[[dict, dict[str, str]], dict]) -> tuple[int, dict, bytes]:
        if self.latency:
            time.sleep(self.latency)
        args: dict = {}
        headers = {"Content-Type": "application/json; charset=utf-8"}
        raw: bytes | None = None
        with self._cond:
            try:
                args = parse()
                status, response = 200, work(args, headers)
            except SlackError as error:
                status, response = error.status, error.body()
            except RawFailure as failure:
                status, response, raw = failure.status, {"ok": False, "error": failure.text}, failure.text.encode()
                headers["Content-Type"] = "text/html; charset=utf-8"
            except Exception as error:
                # A bug in the fake: answer like a Slack outage but keep the traceback in the log.
                log.exception("fake slack failed on %s", method)
                status, response = 500, {"ok": False, "error": "internal_error", "fake_exception": repr(error)}
            self._record(method, args, response, status, url)
        self._flush()
        return status, headers, raw if raw is not None else json.dumps(response).encode()

    def _dispatch(self, method: str, args: dict, headers: Mapping[str, str], extra_headers: dict[str, str]
                  ) -> dict:
        token = args.pop("token", None)  # never keep a credential in the transcript
        handler = self._methods.get(method)
        if handler is None:
            raise SlackError("unknown_method")
        self._take_failure(method, extra_headers)
        if method == "oauth.v2.access":  # client id and secret, not a token
            return {"ok": True, **self._oauth_v2_access(args)}
        bearer = headers.get("Authorization", "")
        token = bearer[7:].strip() if bearer.lower().startswith("bearer ") else token
        if not token:
            raise SlackError("not_authed")
        if (method == "apps.connections.open") != str(token).startswith("xapp-"):
            raise SlackError("not_allowed_token_type")  # app-level tokens open sockets and do nothing else
        install = self.install_for(str(token))
        if method != "apps.connections.open" and token != self.bot_token and install is None:
            raise SlackError("invalid_auth")
        self._current_install = install
        if install is not None:
            self.token_teams.append((method, install.team_id))
        for name in REQUIRED_ARGS[method]:
            if args.get(name) in (None, ""):
                if name == "channel":
                    raise SlackError("channel_not_found")
                raise SlackError("invalid_arguments", messages=[f"[ERROR] missing required field: {name}"])
        return {"ok": True, **handler(args)}


def _parse_json_body(body: bytes) -> dict:
    try:
        args = json.loads(body or b"{}")
    except ValueError as error:
        raise SlackError("invalid_payload", status=400) from error
    if not isinstance(args, dict):
        raise SlackError("invalid_payload", status=400)
    return args


def _parse_args(content_type: str, query: str, body: bytes) -> dict:
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media = content_type.split(";")[0].strip().lower()
    if body:
        if media == "application/json":
            try:
                data = json.loads(body)
            except ValueError as error:
                raise SlackError("invalid_json") from error
            if not isinstance(data, dict):
                raise SlackError("invalid_json")
            args.update(data)
        elif media in ("application/x-www-form-urlencoded", ""):
            args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            raise SlackError("invalid_form_data")
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str) and args[key]:
            try:
                args[key] = json.loads(args[key])
            except ValueError as error:
                raise SlackError("invalid_blocks_format" if key == "blocks" else "invalid_arguments",
                                  messages=[f"[ERROR] `{key}` is not valid JSON"]) from error
    return args


class SlackHTTPServer(ThreadingHTTPServer):
    """The HTTP server, with the FakeSlack it serves."""

    daemon_threads = True
    # Benchmarks fire many concurrent requests; the default backlog of 5 would refuse some.
    request_queue_size = 256
    fake: FakeSlack


class SlackHTTPHandler(BaseHTTPRequestHandler):
    """Routes a request to the FakeSlack and writes its answer."""

    server: SlackHTTPServer

    def do_POST(self) -> None:
        """Web API methods at /api/<method>; response URLs at /response/<token>."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self._route(body)

    def do_GET(self) -> None:
        """Web API methods also answer GET with query arguments, as Slack's do."""
        self._route(b"")

    def _route(self, body: bytes) -> None:
        url = urlsplit(self.path)
        fake = self.server.fake
        if url.path.startswith("/api/"):
            status, headers, payload = fake._api(url.path[len("/api/"):], url.query, self.headers, body)
        elif url.path.startswith("/response/") and self.command == "POST":
            status, headers, payload = fake._respond(url.path[len("/response/"):], body)
        elif url.path.startswith("/upload/") and self.command == "POST":
            status, headers, payload = fake._receive_upload(url.path[len("/upload/"):], body)
        else:
            status, headers, payload = 404, {"Content-Type": "text/plain"}, b"not found"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the transcript is the log."""
