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
The body is read by bot/http_body.py and its shape checked by bot/payload_shape.py (which `okrbot socket`
applies to Socket Mode envelopes too).
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.http_body import MAX_BODY, Refused, read_body
from bot.payload_shape import check_shape, parse_verified

log = logging.getLogger("okrbot.http_guard")
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

MAX_SKEW = 5 * 60  # Slack's rule: a request older (or newer) than five minutes is a replay
_TIMESTAMP = re.compile(r"[0-9]{1,10}")  # seconds since 1970, at most ten digits (year 2286)
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


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
