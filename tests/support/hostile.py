"""Tools for hostile-input tests: raw signed POSTs (chunked too), a response_url trap, row counts."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import func, select

import storage.models  # noqa: F401 - every table on Base.metadata
from bot.sandbox.slack.payloads import FORM, JSON
from bot.sandbox.slack.sender import sign
from storage.db import Base


@dataclass(frozen=True)
class Answer:
    """Status, headers and body of one raw POST."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON (None for an empty body)."""
        return json.loads(self.body) if self.body.strip() else None


def post(url: str, body: bytes, headers: Mapping[str, str] | None = None, *, chunked: bool = False,
         chunk: int = 65536, timeout: float = 30.0) -> Answer:
    """POST `body` as is (no Content-Length and Transfer-Encoding: chunked when `chunked`)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        if chunked:
            connection.putrequest("POST", parts.path)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            try:
                for start in range(0, len(body), chunk):
                    piece = body[start:start + chunk]
                    connection.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                connection.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered (413) and closed before reading everything: read its answer
        else:
            connection.request("POST", parts.path, body=body, headers=dict(headers or {}))
        answer = connection.getresponse()
        return Answer(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
    finally:
        connection.close()


def signed_headers(secret: str, body: bytes, content_type: str = JSON, *, timestamp: int | None = None) -> dict:
    """The headers Slack puts on `body`: content type, timestamp and a valid signature."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": sign(secret, body, stamp)}


def interaction_body(payload: Any) -> bytes:
    """A form body `payload=<json>` as Slack sends interactions (any JSON value, for tampering)."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def form_body(fields: Mapping[str, str]) -> bytes:
    """A form-encoded body (slash commands)."""
    return urlencode(dict(fields)).encode()


FORM_TYPE, JSON_TYPE = FORM, JSON


class Trap:
    """A loopback HTTP listener standing for any URL a forged body could name (response_url, SSRF target)."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str, bytes]] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                trap.hits.append((self.command, self.path, self.rfile.read(length) if length else b""))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = do_GET = do_PUT = _record  # noqa: N815 - http.server's names

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks/T0001/B0001/trap"

    def close(self) -> None:
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()


def row_counts(sessions: Any) -> dict[str, int]:
    """Rows per table of okrbot's schema (what "nothing was stored" compares)."""
    with sessions() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}
