"""A loopback stand-in for Slack's Socket Mode WebSocket: the app connects, tests send envelopes and read acks.

    with FakeSlack() as fake, FakeSocketMode() as peer:
        fake.socket_mode_url = peer.url        # what apps.connections.open answers for an xapp- token
        ...start `okrbot socket` with SLACK_APP_TOKEN=xapp-… and SLACK_API_URL=fake.base_url...
        assert peer.connected.wait(10)
        envelope_id = peer.send_request(slash_command(...))
        ack = peer.wait_for_ack(envelope_id)   # {"envelope_id": ..., "payload": {...}?}

The server side of RFC 6455 with the standard library (handshake, unmasked frames out, masked frames in,
fragments, ping/pong, close) and Slack's protocol on top: a `hello` on connect, envelopes, acks, and
`disconnect` requests that make the app fetch a new URL. It speaks plain ws:// (slack_sdk's built-in
client does too, for any port but 443).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import logging
import socket
import struct
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from bot.sandbox.slack.payloads import DEFAULT_APP_ID, FORM, Built

log = logging.getLogger(__name__)

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_HANDSHAKE = 16_384
MAX_MESSAGE = 1 << 24  # a sane cap: Slack's own payloads are far smaller
# Slack sets accepts_response_payload for the requests whose ack may carry an answer.
_ANSWERABLE_INTERACTIONS = ("view_submission", "block_suggestion")


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a client's Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()  # noqa: S324 (RFC 6455)


def encode_frame(opcode: int, payload: bytes = b"", *, mask: bytes | None = None, fin: bool = True) -> bytes:
    """One WebSocket frame; servers send unmasked frames, clients pass a 4-byte `mask`."""
    length = len(payload)
    mask_bit = 0x80 if mask else 0
    header = bytes([(0x80 if fin else 0) | opcode])
    if length <= 125:
        header += bytes([mask_bit | length])
    elif length <= 0xFFFF:
        header += bytes([mask_bit | 126]) + struct.pack("!H", length)
    else:
        header += bytes([mask_bit | 127]) + struct.pack("!Q", length)
    if mask:
        payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        header += mask
    return header + payload


@dataclass(frozen=True)
class Frame:
    """One frame as read off the wire (payload already unmasked)."""

    fin: bool
    rsv: int
    opcode: int
    masked: bool
    payload: bytes


def read_frame(read: Callable[[int], bytes]) -> Frame:
    """Read one frame with `read(n)` (exactly n bytes or ConnectionError)."""
    first, second = read(2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", read(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", read(8))
    if length > MAX_MESSAGE:
        raise ProtocolError(1009, "frame too big")
    masked = bool(second & 0x80)
    mask = read(4) if masked else b""
    payload = read(length) if length else b""
    if masked:
        payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return Frame(bool(first & 0x80), first & 0x70, first & 0x0F, masked, payload)


class ProtocolError(Exception):
    """The client broke RFC 6455: the connection is closed with `code`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class _Connection:
    """One accepted WebSocket: frames are sent under a lock (acks and pongs may race)."""

    def __init__(self, sock: socket.socket, number: int, ticket: str) -> None:
        self.sock, self.number, self.ticket = sock, number, ticket
        self.open = True
        self.close_code: int | None = None
        self._lock = threading.Lock()

    def read(self, count: int) -> bytes:
        data = bytearray()
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the client went away")
            data += chunk
        return bytes(data)

    def send(self, opcode: int, payload: bytes = b"") -> None:
        with self._lock:
            self.sock.sendall(encode_frame(opcode, payload))

    def shut(self) -> None:
        self.open = False
        for step in (lambda: self.sock.shutdown(socket.SHUT_RDWR), self.sock.close):
            with contextlib.suppress(OSError):  # already gone: closing twice is fine
                step()


class FakeSocketMode:
    """Slack's Socket Mode endpoint on 127.0.0.1: handshake, hello, envelopes out, acks in, transcript."""

    def __init__(self, *, app_id: str = DEFAULT_APP_ID, port: int = 0, hello: bool = True) -> None:
        self.app_id, self.hello = app_id, hello
        self._port = port
        self.connected = threading.Event()  # set once the first client has completed the handshake
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._received: list[dict] = []  # every JSON text message the app sent, oldest first
        self._acks: dict[str, dict] = {}
        self._sent: dict[str, dict] = {}
        self._pongs: list[bytes] = []
        self._errors: list[str] = []
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # ----------------------------------------------------------------------- lifecycle

    def start(self) -> FakeSocketMode:
        """Listen on 127.0.0.1 (an ephemeral port unless one was given) in a daemon thread."""
        listener = socket.create_server(("127.0.0.1", self._port))
        listener.settimeout(0.05)  # so stop() is noticed quickly
        self._listener = listener
        self._spawn(self._accept_loop, "fake-socket-mode")
        return self

    def stop(self) -> None:
        """Close every connection (with a 1001 going-away frame) and stop listening."""
        self._stopping.set()
        with self._cond:
            connections = list(self._connections)
        for connection in connections:
            if connection.open:
                with contextlib.suppress(OSError):  # the client may have left already
                    connection.send(OP_CLOSE, struct.pack("!H", 1001))
            connection.shut()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> FakeSocketMode:
        return self.start() if self._listener is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on (after start())."""
        if self._listener is None:
            raise RuntimeError("FakeSocketMode is not started")
        return int(self._listener.getsockname()[1])

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
        self._newest(timeout).send(OP_PING, payload)

    def close_connections(self, code: int = 1001, reason: str = "") -> None:
        """Close every open connection from Slack's side (the app should reconnect)."""
        with self._cond:
            connections = [c for c in self._connections if c.open]
        for connection in connections:
            try:
                connection.send(OP_CLOSE, struct.pack("!H", code) + reason.encode())
            except OSError:
                connection.shut()

    # ----------------------------------------------------------------------- what the app sent

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict:
        """Block until the app acknowledges `envelope_id`; return its ack ({"envelope_id", "payload"?})."""
        self._wait(lambda: envelope_id in self._acks, timeout, f"an ack of envelope {envelope_id}")
        with self._cond:
            return dict(self._acks[envelope_id])

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> None:
        """Block until `count` handshakes have completed in all (reconnections included)."""
        self._wait(lambda: len(self._connections) >= count, timeout, f"{count} connection(s)")

    def wait_for_pong(self, payload: bytes, timeout: float = 5.0) -> None:
        """Block until the client has answered a ping carrying `payload`."""
        self._wait(lambda: payload in self._pongs, timeout, f"a pong of {payload!r}")

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
            return len(self._connections)

    @property
    def open_connections(self) -> int:
        """How many connections are open now."""
        with self._cond:
            return sum(1 for c in self._connections if c.open)

    def close_codes(self) -> list[int | None]:
        """For each connection, oldest first: the close code the client sent (None: no close frame yet)."""
        with self._cond:
            return [c.close_code for c in self._connections]

    @property
    def errors(self) -> list[str]:
        """Protocol errors the peer saw (bad handshakes, unmasked frames...), for failure messages."""
        with self._cond:
            return list(self._errors)

    # ----------------------------------------------------------------------- internals

    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _wait(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        with self._cond:
            if self._cond.wait_for(ready, timeout):
                return
            sent = [f"{e['type']} {e['envelope_id']}" for e in self._sent.values()]
            got = [json.dumps(m)[:160] for m in self._received[-20:]]
            errors = list(self._errors)
        raise AssertionError(f"expected {what} within {timeout}s. Envelopes sent: {sent or 'none'}; messages "
                             f"from the app: {got or 'none'}; protocol errors: {errors or 'none'}")

    def _newest(self, timeout: float) -> _Connection:
        self._wait(lambda: any(c.open for c in self._connections), timeout, "an open connection")
        with self._cond:
            return next(c for c in reversed(self._connections) if c.open)

    def _send_json(self, message: Mapping[str, Any], timeout: float) -> None:
        self._newest(timeout).send(OP_TEXT, json.dumps(message).encode())

    def _accept_loop(self) -> None:
        listener = self._listener
        while listener is not None and not self._stopping.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # stop() closed the listener
            sock.settimeout(None)
            self._spawn(self._serve, "fake-socket-mode-connection", sock)

    def _serve(self, sock: socket.socket) -> None:
        connection = self._handshake(sock)
        if connection is None:
            return
        try:
            self._read_loop(connection)
        except ProtocolError as error:
            self._error(f"connection {connection.number}: {error.reason}")
            with contextlib.suppress(OSError):  # it may have left already
                connection.send(OP_CLOSE, struct.pack("!H", error.code) + error.reason.encode()[:120])
        except (ConnectionError, OSError, ValueError):
            pass  # the client went away (or stop() shut the socket)
        finally:
            connection.shut()
            with self._cond:
                self._cond.notify_all()

    def _handshake(self, sock: socket.socket) -> _Connection | None:
        sock.settimeout(5)
        request = b""
        try:
            while b"\r\n\r\n" not in request:
                chunk = sock.recv(1024)
                if not chunk or len(request) > MAX_HANDSHAKE:
                    raise ConnectionError("incomplete handshake")
                request += chunk
        except OSError:
            sock.close()
            return None
        sock.settimeout(None)
        head, _, rest = request.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, _, target = lines[0].partition(" ")
        target = target.rsplit(" ", 1)[0]
        headers = {name.strip().lower(): value.strip()
                   for name, _, value in (line.partition(":") for line in lines[1:])}
        url = urlsplit(target)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._cond:
            known = ticket in self._tickets
        problem = _handshake_problem(method, url.path, headers, known)
        if problem:
            status, reason = problem
            self._error(f"handshake refused ({status}): {reason}")
            extra = "Sec-WebSocket-Version: 13\r\n" if status == 426 else ""
            body = reason.encode()
            sock.sendall(f"HTTP/1.1 {status} {_REASONS[status]}\r\n{extra}Content-Type: text/plain\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            sock.close()
            return None
        if rest:
            self._error("the client sent frames before the handshake answer")
        sock.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Accept: {accept_key(headers['sec-websocket-key'])}\r\n\r\n").encode())
        with self._cond:
            connection = _Connection(sock, len(self._connections) + 1, ticket)
            if self.hello:
                # Sent before the connection becomes visible, so nothing can overtake it.
                connection.send(OP_TEXT, json.dumps(self._hello()).encode())
            self._connections.append(connection)
            self._cond.notify_all()
        self.connected.set()
        return connection

    def _hello(self) -> dict:
        return {"type": "hello", "num_connections": sum(1 for c in self._connections if c.open) + 1,
                "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id}}

    def _read_loop(self, connection: _Connection) -> None:
        message: bytearray | None = None
        message_opcode = OP_TEXT
        while True:
            frame = read_frame(connection.read)
            if not frame.masked:
                raise ProtocolError(1002, "frames from the client must be masked")
            if frame.rsv:
                raise ProtocolError(1002, "reserved bits set without an extension")
            if frame.opcode >= OP_CLOSE:
                if not frame.fin or len(frame.payload) > 125:
                    raise ProtocolError(1002, "control frames must be whole and at most 125 bytes")
                if self._control(connection, frame):
                    return
                continue
            if frame.opcode == OP_CONTINUATION:
                if message is None:
                    raise ProtocolError(1002, "continuation without a message")
                message += frame.payload
            elif frame.opcode in (OP_TEXT, OP_BINARY):
                if message is not None:
                    raise ProtocolError(1002, "a new message inside a fragmented one")
                message, message_opcode = bytearray(frame.payload), frame.opcode
            else:
                raise ProtocolError(1002, f"unknown opcode {frame.opcode}")
            if frame.fin:
                self._message(message_opcode, bytes(message))
                message = None

    def _control(self, connection: _Connection, frame: Frame) -> bool:
        """Answer a control frame; True once the connection is closed."""
        if frame.opcode == OP_PING:
            connection.send(OP_PONG, frame.payload)
        elif frame.opcode == OP_PONG:
            with self._cond:
                self._pongs.append(frame.payload)
                self._cond.notify_all()
        elif frame.opcode == OP_CLOSE:
            code = struct.unpack("!H", frame.payload[:2])[0] if len(frame.payload) >= 2 else 1005
            with self._cond:
                connection.close_code = code
            with contextlib.suppress(OSError):  # it may not wait for our answer
                connection.send(OP_CLOSE, frame.payload[:2])  # echo the code, as RFC 6455 asks
            return True
        else:
            raise ProtocolError(1002, f"unknown control opcode {frame.opcode}")
        return False

    def _message(self, opcode: int, data: bytes) -> None:
        if opcode == OP_BINARY:
            self._error("the app sent a binary message (Slack expects JSON text)")
            return
        try:
            message = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise ProtocolError(1007, "text message is not UTF-8") from error
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


_REASONS = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            426: "Upgrade Required"}


def _handshake_problem(method: str, path: str, headers: Mapping[str, str], known_ticket: bool
                       ) -> tuple[int, str] | None:
    """What is wrong with an opening handshake, as (HTTP status, reason); None if it may upgrade."""
    if method != "GET":
        return 405, "the opening handshake must be a GET"
    if path.rstrip("/") != "/link":
        return 404, f"no WebSocket at {path}"
    if not known_ticket:
        return 401, "unknown ticket: call apps.connections.open for a URL"
    if headers.get("upgrade", "").lower() != "websocket" or \
            "upgrade" not in [p.strip().lower() for p in headers.get("connection", "").split(",")]:
        return 400, "missing Upgrade: websocket / Connection: Upgrade"
    if headers.get("sec-websocket-version") != "13":
        return 426, "Sec-WebSocket-Version must be 13"
    try:
        key = base64.b64decode(headers.get("sec-websocket-key", ""), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 16:
        return 400, "Sec-WebSocket-Key must be 16 random bytes in base64"
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
