"""The one door for Slack calls made outside a request: the directory port and the outbox sender.

The sender claims due outbox rows (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several processes
share the work), delivers them with the real `WebClient`, and records the outcome: a 429 waits
`Retry-After` (and holds that workspace meanwhile), 5xx and timeouts back off exponentially, and after
`max_attempts` failures a row is marked `failed` with the error. Nothing is dropped silently.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, utcnow
from bot.services.outbox import run_hook
from bot.services.ports import SlackUser
from storage.models import OutboundMessage

log = logging.getLogger("okrbot.outbox")
ClientFor = Callable[[str], WebClient]


def make_client(token: str | None, base_url: str, timeout: int = 10) -> WebClient:
    """The real WebClient, pointed at `base_url` (Slack, or the loopback stand-in)."""
    return WebClient(token=token, base_url=base_url, timeout=timeout)


class SlackDirectory:
    """`ports.Directory` over the Web API."""

    def __init__(self, client_for: ClientFor) -> None:
        self._client_for = client_for

    def user(self, team_id: str, user_id: str) -> SlackUser | None:
        """users.info, or None for an unknown user."""
        try:
            answer = self._client_for(team_id).users_info(user=user_id)
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "users_not_found"):
                return None
            raise
        return _slack_user(answer["user"])

    def user_by_email(self, team_id: str, email: str) -> SlackUser | None:
        """users.lookupByEmail, or None."""
        try:
            answer = self._client_for(team_id).users_lookupByEmail(email=email)
        except SlackApiError as error:
            if error.response.get("error") in ("users_not_found", "user_not_found"):
                return None
            raise
        return _slack_user(answer["user"])

    def permalink(self, team_id: str, channel: str, ts: str) -> str | None:
        """chat.getPermalink, or None when Slack refuses."""
        try:
            return self._client_for(team_id).chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except SlackApiError:
            return None


def _slack_user(user: dict[str, Any]) -> SlackUser:
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
    return SlackUser(user_id=user["id"], name=name or user["id"], tz=user.get("tz"), email=profile.get("email"),
                     is_bot=bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
                     deleted=bool(user.get("deleted")), is_admin=bool(user.get("is_admin") or user.get("is_owner")))


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
                self._tokens = min(self.rate, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
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


class OutboxSender:
    """Delivers outbox rows; run one in every web, socket and scheduler process."""

    def __init__(self, sessions: sessionmaker[Session], client_for: ClientFor, *, clock: Clock = utcnow,
                 rate: float = 20.0, per_channel_interval: float = 1.0, max_attempts: int = 6,
                 backoff: float = 1.0, max_backoff: float = 300.0, batch: int = 50, workers: int = 4,
                 lease: float = 120.0, idle_poll: float = 0.5) -> None:
        self._sessions = sessions
        self._client_for = client_for
        self._clock = clock
        self._bucket = TokenBucket(rate)
        self._per_channel = per_channel_interval
        self.max_attempts = max_attempts
        self._backoff, self._max_backoff = backoff, max_backoff
        self._batch, self._workers, self._lease, self._idle_poll = batch, workers, lease, idle_poll
        self._channel_last: dict[str, float] = {}
        self._channel_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._team_hold: dict[str, float] = {}  # team -> monotonic time until which Slack asked us to wait
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox")
        self._postgres = sessions.kw["bind"].dialect.name == "postgresql"

    # ---- lifecycle -------------------------------------------------------------------------
    def wake(self) -> None:
        """New rows were written: look now instead of at the next poll."""
        self._wake.set()

    def start(self) -> OutboxSender:
        """Deliver in a daemon thread until `stop()`."""
        self._thread = threading.Thread(target=self._loop, name="outbox-sender", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming rows, finish the ones in flight, and return."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                handled = self.run_once()
            except Exception:  # a database hiccup must not kill the sender thread; it is logged
                log.exception("outbox sender loop failed; retrying")
                handled = 0
            if not handled:
                self._wake.wait(self._idle_poll)
                self._wake.clear()

    # ---- one pass ----------------------------------------------------------------------------
    def run_once(self) -> int:
        """Claim and deliver one batch of due rows; returns how many rows were handled."""
        rows = self._claim()
        if not rows:
            return 0
        by_channel: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for row_id, team_id, channel in rows:
            by_channel[channel].append((row_id, team_id, channel))
        futures = [self._pool.submit(self._deliver_channel, group) for group in by_channel.values()]
        for future in futures:
            future.result()
        return len(rows)

    def drain(self, timeout: float = 30.0) -> None:
        """Deliver until nothing is due (tests and the CLI); waits out short retry delays."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.run_once():
                continue
            with self._sessions() as session:
                pending = session.scalar(select(OutboundMessage.next_attempt_at).where(
                    OutboundMessage.status.in_(("pending", "sending"))).order_by(OutboundMessage.next_attempt_at)
                    .limit(1))
            if pending is None:
                return
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def _claim(self) -> list[tuple[int, str, str]]:
        now = self._clock()
        due = or_(OutboundMessage.status == "pending",
                  (OutboundMessage.status == "sending") & (OutboundMessage.locked_until < now))
        held = [team for team, until in self._team_hold.items() if until > time.monotonic()]
        stmt = select(OutboundMessage.id, OutboundMessage.team_id, OutboundMessage.channel_key).where(
            due, OutboundMessage.next_attempt_at <= now)
        if held:
            stmt = stmt.where(OutboundMessage.team_id.not_in(held))
        stmt = stmt.order_by(OutboundMessage.id).limit(self._batch)
        lease = now + timedelta(seconds=self._lease)
        with self._sessions.begin() as session:
            if self._postgres:
                rows = session.execute(stmt.with_for_update(skip_locked=True)).all()
                if rows:
                    session.execute(update(OutboundMessage).where(OutboundMessage.id.in_([r[0] for r in rows]))
                                    .values(status="sending", locked_until=lease))
                return [tuple(r) for r in rows]
            # SQLite: one writer at a time; claim each row conditionally so two processes never share one.
            claimed = []
            for row_id, team_id, channel in session.execute(stmt).all():
                result = session.execute(update(OutboundMessage).where(OutboundMessage.id == row_id, due)
                                         .values(status="sending", locked_until=lease))
                if result.rowcount:
                    claimed.append((row_id, team_id, channel))
            return claimed

    def _deliver_channel(self, group: list[tuple[int, str, str]]) -> None:
        # One channel's rows go in order, at most one per `per_channel_interval` (Slack's 1 msg/s/channel).
        for index, (row_id, team_id, channel) in enumerate(group):
            hold = self._team_hold.get(team_id, 0.0) - time.monotonic()
            if hold > 0:
                self._release([r[0] for r in group[index:]], hold)
                return
            with self._channel_locks[channel]:
                wait = self._channel_last.get(channel, 0.0) + self._per_channel - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                self._deliver(row_id)
                self._channel_last[channel] = time.monotonic()

    def _release(self, row_ids: list[int], delay: float) -> None:
        with self._sessions.begin() as session:
            session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(row_ids),
                                                           OutboundMessage.status == "sending")
                            .values(status="pending", locked_until=None,
                                    next_attempt_at=self._clock() + timedelta(seconds=delay)))

    def _deliver(self, row_id: int) -> None:
        with self._sessions() as session:
            row = session.get(OutboundMessage, row_id)
            if row is None or row.status != "sending":
                return
            method, team_id, channel, payload = row.method, row.team_id, row.channel_key, dict(row.payload)
            key, attempts = row.dedupe_key, row.attempts
            try:
                args = self._resolve(session, team_id, method, channel, payload)
            except Deferred:
                args = None
        if args is None:
            self._finish(row_id, retry=Retry(1.0, "waiting for the message it updates", counts=False))
            return
        self._bucket.take()
        try:
            if "open_users" in args:  # a group DM ("U1,U2"): opened at delivery, its id is the channel
                opened = self._call(team_id, "conversations.open", {"users": args.pop("open_users")})
                args["channel"] = opened["channel"]["id"]
            answer = self._call(team_id, method, args)
        except Retry as retry:
            if retry.counts and attempts + 1 >= self.max_attempts:
                log.error("outbox row %s (%s) failed for good after %s attempts: %s", row_id, key, attempts + 1,
                          retry.error)
                self._finish(row_id, failed=retry.error, attempts=attempts + 1)
            else:
                if retry.counts:
                    log.warning("outbox row %s (%s): %s; retrying in %.1fs", row_id, key, retry.error, retry.delay)
                self._finish(row_id, retry=retry, attempts=attempts + (1 if retry.counts else 0))
            return
        except Permanent as error:
            log.error("outbox row %s (%s) refused by Slack: %s", row_id, key, error)
            self._finish(row_id, failed=str(error), attempts=attempts + 1)
            return
        self._finish(row_id, answer=answer, attempts=attempts + 1)

    def _resolve(self, session: Session, team_id: str, method: str, channel: str,
                 payload: dict[str, Any]) -> dict[str, Any]:
        args = {k: v for k, v in payload.items() if k not in ("update_of", "thread_of")}
        for ref_name in ("update_of", "thread_of"):
            ref_key = payload.get(ref_name)
            if not ref_key:
                continue
            ref = session.scalar(select(OutboundMessage).where(OutboundMessage.team_id == team_id,
                                                               OutboundMessage.dedupe_key == ref_key))
            if ref is None or ref.status == "failed":
                raise Permanent(f"the message it refers to ({ref_key}) was never delivered")
            if ref.status != "sent" or not ref.result:
                raise Deferred(ref_key)
            channel = ref.result["channel"]
            args["ts" if ref_name == "update_of" else "thread_ts"] = ref.result["ts"]
        args["channel"] = channel
        if method == "chat.postEphemeral":
            args.setdefault("user", channel)
        return args

    def _call(self, team_id: str, method: str, args: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client_for(team_id).api_call(method, json=args)
        except SlackApiError as error:
            status = error.response.status_code
            if status == 429:
                delay = float(error.response.headers.get("Retry-After", error.response.headers.get("retry-after", 1)))
                self._team_hold[team_id] = time.monotonic() + delay
                raise Retry(delay, f"rate limited by Slack; Retry-After {delay:g}s", counts=False) from error
            if status >= 500:
                raise Retry(0, f"Slack answered HTTP {status}", counts=True) from error
            detail = error.response.get("error", "unknown_error")
            messages = (error.response.get("response_metadata") or {}).get("messages")
            raise Permanent(f"{method}: {detail}" + (f" {messages}" if messages else "")) from error
        except (URLError, TimeoutError, ConnectionError, OSError) as error:
            raise Retry(0, f"could not reach Slack: {error}", counts=True) from error
        return dict(response.data) if isinstance(response.data, dict) else {}

    def _finish(self, row_id: int, *, answer: dict[str, Any] | None = None, retry: Retry | None = None,
                failed: str | None = None, attempts: int | None = None) -> None:
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.get(OutboundMessage, row_id)
            if row is None or row.status != "sending":
                return
            if attempts is not None:
                row.attempts = attempts
            row.locked_until = None
            if answer is not None:
                row.status, row.sent_at, row.last_error = "sent", now, None
                row.result = {"channel": answer.get("channel") or row.channel_key, "ts": answer.get("ts")}
                run_hook(session, row, answer)
            elif failed is not None:
                row.status, row.last_error = "failed", failed[:2000]
            elif retry is not None:
                delay = retry.delay or min(self._max_backoff, self._backoff * 2 ** max(0, row.attempts - 1))
                row.status, row.last_error = "pending", retry.error
                row.next_attempt_at = now + timedelta(seconds=delay)


def due_counts(sessions: sessionmaker[Session], now: datetime) -> dict[str, int]:
    """How many rows are pending and due now, pending later, and failed (for health and the CLI)."""
    with sessions() as session:
        rows = session.execute(select(OutboundMessage.status, OutboundMessage.next_attempt_at)).all()
    counts = {"due": 0, "later": 0, "failed": 0, "sent": 0}
    for status, at in rows:
        if status == "failed":
            counts["failed"] += 1
        elif status == "sent":
            counts["sent"] += 1
        else:
            counts["due" if at <= now else "later"] += 1
    return counts
