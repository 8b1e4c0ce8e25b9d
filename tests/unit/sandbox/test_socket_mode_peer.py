"""FakeSocketMode speaks RFC 6455 (websockets) and Slack's Socket Mode as slack_sdk's built-in client expects."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.utils import accept_key

from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.payloads import block_actions, event_callback, slash_command
from tests.support.socket_mode_peer import FakeSocketMode, envelope_of

APP_TOKEN = "xapp-1-A0OKRBOT01-1-test"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def peer(slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as running:
        slack.socket_mode_url = running.url
        yield running


class Recorder:
    """What slack_sdk's client hands its listeners: raw messages, requests, close codes."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.requests: list[SocketModeRequest] = []
        self.closes: list[int] = []
        self.changed = threading.Condition()

    def on_message(self, client: SocketModeClient, message: dict, raw: str | None) -> None:
        with self.changed:
            self.messages.append(message)
            self.changed.notify_all()

    def on_request(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        with self.changed:
            self.requests.append(request)
            self.changed.notify_all()
        answer = {"text": f"ok {request.type}"} if request.accepts_response_payload else None
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id, payload=answer))

    def on_close(self, code: int, reason: str | None) -> None:
        with self.changed:
            self.closes.append(code)
            self.changed.notify_all()

    def wait(self, ready: object, timeout: float = 5.0) -> None:
        with self.changed:
            assert self.changed.wait_for(ready, timeout)  # type: ignore[arg-type]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(slack: FakeSlack, peer: FakeSocketMode, recorder: Recorder) -> Iterator[SocketModeClient]:
    """slack_sdk's built-in client (what Bolt's SocketModeHandler uses), connected through apps.connections.open."""
    sdk = SocketModeClient(app_token=APP_TOKEN, web_client=WebClient(base_url=slack.base_url), ping_interval=1,
                           on_close_listeners=[recorder.on_close])
    sdk.message_listeners.append(recorder.on_message)
    sdk.socket_mode_request_listeners.append(recorder.on_request)
    sdk.connect()
    try:
        yield sdk
    finally:
        # The peer hangs up first: otherwise close() waits out the client's 3-second receive timeout.
        sdk.auto_reconnect_enabled = False
        peer.stop()
        sdk.close()


# A hand-rolled RFC 6455 codec for RawClient: websockets' own client would never send a broken frame.
OP_CONTINUATION, OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x8, 0x9, 0xA


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
    opcode: int
    masked: bool
    payload: bytes


def read_frame(read: Callable[[int], bytes]) -> Frame:
    """Read one frame with `read(n)` (exactly n bytes)."""
    first, second = read(2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", read(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", read(8))
    masked = bool(second & 0x80)
    mask = read(4) if masked else b""
    payload = read(length) if length else b""
    if masked:
        payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return Frame(bool(first & 0x80), first & 0x0F, masked, payload)


class RawClient:
    """A hand-rolled WebSocket client, to send what slack_sdk never would."""

    def __init__(self, peer: FakeSocketMode, url: str | None = None) -> None:
        self.url = urlsplit(url or peer.url)
        self.sock = socket.create_connection(("127.0.0.1", peer.port), timeout=5)

    def handshake(self, **headers: str) -> tuple[int, dict[str, str]]:
        fields = {"Host": "127.0.0.1", "Upgrade": "websocket", "Connection": "Upgrade",
                  "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(), "Sec-WebSocket-Version": "13",
                  **{name.replace("_", "-"): value for name, value in headers.items()}}
        lines = [f"GET {self.url.path}?{self.url.query} HTTP/1.1", *(f"{k}: {v}" for k, v in fields.items() if v)]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = self.sock.recv(1)
            assert chunk, "the peer closed during the handshake"
            answer += chunk
        status_line, *rest = answer.decode().split("\r\n")
        return int(status_line.split()[1]), {k.lower(): v.strip() for k, _, v in (r.partition(":") for r in rest) if k}

    def send(self, opcode: int, payload: bytes = b"", *, masked: bool = True, fin: bool = True) -> None:
        self.sock.sendall(encode_frame(opcode, payload, mask=os.urandom(4) if masked else None, fin=fin))

    def read(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def frame(self) -> Frame:
        return read_frame(self.read)

    def close(self) -> None:
        self.sock.close()


# --------------------------------------------------------------------------- frames


def test_accept_key_matches_the_rfc_example() -> None:
    """Sec-WebSocket-Accept for RFC 6455's sample key is the RFC's answer."""
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.parametrize("size", [0, 125, 126, 65_535, 65_536])
@pytest.mark.parametrize("mask", [None, b"\x01\x02\x03\x04"])
def test_frames_round_trip_at_every_length_encoding(size: int, mask: bytes | None) -> None:
    """RawClient's codec: 7-bit, 16-bit and 64-bit lengths, masked or not, read back as written."""
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    wire = encode_frame(OP_TEXT, payload, mask=mask)
    offset = 0

    def read(count: int) -> bytes:
        nonlocal offset
        offset += count
        return wire[offset - count:offset]

    frame = read_frame(read)
    assert (frame.fin, frame.opcode, frame.masked, frame.payload) == (True, OP_TEXT, mask is not None, payload)
    assert offset == len(wire)


def test_envelope_of_picks_slacks_envelope_types() -> None:
    """Commands are slash_commands (fields), interactions interactive (the JSON payload), events events_api."""
    command = envelope_of(slash_command("T1", "U1", "/okr", "help", channel_id="C1", response_url="http://x/r"))
    assert command[0] == "slash_commands" and command[1]["command"] == "/okr" and command[1]["text"] == "help"
    message = {"ts": "1.000001", "blocks": [{"type": "actions", "elements": [
        {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "B"}}]}]}
    click = envelope_of(block_actions("T1", "U1", [{"action_id": "b"}], channel_id="C1", message=message))
    assert click[0] == "interactive" and click[1]["type"] == "block_actions"
    event = envelope_of(event_callback("T1", {"type": "app_home_opened", "user": "U1"}, event_id="Ev1"))
    assert event[0] == "events_api" and event[1]["event_id"] == "Ev1"


# --------------------------------------------------------------------------- with slack_sdk's client


def test_slack_sdk_connects_through_apps_connections_open_and_gets_hello(
        client: SocketModeClient, peer: FakeSocketMode, slack: FakeSlack, recorder: Recorder) -> None:
    """The client fetches the URL with its xapp- token, connects, and reads Slack's hello."""
    assert peer.connected.wait(5)
    recorder.wait(lambda: any(m.get("type") == "hello" for m in recorder.messages))
    hello = next(m for m in recorder.messages if m.get("type") == "hello")
    assert hello["connection_info"]["app_id"] == "A0OKRBOT01" and hello["num_connections"] == 1
    [opened] = slack.calls_to("apps.connections.open")
    assert opened.ok and "token" not in opened.args


def test_an_envelope_is_delivered_and_its_ack_returned(client: SocketModeClient, peer: FakeSocketMode) -> None:
    """send_envelope reaches the client's request listener; wait_for_ack returns what it sent back."""
    envelope_id = peer.send_envelope("slash_commands", {"command": "/okr", "text": "x" * 70_000})
    assert peer.wait_for_ack(envelope_id) == {"envelope_id": envelope_id, "payload": {"text": "ok slash_commands"}}


@pytest.mark.parametrize(("kind", "payload", "accepts"), [
    ("slash_commands", {"command": "/okr"}, True),
    ("interactive", {"type": "view_submission"}, True),
    ("interactive", {"type": "block_actions"}, False),
    ("events_api", {"type": "event_callback"}, False),
])
def test_accepts_response_payload_is_set_as_slack_sets_it(client: SocketModeClient, peer: FakeSocketMode,
                                                          recorder: Recorder, kind: str, payload: dict,
                                                          accepts: bool) -> None:
    """Commands and view submissions may be answered in the ack; clicks and events may not."""
    envelope_id = peer.send_envelope(kind, payload)
    peer.wait_for_ack(envelope_id)
    [request] = [r for r in recorder.requests if r.envelope_id == envelope_id]
    assert request.accepts_response_payload is accepts


def test_events_carry_retry_fields(client: SocketModeClient, peer: FakeSocketMode, recorder: Recorder) -> None:
    """events_api envelopes carry retry_attempt and retry_reason, as Slack's redeliveries do."""
    envelope_id = peer.send_envelope("events_api", {"event_id": "Ev1"}, retry_attempt=2, retry_reason="timeout")
    peer.wait_for_ack(envelope_id)
    [request] = [r for r in recorder.requests if r.envelope_id == envelope_id]
    assert (request.retry_attempt, request.retry_reason) == (2, "timeout")


def test_the_client_answers_a_ping(client: SocketModeClient, peer: FakeSocketMode) -> None:
    """A ping from Slack's side comes back as a pong with the same payload."""
    peer.ping(b"are-you-there")
    peer.wait_for_pong(b"are-you-there")


def test_the_peer_answers_the_clients_pings(client: SocketModeClient, peer: FakeSocketMode) -> None:
    """slack_sdk pings on connect and on every check; the peer's pongs keep the connection fresh."""
    session = client.current_session
    assert session is not None
    deadline = time.monotonic() + 5
    while session.last_ping_pong_time is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert session.last_ping_pong_time is not None


def test_a_disconnect_makes_the_client_fetch_a_new_url(client: SocketModeClient, peer: FakeSocketMode,
                                                        slack: FakeSlack) -> None:
    """`disconnect` (refresh_requested): apps.connections.open again, a second connection, envelopes still flow."""
    peer.send_disconnect("refresh_requested")
    peer.wait_for_connections(2, timeout=10)
    assert len(slack.calls_to("apps.connections.open")) == 2
    envelope_id = peer.send_envelope("events_api", {"event_id": "Ev2"})
    assert peer.wait_for_ack(envelope_id, timeout=10)["envelope_id"] == envelope_id


def test_stop_says_going_away(client: SocketModeClient, peer: FakeSocketMode, recorder: Recorder) -> None:
    """stop() closes each connection with code 1001, which the client reports."""
    assert peer.connected.wait(5)
    client.auto_reconnect_enabled = False
    peer.stop()
    recorder.wait(lambda: 1001 in recorder.closes)


def test_wait_for_ack_names_what_it_waited_for(client: SocketModeClient, peer: FakeSocketMode) -> None:
    """Without an ack in time, the failure names the envelope and lists what was sent."""
    with pytest.raises(AssertionError, match="an ack of envelope never"):
        peer.wait_for_ack("never", timeout=0.1)


def test_sending_without_a_connection_fails_clearly() -> None:
    """An envelope with nobody connected fails with 'an open connection', not a hang."""
    with FakeSocketMode() as lonely, pytest.raises(AssertionError, match="an open connection"):
        lonely.send_envelope("events_api", {}, timeout=0.1)


# --------------------------------------------------------------------------- handshake and protocol rules


@pytest.mark.parametrize(("change", "status"), [
    ({"url": "/link/?ticket=forged"}, 401),
    ({"url": "/elsewhere/?ticket=x"}, 404),
    ({"Upgrade": ""}, 400),
    ({"Sec-WebSocket-Version": "8"}, 426),
    ({"Sec-WebSocket-Key": "c2hvcnQ="}, 400),
])
def test_bad_handshakes_are_refused(peer: FakeSocketMode, change: dict[str, str], status: int) -> None:
    """A forged ticket, a wrong path, no Upgrade, an old version or a short key: refused with an HTTP status."""
    url = change.pop("url", None)
    raw = RawClient(peer, f"ws://127.0.0.1:{peer.port}{url}" if url else None)
    try:
        answer, headers = raw.handshake(**change)
    finally:
        raw.close()
    assert answer == status
    assert peer.connection_count == 0 and peer.errors
    if status == 426:
        assert headers["sec-websocket-version"] == "13"


def test_a_good_handshake_upgrades_with_the_accept_key(peer: FakeSocketMode) -> None:
    """101 Switching Protocols, the right Sec-WebSocket-Accept, then hello as the first frame."""
    raw = RawClient(peer)
    key = base64.b64encode(os.urandom(16)).decode()
    try:
        status, headers = raw.handshake(Sec_WebSocket_Key=key)
        hello = raw.frame()
    finally:
        raw.close()
    assert (status, headers["sec-websocket-accept"]) == (101, accept_key(key))
    assert hello.opcode == OP_TEXT and not hello.masked
    assert json.loads(hello.payload)["type"] == "hello"


def test_an_unmasked_client_frame_closes_with_1002(peer: FakeSocketMode) -> None:
    """Clients must mask their frames: the peer closes with a protocol error and says why."""
    raw = RawClient(peer)
    try:
        raw.handshake()
        raw.frame()  # hello
        raw.send(OP_TEXT, b'{"envelope_id": "e"}', masked=False)
        close = raw.frame()
    finally:
        raw.close()
    assert close.opcode == OP_CLOSE
    assert struct.unpack("!H", close.payload[:2])[0] == 1002
    assert any("masked" in error for error in peer.errors)
    assert peer.acks() == []


def test_a_fragmented_ack_is_reassembled(peer: FakeSocketMode) -> None:
    """A text message split over a continuation frame, with a ping in between, counts as one ack."""
    raw = RawClient(peer)
    try:
        raw.handshake()
        raw.frame()  # hello
        raw.send(OP_TEXT, b'{"envelope_id": ', fin=False)
        raw.send(OP_PING, b"mid")
        pong = raw.frame()
        raw.send(OP_CONTINUATION, b'"e1"}')
        assert peer.wait_for_ack("e1") == {"envelope_id": "e1"}
    finally:
        raw.close()
    assert (pong.opcode, pong.payload) == (OP_PONG, b"mid")


def test_a_client_close_is_echoed(peer: FakeSocketMode) -> None:
    """The client's close frame gets the same code back and the connection is marked closed."""
    raw = RawClient(peer)
    try:
        raw.handshake()
        raw.frame()  # hello
        raw.send(OP_CLOSE, struct.pack("!H", 1000))
        echo = raw.frame()
    finally:
        raw.close()
    assert (echo.opcode, echo.payload) == (OP_CLOSE, struct.pack("!H", 1000))
    assert peer.close_codes() == [1000]


# --------------------------------------------------------------------------- FakeSlack's apps.connections.open


def test_apps_connections_open_answers_the_peers_url(slack: FakeSlack, peer: FakeSocketMode) -> None:
    """An xapp- token gets the attached peer's ws:// URL with a ticket."""
    url = WebClient(base_url=slack.base_url).apps_connections_open(app_token=APP_TOKEN)["url"]
    assert url.startswith(f"ws://127.0.0.1:{peer.port}/link/?ticket=")


def test_apps_connections_open_refuses_a_bot_token(slack: FakeSlack, peer: FakeSocketMode) -> None:
    """The bot token cannot open a socket: not_allowed_token_type."""
    with pytest.raises(SlackApiError) as error:
        WebClient(base_url=slack.base_url).apps_connections_open(app_token=slack.bot_token)
    assert error.value.response["error"] == "not_allowed_token_type"


def test_an_app_token_cannot_call_bot_methods(slack: FakeSlack) -> None:
    """An xapp- token on chat.postMessage: not_allowed_token_type."""
    with pytest.raises(SlackApiError) as error:
        WebClient(base_url=slack.base_url, token=APP_TOKEN).chat_postMessage(channel="UBOT", text="hi")
    assert error.value.response["error"] == "not_allowed_token_type"


def test_apps_connections_open_without_a_peer_says_so(slack: FakeSlack) -> None:
    """No FakeSocketMode attached: socket_mode_not_enabled, so a test forgetting it fails clearly."""
    with pytest.raises(SlackApiError) as error:
        WebClient(base_url=slack.base_url).apps_connections_open(app_token=APP_TOKEN)
    assert error.value.response["error"] == "socket_mode_not_enabled"
