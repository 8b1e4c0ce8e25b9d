"""The front door of every POST to /slack/*: size, signature and shape are checked before Bolt sees a byte.

    wsgi_app = guard_slack_posts(bolt_wsgi_app, signing_secret)

In order, each refusal one log line (a reason and a request id, never the body) and a short JSON answer:

1. the body is read with a hard limit that also holds for chunked bodies without Content-Length (413);
   an empty body is a 400;
2. the signature is checked with slack_sdk's `SignatureVerifier` (the one Bolt uses) after the timestamp
   header was parsed strictly: missing, empty, non-numeric, float, negative or huge timestamps, a missing
   or malformed signature, a changed body -> 401. Nothing of an unverified body is parsed, stored, logged
   or acted on, and it causes no outbound call (Bolt's own verifier raises on a bad timestamp, and an
   error handler would then act on the unverified body);
3. a verified body must be what Slack sends (UTF-8; a JSON object, a form, or a form whose `payload` is a
   JSON object; the fields okrbot and Bolt read of the right types) -> else 400.

Only then does the wrapped app (Bolt's WSGI adapter) get the request, with the body it was verified on.
`check_shape` is also what `okrbot socket` applies to Socket Mode envelopes.
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("okrbot.http_guard")
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse anything bigger before parsing
MAX_DISCARD = 16_000_000  # beyond this a refused body is not even read; the connection just closes
MAX_SKEW = 5 * 60  # Slack's rule: a request older (or newer) than five minutes is a replay
_TIMESTAMP = re.compile(r"[0-9]{1,10}")  # seconds since 1970, at most ten digits (year 2286)
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_CHUNK_SIZE_LINE = 1024


class Refused(Exception):
    """A request the front door answers itself: HTTP `status` and a one-line `reason`."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# ---------------------------------------------------------------------------------- reading the body
def read_body(environ: Mapping[str, Any], limit: int = MAX_BODY) -> bytes:
    """The request body, at most `limit` bytes, whatever the framing (Content-Length, chunked, or until EOF).

    Raises Refused 413 beyond `limit`, 400 for a malformed length or chunked framing.
    """
    stream = environ.get("wsgi.input") or io.BytesIO()
    length_text = str(environ.get("CONTENT_LENGTH") or "").strip()
    chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING") or "").lower()
    if chunked and not environ.get("wsgi.input_terminated"):
        return _read_chunked(stream, limit)  # a server that passes the raw stream (wsgiref, the test server)
    if chunked or (not length_text and environ.get("wsgi.input_terminated")):
        return _read_to_end(stream, limit)  # gunicorn decoded the chunks: read until its end of body
    if not length_text:
        return b""
    if not length_text.isdigit() or len(length_text) > 12:
        raise Refused("400 Bad Request", "malformed Content-Length")
    length = int(length_text)
    if length > limit:
        _discard(stream, length)
        raise Refused("413 Payload Too Large", "body too large")
    return _read_exactly(stream, length)


def _read_exactly(stream: Any, length: int) -> bytes:
    parts, left = [], length
    while left > 0:
        chunk = stream.read(min(65536, left))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _read_to_end(stream: Any, limit: int) -> bytes:
    parts, size = [], 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > limit:
            _drain(stream, MAX_DISCARD - size)
            raise Refused("413 Payload Too Large", "body too large")
        parts.append(chunk)


def _read_chunked(stream: Any, limit: int) -> bytes:
    """Decode `Transfer-Encoding: chunked` from a raw stream, refusing past `limit`."""
    parts, size = [], 0
    while True:
        line = stream.readline(_CHUNK_SIZE_LINE)
        if not line.endswith(b"\n"):
            raise Refused("400 Bad Request", "malformed chunked body")
        text = line.split(b";", 1)[0].strip()
        if not text or len(text) > 8 or not all(c in b"0123456789abcdefABCDEF" for c in text):
            raise Refused("400 Bad Request", "malformed chunked body")
        chunk_size = int(text, 16)
        if chunk_size == 0:
            while stream.readline(_CHUNK_SIZE_LINE).strip():  # trailers, until the empty line
                pass
            return b"".join(parts)
        size += chunk_size
        if size > limit:
            raise Refused("413 Payload Too Large", "body too large")
        data = _read_exactly(stream, chunk_size)
        if len(data) != chunk_size or stream.readline(_CHUNK_SIZE_LINE).strip():
            raise Refused("400 Bad Request", "malformed chunked body")
        parts.append(data)


def _discard(stream: Any, length: int) -> None:
    """Read and drop a refused body (up to MAX_DISCARD) so the client can read our answer."""
    left = min(length, MAX_DISCARD)
    while left > 0:
        chunk = stream.read(min(65536, left))
        if not chunk:
            return
        left -= len(chunk)


def _drain(stream: Any, budget: int) -> None:
    while budget > 0:
        chunk = stream.read(min(65536, budget))
        if not chunk:
            return
        budget -= len(chunk)


# ---------------------------------------------------------------------------------- the signature
def verify_signature(verifier: SignatureVerifier | None, body: bytes, timestamp: str | None,
                     signature: str | None) -> str | None:
    """None when Slack signed `body` within the last five minutes; else the reason it is refused."""
    if verifier is None:
        return "no signing secret configured"
    if timestamp is None or not timestamp.strip():
        return "missing timestamp"
    if not _TIMESTAMP.fullmatch(timestamp):
        return "malformed timestamp"
    if abs(verifier.clock.now() - int(timestamp)) > MAX_SKEW:
        return "stale timestamp"
    if not signature:
        return "missing signature"
    if not _SIGNATURE.fullmatch(signature):
        return "malformed signature"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # slack_sdk signs text; Slack signs bytes. Same algorithm over the raw bytes (a non-UTF-8 body
        # that is genuinely signed is then refused as malformed, with 400, not as forged).
        import hashlib
        import hmac

        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(verifier.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return None if hmac.compare_digest(expected, signature) else "bad signature"
    return None if verifier.is_valid(text, timestamp, signature) else "bad signature"


# ---------------------------------------------------------------------------------- the shape
_STR = (str,)
_ID = (str, dict)  # Slack sends `user`, `team`, `channel`, `enterprise` as an id or as an object with `id`
_TOP: dict[str, tuple[type, ...]] = {
    "type": _STR, "team_id": _STR, "enterprise_id": _STR, "user_id": _STR, "channel_id": _STR, "api_app_id": _STR,
    "trigger_id": _STR, "response_url": _STR, "event_id": _STR, "callback_id": _STR, "command": _STR, "text": _STR,
    "action_ts": _STR, "message_ts": _STR, "challenge": _STR, "team": _ID, "enterprise": _ID, "user": _ID,
    "channel": _ID, "event": (dict,), "view": (dict,), "container": (dict,), "message": (dict,),
    "actions": (list,), "authorizations": (list,), "response_urls": (list,), "state": (dict,),
}
_EVENT: dict[str, tuple[type, ...]] = {
    # `user` and `channel` are ids in most events, objects in some (user_change, team_join, channel_created).
    "type": _STR, "subtype": _STR, "user": (str, dict), "channel": (str, dict), "text": _STR, "ts": _STR,
    "thread_ts": _STR,
    "event_ts": _STR, "tab": _STR, "reaction": _STR, "item_user": _STR, "deleted_ts": _STR, "bot_id": _STR,
    "channel_type": _STR, "team": _STR, "user_team": _STR, "item": (dict,), "message": (dict,),
    "previous_message": (dict,), "view": (dict,), "tokens": (dict,),
}
_MESSAGE: dict[str, tuple[type, ...]] = {
    "type": _STR, "user": _STR, "text": _STR, "ts": _STR, "thread_ts": _STR, "bot_id": _STR, "blocks": (list,),
}
_ITEM: dict[str, tuple[type, ...]] = {"type": _STR, "channel": _STR, "ts": _STR}
_VIEW: dict[str, tuple[type, ...]] = {
    "id": _STR, "hash": _STR, "type": _STR, "callback_id": _STR, "private_metadata": _STR, "team_id": _STR,
    "app_installed_team_id": _STR, "state": (dict,), "blocks": (list,),
}
_ACTION: dict[str, tuple[type, ...]] = {
    "action_id": _STR, "block_id": _STR, "value": _STR, "type": _STR, "selected_user": _STR,
    "selected_date": _STR, "selected_time": _STR, "selected_option": (dict,), "selected_options": (list,),
    "selected_users": (list,),
}
_CONTAINER: dict[str, tuple[type, ...]] = {"type": _STR, "channel_id": _STR, "message_ts": _STR, "view_id": _STR}
_NESTED: dict[str, dict[str, tuple[type, ...]]] = {"item": _ITEM, "message": _MESSAGE, "previous_message": _MESSAGE}


def check_shape(body: Any) -> str | None:
    """None when `body` (a parsed Slack payload) has the shape okrbot and Bolt read; else why not (one line)."""
    if not isinstance(body, dict):
        return f"payload is a JSON {type(body).__name__}, not an object"
    problem = _fields(body, _TOP, "")
    if problem:
        return problem
    for name in ("user", "team", "channel", "enterprise"):
        value = body.get(name)
        if isinstance(value, dict) and not isinstance(value.get("id", ""), str):
            return f"{name}.id is not a string"
    if (body.get("type") == "event_callback" or "event" in body) and not isinstance(body.get("event"), dict):
        return "event is not an object"
    if "response_urls" in body and not isinstance(body["response_urls"], list):
        return "response_urls is not a list"  # Bolt takes its len()
    event = body.get("event")
    if isinstance(event, dict):
        problem = _fields(event, _EVENT, "event.") or _nested(event, "event.")
        if problem:
            return problem
    for name in ("authorizations", "response_urls", "actions"):
        if any(not isinstance(item, dict) for item in body.get(name) or []):
            return f"{name} holds something other than objects"
    for action in body.get("actions") or []:
        problem = _fields(action, _ACTION, "actions[].")
        if problem:
            return problem
    for entry in body.get("response_urls") or []:
        if not isinstance(entry.get("response_url", ""), str):
            return "response_urls[].response_url is not a string"
    return (_nested(body, "") or _view(body.get("view"), "view.")
            or _fields(body.get("container") or {}, _CONTAINER, "container."))


def _fields(data: Mapping[str, Any], schema: Mapping[str, tuple[type, ...]], prefix: str) -> str | None:
    # Slack sends null for absent parts of interactions (`"enterprise": null`, `"selected_option": null`);
    # inside an event a value is either there with its type or not there.
    nullable = not prefix.startswith("event.")
    for name, types in schema.items():
        if name in data and not isinstance(data[name], types) and not (nullable and data[name] is None):
            wanted = " or ".join("a string" if t is str else f"a JSON {t.__name__}" for t in types)
            return f"{prefix}{name} is not {wanted}"
    return None


def _nested(data: Mapping[str, Any], prefix: str) -> str | None:
    for name, schema in _NESTED.items():
        if isinstance(data.get(name), dict):
            problem = _fields(data[name], schema, f"{prefix}{name}.")
            if problem:
                return problem
    view = data.get("view")
    return _view(view, f"{prefix}view.") if prefix else None


def _view(view: Any, prefix: str) -> str | None:
    if not isinstance(view, dict):
        return None
    problem = _fields(view, _VIEW, prefix)
    if problem:
        return problem
    values = (view.get("state") or {}).get("values")
    if values is None:
        return None
    if not isinstance(values, dict) or any(not isinstance(block, dict) or
                                           any(not isinstance(element, dict) for element in block.values())
                                           for block in values.values()):
        return f"{prefix}state.values is not an object of objects"
    return None


def parse_verified(body: bytes, content_type: str) -> tuple[Any, str | None]:
    """(payload, None) as Bolt will parse this verified body; (None, reason) when it is not a Slack body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None, "body is not UTF-8"
    try:
        if content_type == "application/json" or text.startswith(("{", "[")):
            return json.loads(text), None
        if "payload" in text:  # Bolt's own test: a form carrying a JSON `payload`
            payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
            return (json.loads(payload) if payload is not None else {}), None
        return dict(parse_qsl(text, keep_blank_values=True)), None
    except (ValueError, RecursionError):
        return None, "body is not valid JSON"


# ---------------------------------------------------------------------------------- the WSGI wrapper
_UNPRINTABLE = re.compile(r"[^\x21-\x7e]")


def printable(text: str, limit: int = 100) -> str:
    """Request-controlled text made safe for one log line: printable ASCII only, at most `limit` characters."""
    return _UNPRINTABLE.sub("?", text[:limit])


def _answer(start_response: StartResponse, status: str, reason: str, request_id: str) -> Iterable[bytes]:
    body = json.dumps({"error": reason, "request_id": request_id}).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                            ("X-Okrbot-Request-Id", request_id)])
    return [body]


def guard_slack_posts(app: WSGIApp, signing_secret: str | None, *, max_body: int = MAX_BODY,
                      verifier: SignatureVerifier | None = None) -> WSGIApp:
    """`app` behind the front door: only POSTs that are small, signed by Slack and shaped like Slack's reach it."""
    if verifier is None and signing_secret:
        verifier = SignatureVerifier(signing_secret)

    def guarded(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET") != "POST":
            return app(environ, start_response)
        request_id = printable(str(environ.get("okrbot.request_id") or uuid.uuid4().hex[:12]))[:64]
        path = printable(str(environ.get("PATH_INFO", "")))
        try:
            body = read_body(environ, max_body)
            environ["okrbot.body"] = body  # what kind of request it was, for the metrics even when refused
            if not body:
                raise Refused("400 Bad Request", "empty body")
            reason = verify_signature(verifier, body, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                                      environ.get("HTTP_X_SLACK_SIGNATURE"))
            if reason:
                raise Refused("401 Unauthorized", reason)
            content_type = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
            payload, reason = parse_verified(body, content_type)
            reason = reason or check_shape(payload)
            if reason:
                raise Refused("400 Bad Request", reason)
        except Refused as refused:
            log.warning("refused POST %s: %s (%s, request %s)", path, refused.reason, refused.status, request_id)
            return _answer(start_response, refused.status, refused.reason, request_id)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["okrbot.request_id"] = request_id
        environ["okrbot.verified"] = True
        return app(environ, start_response)

    return guarded
