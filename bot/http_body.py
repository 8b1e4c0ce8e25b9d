"""Reading a request body within a hard limit, whatever its framing (Content-Length, chunked, or until EOF).

The first check of the front door (bot/http_guard.py): nothing bigger than MAX_BODY is ever held in memory.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse anything bigger before parsing
MAX_DISCARD = 16_000_000  # beyond this a refused body is not even read; the connection just closes
_CHUNK_SIZE_LINE = 1024


class Refused(Exception):
    """A request the front door answers itself: HTTP `status` and a one-line `reason`."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


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
