"""Talks to a running sandbox the way its page does: GET /sandbox/api/state, POST /sandbox/api/<action>."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from bot.sandbox.server import Sandbox


class PageClient:
    """The sandbox page's JSON API, over real HTTP."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.base = sandbox.server.url

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """One raw request; HTTP errors come back as (status, headers, body), never as exceptions."""
        # Always http://127.0.0.1:PORT (the sandbox's own server).
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def post(self, action: str, **body: Any) -> tuple[int, dict[str, Any]]:
        """POST a JSON body to /sandbox/api/<action>."""
        status, _, raw = self.request("POST", f"/sandbox/api/{action}", json.dumps(body).encode(),
                                      {"Content-Type": "application/json"})
        return status, json.loads(raw)

    def ok(self, action: str, **body: Any) -> dict[str, Any]:
        """POST and insist it worked."""
        status, answer = self.post(action, **body)
        assert status == 200 and answer.get("ok"), (status, answer)
        return answer

    def state(self, since: int | None = None, wait: float = 0) -> dict[str, Any]:
        """What the page renders."""
        query = f"?since={since}&wait={wait}" if since is not None else ""
        status, _, raw = self.request("GET", "/sandbox/api/state" + query)
        assert status == 200
        return json.loads(raw)

    def wait_for(self, predicate: Callable[[dict[str, Any]], Any], timeout: float = 10.0) -> Any:
        """Long-poll the state until predicate(state) is truthy; return what it returned."""
        deadline = time.monotonic() + timeout
        state = self.state()
        while True:
            found = predicate(state)
            if found:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"the page state never matched within {timeout}s")
            state = self.state(since=state["version"], wait=min(left, 2.0))


def texts(messages: list[dict[str, Any]]) -> str:
    """All text of some messages (their text and every string in their blocks), for assertions."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "text" and isinstance(inner, str):
                    found.append(inner)
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for message in messages:
        found.append(message.get("text") or "")
        walk(message.get("blocks") or [])
    return "\n".join(found)
