"""One outbound Slack call of the outbox sender (bot/slack_port.py) and how it can end.

`SlackCalls.call` answers Slack's data or raises: `Retry` (a 429 with its Retry-After, which also holds the
workspace for this sender and, through `rate_holds`, for every other; a 5xx; Slack unreachable), or
`Permanent` (Slack refused for a reason retrying will not fix). A token Slack no longer accepts is forgotten
(OAuth) and the call made once more. `already_posted` finds a message an earlier attempt did deliver.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.clock import Clock
from bot.slack_directory import ClientFor
from storage.models_delivery import RateHold

log = logging.getLogger("okrbot.outbox")
METADATA_EVENT = "okrbot_outbox"  # message metadata event type carrying the outbox key
UNREACHABLE = "could not reach Slack"
# What Slack answers when a token is no longer valid (revoked, app uninstalled, workspace gone).
AUTH_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"})


class TokenBucket:
    """`rate` tokens per second, bursting to `rate`; `take()` blocks until a token is free."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._tokens = rate
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> None:
        """Wait for and take one token."""
        while True:
            with self._lock:
                now = time.monotonic()
                # A clock that went backwards (a test froze then released it) adds nothing and takes nothing.
                elapsed = max(0.0, now - self._last)
                self._tokens = max(0.0, min(self.rate, self._tokens + elapsed * self.rate))
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = min(1.0, (1 - self._tokens) / self.rate)
            time.sleep(wait)


class Retry(Exception):
    """Deliver later: `delay` seconds; `counts` says whether this was a failed attempt."""

    def __init__(self, delay: float, error: str, *, counts: bool) -> None:
        super().__init__(error)
        self.delay, self.error, self.counts = delay, error, counts


class Permanent(Exception):
    """Slack refused the call for a reason retrying will not fix."""


class Deferred(Exception):
    """The row depends on another row that is not delivered yet."""


def post_bytes(url: str, content: bytes) -> None:
    """POST a file's bytes to the upload URL files.getUploadURLExternal gave."""
    if not url.startswith(("https://", "http://")):
        raise Permanent("files.getUploadURLExternal gave no http(s) upload URL")
    request = Request(url, data=content, method="POST",  # noqa: S310 - scheme checked above
                      headers={"Content-Type": "application/octet-stream"})
    try:
        with urlopen(request, timeout=30) as answer:  # noqa: S310 - a URL Slack gave us (https in production)
            answer.read()
    except HTTPError as error:
        if error.code >= 500:
            raise Retry(0, f"the file upload answered HTTP {error.code}", counts=True) from error
        raise Permanent(f"the file upload answered HTTP {error.code}") from error
    except (URLError, TimeoutError, ConnectionError, OSError) as error:
        raise Retry(0, f"{UNREACHABLE}: {error}", counts=True) from error


class SlackCalls:
    """The sender's Web API calls; `team_hold` is when each workspace may be called again (monotonic time)."""

    def __init__(self, client_for: ClientFor, engine: Engine, clock: Clock) -> None:
        self._client_for = client_for
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._clock = clock
        self.team_hold: dict[str, float] = {}  # team -> monotonic time until which Slack asked us to wait

    def already_posted(self, team_id: str, key: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """The message of `key` if an earlier attempt did reach Slack (found by its metadata), else None.

        Only asked for rows that may have reached Slack. When Slack cannot tell (an error, no history scope),
        the row is posted: a rare duplicate beats a lost notification.
        """
        try:
            channel = args["channel"]
            if channel[:1] in ("U", "W"):  # a DM named by the user: its channel id
                channel = self.call(team_id, "conversations.open", {"users": channel})["channel"]["id"]
            if args.get("thread_ts"):
                found = self.call(team_id, "conversations.replies", {"channel": channel, "ts": args["thread_ts"],
                                                                     "limit": 1000, "include_all_metadata": True})
            else:
                found = self.call(team_id, "conversations.history", {"channel": channel, "limit": 100,
                                                                     "include_all_metadata": True})
        except (Retry, Permanent, KeyError, TypeError) as error:
            log.warning("could not check whether outbox row %s already reached Slack (%s); posting it", key, error)
            return None
        for message in found.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT and (metadata.get("event_payload") or {}).get("key") == key:
                log.info("outbox row %s had reached Slack before its sender stopped; not posting it again", key)
                return {"channel": channel, "ts": message.get("ts")}
        return None

    def call(self, team_id: str, method: str, args: dict[str, Any], *, form: bool = False) -> dict[str, Any]:
        """Slack's answer to `method` (JSON body, or a form when `form`); raises Retry or Permanent."""
        started = time.perf_counter()

        def call() -> Any:
            client = self._client_for(team_id)
            return client.api_call(method, params=args) if form else client.api_call(method, json=args)

        try:
            try:
                response = call()
            except SlackApiError as error:
                forget = getattr(self._client_for, "forget", None)  # OAuth: the team may have a new token
                if forget is None or error.response.get("error") not in AUTH_ERRORS:
                    raise
                forget(team_id)
                response = call()
        except SlackApiError as error:
            status = error.response.status_code
            if status == 429:
                metrics.delivery("429")
                delay = float(error.response.headers.get("Retry-After", error.response.headers.get("retry-after", 1)))
                self.team_hold[team_id] = time.monotonic() + delay
                self._share_hold(team_id, delay)
                raise Retry(delay, f"rate limited by Slack; Retry-After {delay:g}s", counts=False) from error
            if status >= 500:
                raise Retry(0, f"Slack answered HTTP {status}", counts=True) from error
            detail = error.response.get("error", "unknown_error")
            messages = (error.response.get("response_metadata") or {}).get("messages")
            raise Permanent(f"{method}: {detail}" + (f" {messages}" if messages else "")) from error
        except (URLError, TimeoutError, ConnectionError, OSError) as error:
            raise Retry(0, f"{UNREACHABLE}: {error}", counts=True) from error
        finally:
            metrics.slack_call(method, time.perf_counter() - started)
        return dict(response.data) if isinstance(response.data, dict) else {}

    def _share_hold(self, team_id: str, delay: float) -> None:
        """Write the workspace's hold for the senders of other processes (a database error only loses the sharing)."""
        until = self._clock() + timedelta(seconds=delay)
        insert = postgresql.insert if self._postgres else sqlite.insert
        stmt = insert(RateHold).values(team_id=team_id, until=until)
        stmt = stmt.on_conflict_do_update(index_elements=[RateHold.team_id], set_={"until": stmt.excluded.until})
        try:
            with self._engine.begin() as connection:
                connection.execute(stmt)
        except SQLAlchemyError:
            log.warning("could not share the rate-limit hold of %s with other senders", team_id, exc_info=True)
