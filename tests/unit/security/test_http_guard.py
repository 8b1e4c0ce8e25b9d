"""The front door's parts on their own: body reading (chunked too), the strict signature check, payload shapes."""

from __future__ import annotations

import io
import json
import time

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.http_body import MAX_BODY, Refused, read_body
from bot.http_guard import verify_signature
from bot.payload_shape import check_shape, parse_verified
from bot.sandbox.slack.sender import sign

SECRET = "unit-signing-secret"


def chunked(body: bytes, size: int = 7) -> bytes:
    parts = [f"{len(body[i:i + size]):x}\r\n".encode() + body[i:i + size] + b"\r\n" for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def test_content_length_body_is_read_exactly() -> None:
    """With Content-Length, exactly that many bytes are read."""
    environ = {"CONTENT_LENGTH": "5", "wsgi.input": io.BytesIO(b"helloEXTRA")}
    assert read_body(environ) == b"hello"


def test_raw_chunked_body_is_decoded() -> None:
    """A server that passes the raw stream (wsgiref): the chunks are decoded, trailers skipped."""
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(chunked(b'{"type":"x"}'))}
    assert read_body(environ) == b'{"type":"x"}'


def test_chunked_body_over_the_limit_is_413_before_reading_it_all() -> None:
    """The limit holds for chunked bodies without Content-Length."""
    stream = io.BytesIO(chunked(b"x" * 5000, size=1000))
    with pytest.raises(Refused) as refused:
        read_body({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": stream}, limit=2500)
    assert refused.value.status.startswith("413")
    assert stream.tell() < 5000


def test_decoded_chunked_body_over_the_limit_is_413() -> None:
    """A server that decodes chunks itself (gunicorn: wsgi.input_terminated): read to its end, bounded."""
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True,
               "wsgi.input": io.BytesIO(b"y" * (MAX_BODY + 10))}
    with pytest.raises(Refused) as refused:
        read_body(environ)
    assert refused.value.status.startswith("413")


@pytest.mark.parametrize("framing", [b"zz\r\n{}\r\n0\r\n\r\n", b"5\r\nab", b"ffffffffff\r\n", b"3\r\nabcXX0\r\n\r\n"])
def test_malformed_chunk_framing_is_400(framing: bytes) -> None:
    """Non-hex sizes, short chunks, oversized size lines, missing CRLF: 400."""
    with pytest.raises(Refused) as refused:
        read_body({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(framing)})
    assert refused.value.status.startswith("400")


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "9" * 20])
def test_malformed_content_length_is_400(length: str) -> None:
    """A Content-Length that is not a small non-negative integer: 400."""
    with pytest.raises(Refused):
        read_body({"CONTENT_LENGTH": length, "wsgi.input": io.BytesIO(b"")})


def test_no_length_no_chunks_is_an_empty_body() -> None:
    """Without Content-Length or chunked framing (and no decoding server), the body is empty."""
    assert read_body({"wsgi.input": io.BytesIO(b"ignored")}) == b""


@pytest.mark.parametrize(("timestamp", "reason"), [
    (None, "missing timestamp"), ("", "missing timestamp"), ("abc", "malformed timestamp"),
    ("1.5", "malformed timestamp"), ("-5", "malformed timestamp"), ("9" * 30, "malformed timestamp"),
    ("0x10", "malformed timestamp"), ("１２３", "malformed timestamp"), ("0", "stale timestamp"),
])
def test_bad_timestamps_are_refused_without_raising(timestamp: str | None, reason: str) -> None:
    """Every malformed timestamp is a reason, never a ValueError (Bolt's verifier raises on `abc`)."""
    verifier = SignatureVerifier(SECRET)
    assert verify_signature(verifier, b"{}", timestamp, "v0=" + "0" * 64) == reason


@pytest.mark.parametrize(("signature", "reason"), [
    (None, "missing signature"), ("", "missing signature"), ("v0=abc", "malformed signature"),
    ("v1=" + "0" * 64, "malformed signature"), ("v0=" + "0" * 64, "bad signature"),
])
def test_bad_signatures_are_refused(signature: str | None, reason: str) -> None:
    """Missing, malformed or wrong signatures are refused with their reason."""
    assert verify_signature(SignatureVerifier(SECRET), b"{}", str(int(time.time())), signature) == reason


def test_a_genuine_signature_passes_and_a_changed_body_does_not() -> None:
    """Slack's signature over the exact bytes passes; one byte more fails."""
    stamp = int(time.time())
    signature = sign(SECRET, b'{"a":1}', stamp)
    assert verify_signature(SignatureVerifier(SECRET), b'{"a":1}', str(stamp), signature) is None
    assert verify_signature(SignatureVerifier(SECRET), b'{"a":1} ', str(stamp), signature) == "bad signature"


def test_non_utf8_bodies_are_verified_over_their_bytes() -> None:
    """A signed non-UTF-8 body is verified (then refused as malformed by its shape); a forged one is not."""
    stamp, body = int(time.time()), b"payload=\xff\xfe"
    assert verify_signature(SignatureVerifier(SECRET), body, str(stamp), sign(SECRET, body, stamp)) is None
    assert verify_signature(SignatureVerifier(SECRET), body, str(stamp), sign("other", body, stamp)) == \
        "bad signature"
    assert parse_verified(body, "application/x-www-form-urlencoded") == (None, "body is not UTF-8")


def test_no_secret_verifies_nothing() -> None:
    """Without a signing secret every request is refused."""
    assert verify_signature(None, b"{}", str(int(time.time())), "v0=" + "0" * 64) == "no signing secret configured"


@pytest.mark.parametrize("payload", [
    {"type": "event_callback", "team_id": "T1", "event": {"type": "message", "text": "hi", "user": "U1"}},
    {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "enterprise": None,
     "actions": [{"action_id": "a", "value": "1", "selected_option": None}]},
    {"type": "view_submission", "view": {"state": {"values": {"b": {"a": {"type": "x", "value": None}}}}}},
    {"command": "/okr", "text": "", "team_id": "T1"},
    {"type": "url_verification", "challenge": "abc"},
])
def test_slack_shapes_pass(payload: dict) -> None:
    """What Slack sends (nulls included outside events) passes the shape check."""
    assert check_shape(payload) is None


@pytest.mark.parametrize("payload", [
    [], "x", 5, None, {"type": "event_callback"}, {"event": None}, {"event": {"type": 5}},
    {"event": {"type": "message", "channel": None}}, {"user": ["U1"]}, {"user": {"id": 5}},
    {"actions": ["x"]}, {"actions": [{"value": {"id": 1}}]}, {"view": "modal"},
    {"view": {"state": {"values": [1]}}}, {"view": {"state": {"values": {"b": {"a": 1}}}}},
    {"response_urls": "x"}, {"response_urls": [{"response_url": 5}]}, {"authorizations": [1]},
    {"event": {"type": "reaction_added", "item": {"channel": 5}}}, {"container": {"channel_id": []}},
    {"type": "block_actions", "actions": []}, {"type": "block_actions", "actions": None},
    {"type": "interactive_message", "callback_id": "c"},
    {"type": "interactive_message", "callback_id": "c", "actions": []},
])
def test_other_shapes_are_refused_with_a_one_line_reason(payload: object) -> None:
    """Payloads Bolt or okrbot would trip over: a short reason, never an exception."""
    reason = check_shape(payload)
    assert reason and "\n" not in reason


@pytest.mark.parametrize(("content_type", "body", "reason"), [
    ("application/json", b"not json", "body is not valid JSON"),
    ("application/json", b"[" * 50_000, "body is not valid JSON"),
    ("application/x-www-form-urlencoded", b"payload=%7Bbroken", "body is not valid JSON"),
])
def test_unparsable_bodies_have_a_reason(content_type: str, body: bytes, reason: str) -> None:
    """Broken JSON (or too deep to parse) is a reason, not an exception."""
    assert parse_verified(body, content_type) == (None, reason)


def test_bodies_parse_as_bolt_parses_them() -> None:
    """JSON, an interaction form and a command form parse the way Bolt will parse them."""
    assert parse_verified(b'{"a":1}', "text/plain") == ({"a": 1}, None)
    assert parse_verified(b"payload=" + json.dumps({"b": 2}).encode(), "") == ({"b": 2}, None)
    assert parse_verified(b"command=%2Fokr&text=", "") == ({"command": "/okr", "text": ""}, None)


def test_request_controlled_text_cannot_forge_log_lines() -> None:
    """A path with newlines or control characters is logged as one printable line."""
    from bot.http_guard import printable

    assert printable("/slack/events\n2026 ERROR fake line\r\x1b[31m") == "/slack/events?2026?ERROR?fake?line??[31m"
    assert len(printable("x" * 1000)) == 100
