"""The loopback Slack's transcript: every call it answered, failures it was told to make, and subscribers.

A mixin of FakeSlack (bot/sandbox/slack/fake.py), which owns the lock (`_cond`) and the lists used here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from bot.sandbox.slack.methods.common import SlackError

log = logging.getLogger(__name__)

DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass(frozen=True)
class Call:
    """One request the fake answered: method, decoded args (no token), what it answered, when."""

    method: str
    args: dict
    ok: bool
    response: dict
    http_status: int
    at: float
    url: str = ""

    def to_dict(self) -> dict:
        """A JSON-serialisable copy."""
        return asdict(self)

    def summary(self) -> str:
        """One line for failure messages: time, method, outcome and the interesting args."""
        clock = datetime.fromtimestamp(self.at, UTC).strftime("%H:%M:%S.%f")[:-3]
        outcome = "ok" if self.ok else f"error={self.response.get('error')}"
        shown = {key: self.args[key] for key in ("channel", "user", "user_id", "ts", "text", "trigger_id")
                 if key in self.args}
        if "blocks" in self.args:
            shown["blocks"] = f"<{len(self.args['blocks'] or [])} blocks>"
        if "view" in self.args:
            view = self.args["view"] if isinstance(self.args["view"], dict) else {}
            shown["view"] = f"<{view.get('type')} {view.get('callback_id', '')!r}>"
        args = ", ".join(f"{key}={str(value)[:80]!r}" for key, value in shown.items())
        return f"{clock} {self.method} [{self.http_status} {outcome}] {args}"


@dataclass
class Failure:
    """A failure queued by fail_next(): the HTTP status, Slack's error, Retry-After and an optional raw body."""

    status: int
    error: str
    retry_after: int | None
    body: str | None


class RawFailure(Exception):
    """A failure answered as raw text (a proxy's error page), not as Slack's JSON."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status, self.text = status, text


class Transcript:
    """Calls, queued failures and subscribers (a FakeSlack mixin)."""

    @property
    def calls(self) -> list[Call]:
        """Every request so far, oldest first."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The requests to one method (`response_url` for posts to response URLs)."""
        with self._cond:
            return [call for call in self._calls if call.method == method]

    def clear_calls(self) -> None:
        """Forget the transcript (state is kept)."""
        with self._cond:
            self._calls.clear()

    def wait_for(self, method: str, predicate: Callable[[Call], bool] | None = None, *, count: int = 1,
                 timeout: float = 5.0) -> list[Call]:
        """Block until `count` calls to `method` match `predicate`; return all that match.

        Bolt acks before its listener finishes, so tests wait for the call instead of sleeping.
        Raises AssertionError with the transcript when they do not come in time.
        """
        matching: list[Call] = []

        def enough() -> bool:
            nonlocal matching
            matching = [call for call in self._calls
                        if call.method == method and (predicate is None or predicate(call))]
            return len(matching) >= count

        with self._cond:
            # Condition.wait_for keeps real time even under freezegun (it ignores the threading module).
            if self._cond.wait_for(enough, timeout):
                return matching
            to_method = sum(1 for call in self._calls if call.method == method)
            lines = [call.summary() for call in self._calls[-40:]]
        raise AssertionError(
            f"expected {count} call(s) to {method}{' matching the predicate' if predicate else ''} within "
            f"{timeout}s, got {len(matching)} ({to_method} to {method} in all). Transcript, last "
            f"{len(lines)} calls:\n  " + ("\n  ".join(lines) or "(no calls)"))

    def fail_next(self, method: str, times: int = 1, *, status: int = 429, retry_after: int | None = 1,
                  error: str | None = None, body: str | None = None) -> None:
        """Make the next `times` calls to `method` fail with `status` (429 adds Retry-After).

        status=200 with an error gives a Slack-level failure (e.g. error="is_archived");
        `body` sends that raw text instead of JSON, like a proxy's error page.
        """
        failure = Failure(status=status, error=error or DEFAULT_ERRORS.get(status, "internal_error"),
                           retry_after=retry_after if status == 429 else None, body=body)
        with self._cond:
            self._failures[method].extend([failure] * times)

    def subscribe(self, callback: Callable[[str, dict], None]) -> Callable[[], None]:
        """Call callback(kind, payload) after every state change and call; returns an unsubscribe function.

        kinds: call, message, message_changed, message_deleted, ephemeral, reaction, home, views, user, channel.
        """
        with self._cond:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._cond:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _take_failure(self, method: str, extra_headers: dict[str, str]) -> None:
        queue = self._failures.get(method)
        if not queue:
            return
        failure = queue.popleft()
        if failure.retry_after is not None:
            extra_headers["Retry-After"] = str(failure.retry_after)
        if failure.body is not None:
            raise RawFailure(failure.status, failure.body)
        raise SlackError(failure.error, status=failure.status)

    def _record(self, method: str, args: dict, response: dict, status: int, url: str) -> None:
        if self.count_only:
            metadata = args.get("metadata") if isinstance(args.get("metadata"), dict) else {}
            key = (metadata.get("event_payload") or {}).get("key")
            self.counted[(method, bool(response.get("ok")), key)] += 1
            return
        call = Call(method=method, args=args, ok=bool(response.get("ok")), response=response,
                    http_status=status, at=time.time(), url=url)
        self._calls.append(call)
        if self._subscribers:
            self._emit("call", call.to_dict())
        self._cond.notify_all()

    def _emit(self, kind: str, payload: dict) -> None:
        if self._subscribers:
            self._pending.append((kind, payload))

    def _flush(self) -> None:
        with self._cond:
            pending, self._pending = self._pending, []
            subscribers = list(self._subscribers)
        for kind, payload in pending:
            for callback in subscribers:
                try:
                    callback(kind, payload)
                except Exception:
                    # A broken page subscriber must not turn into a Slack error for the app under test.
                    log.exception("fake slack subscriber failed on %s", kind)
