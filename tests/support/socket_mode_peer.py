"""A loopback stand-in for Slack's Socket Mode WebSocket: the app connects, tests send envelopes and read acks.

    with FakeSlack() as fake, FakeSocketMode() as peer:
        fake.socket_mode_url = peer.url        # what apps.connections.open answers for an xapp- token
        ...start `okrbot socket` with SLACK_APP_TOKEN=xapp-… and SLACK_API_URL=fake.base_url...
        assert peer.connected.wait(10)
        envelope_id = peer.send_request(slash_command(...))
        ack = peer.wait_for_ack(envelope_id)   # {"envelope_id": ..., "payload": {...}?}

The WebSocket itself (handshake, framing, masking, fragments, ping/pong, closing) is the `websockets`
library's server; this module adds Slack's protocol on top: only URLs handed out by `url` (a ticket, as
apps.connections.open gives) may connect, a `hello` on connect, envelopes, acks, and `disconnect` requests
that make the app fetch a new URL. It speaks plain ws:// (slack_sdk's built-in client does too, for any
port but 443). Test-only: the product never imports it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.sync.server import Server, ServerConnection, serve

from bot.sandbox.slack.payloads import DEFAULT_APP_ID, FORM, Built

log = logging.getLogger(__name__)

MAX_MESSAGE = 1 << 24  # a sane cap: Slack's own payloads are far smaller
CLOSE_TIMEOUT = 2.0  # seconds to wait for a client's answer to our close frame
# Slack sets accepts_response_payload for the requests whose ack may carry an answer.
_ANSWERABLE_INTERACTIONS = ("view_submission", "block_suggestion")
# websockets' terse reasons for failing a connection, said plainly for failure messages.
_PLAINLY = {"incorrect masking": "incorrect masking: frames from the client must be masked"}


@dataclass
class _Link:
    """One WebSocket that completed its handshake."""

    number: int
    ticket: str
    connection: ServerConnection
    closed_by_us: bool = False
    pongs: dict[bytes, threading.Event] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return self.connection.state is State.OPEN

    @property
    def close_code(self) -> int | None:
        """The close code the client sent (None: no close frame from it)."""
        received = self.connection.protocol.close_rcvd
        return received.code if received is not None else None


class FakeSocketMode:
    """Slack's Socket Mode endpoint on 127.0.0.1: handshake, hello, envelopes out, acks in, transcript."""

    def __init__(self, *, app_id: str = DEFAULT_APP_ID, port: int = 0, hello: bool = True) -> None:
        self.app_id, self.hello = app_id, hello
        self._port = port
        self.connected = threading.Event()  # set once the first client has completed the handshake
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._links: list[_Link] = []
        self._received: list[dict] = []  # every JSON text message the app sent, oldest first
        self._acks: dict[str, dict] = {}
        self._sent: dict[str, dict] = {}
        self._errors: list[str] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------------- lifecycle

    def start(self) -> FakeSocketMode:
        """Listen on 127.0.0.1 (an ephemeral port unless one was given) in a daemon thread."""
        peer = self

        class Connection(ServerConnection):
            def send_data(self) -> None:
                # Runs before websockets sends the close frame that fails a connection, so the reason is
                # recorded before the client can see the close.
                peer._note_failure(self)
                super().send_data()

        self._server = serve(self._serve, "127.0.0.1", self._port, process_request=self._check_handshake,
                             process_response=self._note_refusal, compression=None, ping_interval=None,
                             close_timeout=CLOSE_TIMEOUT, max_size=MAX_MESSAGE, create_connection=Connection,
                             logger=log)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-socket-mode", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection (with a 1001 going-away frame) and stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        with self._cond:
            for link in self._links:
                link.closed_by_us = True
        server.shutdown(code=1001)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSocketMode:
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on (after start())."""
        if self._server is None:
            raise RuntimeError("FakeSocketMode is not started")
        return int(self._server.socket.getsockname()[1])

    @property
    def url(self) -> str:
        """A connection URL with a new ticket, shaped like apps.connections.open's `url` (but ws://)."""
        ticket = str(uuid.uuid4())
        with self._cond:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # ----------------------------------------------------------------------- what Slack sends

    def send_envelope(self, type: str, payload: Mapping[str, Any], *,  # noqa: A002 - Slack's field name
                      accepts_response_payload: bool | None = None, retry_attempt: int = 0,
                      retry_reason: str = "", envelope_id: str | None = None, timeout: float = 5.0) -> str:
        """Send one envelope (`slash_commands`, `events_api` or `interactive`) on the newest connection.

        accepts_response_payload defaults as Slack sets it: true for slash commands, view submissions
        and block suggestions. retry_attempt/retry_reason are sent on events_api envelopes only, as
        Slack does. Returns the envelope_id to pass to wait_for_ack().
        """
        envelope_id = envelope_id or str(uuid.uuid4())
        if accepts_response_payload is None:
            accepts_response_payload = type == "slash_commands" or (
                type == "interactive" and payload.get("type") in _ANSWERABLE_INTERACTIONS)
        envelope: dict[str, Any] = {"envelope_id": envelope_id, "payload": dict(payload), "type": type,
                                    "accepts_response_payload": accepts_response_payload}
        if type == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        with self._cond:
            self._sent[envelope_id] = envelope
        self._send_json(envelope, timeout)
        return envelope_id

    def send_request(self, built: Built, **options: Any) -> str:
        """Send a request made by bot.sandbox.slack.payloads (slash_command, event_callback, block_actions...)
        as the envelope Slack would use for it; `options` as for send_envelope."""
        kind, payload = envelope_of(built)
        return self.send_envelope(kind, payload, **options)

    def send_disconnect(self, reason: str = "refresh_requested", timeout: float = 5.0) -> None:
        """Ask the app to move to a new URL, as Slack does every few hours (`warning`, `refresh_requested`)."""
        self._send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}, timeout)

    def ping(self, payload: bytes = b"", timeout: float = 5.0) -> None:
        """Send a ping on the newest connection (the client must answer with a pong)."""
        link = self._newest(timeout)
        link.pongs[payload] = link.connection.ping(payload)

    def close_connections(self, code: int = 1001, reason: str = "") -> None:
        """Close every open connection from Slack's side (the app should reconnect); does not wait."""
        with self._cond:
            links = [link for link in self._links if link.open]
            for link in links:
                link.closed_by_us = True
        for link in links:
            threading.Thread(target=link.connection.close, args=(code, reason), name="fake-socket-mode-close",
                             daemon=True).start()

    # ----------------------------------------------------------------------- what the app sent

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict:
        """Block until the app acknowledges `envelope_id`; return its ack ({"envelope_id", "payload"?})."""
        self._wait(lambda: envelope_id in self._acks, timeout, f"an ack of envelope {envelope_id}")
        with self._cond:
            return dict(self._acks[envelope_id])

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> None:
        """Block until `count` handshakes have completed in all (reconnections included)."""
        self._wait(lambda: len(self._links) >= count, timeout, f"{count} connection(s)")

    def wait_for_pong(self, payload: bytes, timeout: float = 5.0) -> None:
        """Block until the client has answered a ping (sent with ping()) carrying `payload`."""
        with self._cond:
            waiters = [link.pongs[payload] for link in self._links if payload in link.pongs]
        if not any(waiter.wait(timeout) for waiter in waiters):
            self._fail(f"a pong of {payload!r}", timeout)

    def acks(self) -> list[dict]:
        """Every ack received, oldest first."""
        with self._cond:
            return [dict(ack) for ack in self._acks.values()]

    def received(self) -> list[dict]:
        """Every JSON text message the app sent (acks and anything else), oldest first."""
        with self._cond:
            return [dict(message) for message in self._received]

    @property
    def connection_count(self) -> int:
        """How many handshakes have completed (a reconnection adds one)."""
        with self._cond:
            return len(self._links)

    @property
    def open_connections(self) -> int:
        """How many connections are open now."""
        with self._cond:
            return sum(1 for link in self._links if link.open)

    def close_codes(self) -> list[int | None]:
        """For each connection, oldest first: the close code the client sent (None: no close frame yet)."""
        with self._cond:
            return [link.close_code for link in self._links]

    @property
    def errors(self) -> list[str]:
        """Protocol errors the peer saw (bad handshakes, unmasked frames...), for failure messages."""
        with self._cond:
            return list(self._errors)

    # ----------------------------------------------------------------------- internals

    def _wait(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        with self._cond:
            if self._cond.wait_for(ready, timeout):
                return
        self._fail(what, timeout)

    def _fail(self, what: str, timeout: float) -> None:
        with self._cond:
            sent = [f"{e['type']} {e['envelope_id']}" for e in self._sent.values()]
            got = [json.dumps(m)[:160] for m in self._received[-20:]]
            errors = list(self._errors)
        raise AssertionError(f"expected {what} within {timeout}s. Envelopes sent: {sent or 'none'}; messages "
                             f"from the app: {got or 'none'}; protocol errors: {errors or 'none'}")

    def _newest(self, timeout: float) -> _Link:
        self._wait(lambda: any(link.open for link in self._links), timeout, "an open connection")
        with self._cond:
            return next(link for link in reversed(self._links) if link.open)

    def _send_json(self, message: Mapping[str, Any], timeout: float) -> None:
        self._newest(timeout).connection.send(json.dumps(message))

    def _check_handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse what Slack would refuse before websockets upgrades the connection (None: may upgrade)."""
        url = urlsplit(request.path)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._cond:
            known = ticket in self._tickets
        problem = _handshake_problem(url.path, request.headers, known)
        if problem is None:
            return None
        status, reason = problem
        self._error(f"handshake refused ({status}): {reason}")
        response = connection.respond(status, reason)
        if status == HTTPStatus.UPGRADE_REQUIRED:
            response.headers["Sec-WebSocket-Version"] = "13"
        return response

    def _note_refusal(self, connection: ServerConnection, request: Request, response: Response) -> None:
        """Record a handshake websockets itself refused (a malformed Sec-WebSocket-Key...)."""
        refused = connection.protocol.handshake_exc
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS and refused is not None:
            self._error(f"handshake refused ({response.status_code}): {refused}")

    def _serve(self, connection: ServerConnection) -> None:
        """One connection, from hello to close: every text message is recorded, acks by envelope id."""
        ticket = (parse_qs(urlsplit(connection.request.path if connection.request else "").query)
                  .get("ticket") or [""])[0]
        with self._cond:
            link = _Link(len(self._links) + 1, ticket, connection)
            if self.hello:
                # Sent before the connection becomes visible, so nothing can overtake it.
                with contextlib.suppress(ConnectionClosed):
                    connection.send(json.dumps(self._hello()))
            self._links.append(link)
            self._cond.notify_all()
        self.connected.set()
        try:
            while True:
                self._message(connection.recv())
        except ConnectionClosed:
            pass  # the client left, we closed it, or websockets failed it (recorded in _note_failure)
        finally:
            with self._cond:
                self._cond.notify_all()

    def _note_failure(self, connection: ServerConnection) -> None:
        """Record why websockets is failing a connection (an unmasked frame, bad UTF-8...), once."""
        failure = connection.protocol.parser_exc
        if failure is None or getattr(connection, "_failure_noted", False):
            return
        connection._failure_noted = True  # type: ignore[attr-defined]
        with self._cond:
            number = next((link.number for link in self._links if link.connection is connection), 0)
        self._error(f"connection {number}: {_PLAINLY.get(str(failure), failure)}")

    def _hello(self) -> dict:
        return {"type": "hello", "num_connections": sum(1 for link in self._links if link.open) + 1,
                "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id}}

    def _message(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            self._error("the app sent a binary message (Slack expects JSON text)")
            return
        try:
            message = json.loads(data)
        except ValueError:
            self._error(f"the app sent text that is not JSON: {data[:80]!r}")
            return
        with self._cond:
            self._received.append(message)
            if isinstance(message, dict) and message.get("envelope_id"):
                if message["envelope_id"] in self._acks:
                    self._errors.append(f"envelope {message['envelope_id']} acknowledged twice")
                self._acks.setdefault(message["envelope_id"], message)
            self._cond.notify_all()

    def _error(self, text: str) -> None:
        log.info("fake socket mode: %s", text)
        with self._cond:
            self._errors.append(text)


def _handshake_problem(path: str, headers: Any, known_ticket: bool) -> tuple[int, str] | None:
    """What Slack's endpoint would refuse in an opening handshake, as (HTTP status, reason); None if fine.

    websockets checks the same headers itself, but answers some of them differently (426 for a missing
    Upgrade); these are the answers the tests pin. The key's accept value and framing are websockets' own.
    """
    if path.rstrip("/") != "/link":
        return 404, f"no WebSocket at {path}"
    if not known_ticket:
        return 401, "unknown ticket: call apps.connections.open for a URL"
    connection = [part.strip().lower() for part in headers.get("Connection", "").split(",")]
    if headers.get("Upgrade", "").lower() != "websocket" or "upgrade" not in connection:
        return 400, "missing Upgrade: websocket / Connection: Upgrade"
    if headers.get("Sec-WebSocket-Version") != "13":
        return 426, "Sec-WebSocket-Version must be 13"
    return None


def envelope_of(built: Built) -> tuple[str, dict]:
    """(envelope type, payload) Slack would use over Socket Mode for a request built for HTTP."""
    content_type, body = built
    if content_type == FORM:
        fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if set(fields) == {"payload"}:
            return "interactive", json.loads(fields["payload"])
        return "slash_commands", fields
    return "events_api", json.loads(body)
