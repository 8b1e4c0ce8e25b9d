"""The one door for Slack calls made outside a request: the directory port and the outbox sender.

The sender claims due outbox rows (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several processes
share the work), delivers them with the real `WebClient`, and records the outcome: a 429 waits
`Retry-After` (and holds that workspace meanwhile), 5xx and timeouts back off exponentially, and after
`max_attempts` failures a row is marked `failed` with the error. Nothing is dropped silently. The hold of a
429 is written to the database (`rate_holds`), so every sender of every process leaves that workspace alone
until Slack's `Retry-After` has passed, not just the one that was told.

Nothing is posted twice either: every `chat.postMessage` carries its outbox key in the message's
metadata, and a row that may already have reached Slack (its sender died mid-call, leaving it `sending`
past its lease, or the call timed out) is first looked up in the conversation; if Slack has it, the row is
recorded as sent instead of being posted again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from bot import metrics
from bot.calendar_delivery import INVITE_METHOD, deliver_invite
from bot.clock import Clock, utcnow
from bot.polling import PollLoop
from bot.services.core.outbox import Hooks, run_hook
from bot.services.core.ports import SlackUser
from storage.models import OutboundMessage, RateHold

log = logging.getLogger("okrbot.outbox")
ClientFor = Callable[[str], WebClient]
METADATA_EVENT = "okrbot_outbox"  # message metadata event type carrying the outbox key
UNREACHABLE = "could not reach Slack"
# What Slack answers when a token is no longer valid (revoked, app uninstalled, workspace gone).
AUTH_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"})


def make_client(token: str | None, base_url: str, timeout: int = 10, *, retry_rate_limits: int = 0) -> WebClient:
    """The real WebClient, pointed at `base_url` (Slack, or the loopback stand-in).

    `retry_rate_limits`: how many 429s to wait out in the calling thread (for direct replies such as
    views.publish; the outbox sender handles 429 itself and must not sleep in a worker).
    """
    client = WebClient(token=token, base_url=base_url, timeout=timeout)
    if retry_rate_limits:
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=retry_rate_limits))
    return client


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


class Claimed(NamedTuple):
    """A row this sender claimed, with what it needs to deliver it (read with the claim, in one query)."""

    id: int
    team_id: str
    channel: str
    method: str
    payload: dict[str, Any]
    key: str
    attempts: int
    on_sent: str | None
    suspect: bool  # may already be in Slack: its last sender died mid-call, or the call timed out


class Outcome(NamedTuple):
    """How one delivery ended, recorded with the rest of its batch: sent, failed or retry."""

    kind: str
    params: dict[str, Any]


def _post_bytes(url: str, content: bytes) -> None:
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


class OutboxSender:
    """Delivers outbox rows; run one in every web, socket and scheduler process.

    Outcomes are written once per batch (one UPDATE per kind, executemany): a sender killed mid-batch leaves
    its rows `sending`, and the next sender finds what did reach Slack by the key in the message metadata.
    """

    def __init__(self, sessions: sessionmaker[Session], client_for: ClientFor, *, clock: Clock = utcnow,
                 rate: float = 20.0, per_channel_interval: float = 1.0, max_attempts: int = 6,
                 backoff: float = 1.0, max_backoff: float = 300.0, batch: int = 50, workers: int = 4,
                 lease: float = 120.0, idle_poll: float = 0.5, max_idle_poll: float | None = None,
                 hooks: Hooks | None = None) -> None:
        self._sessions = sessions
        self._hooks = hooks or {}  # on_sent name -> hook (bot.services.outbox_hooks)
        self._client_for = client_for
        self._clock = clock
        self._bucket = TokenBucket(rate)
        self._per_channel = per_channel_interval
        self.max_attempts = max_attempts
        self._backoff, self._max_backoff = backoff, max_backoff
        self._batch, self._workers, self._lease, self._idle_poll = batch, workers, lease, idle_poll
        # Idle, the poll interval doubles up to this (rows written in this process wake the sender at once).
        self._max_idle_poll = max_idle_poll if max_idle_poll is not None else idle_poll * 4
        self._channel_last: dict[str, float] = {}
        self._channel_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._team_hold: dict[str, float] = {}  # team -> monotonic time until which Slack asked us to wait
        self._recent: dict[tuple[str, str], dict[str, Any]] = {}  # (team, key) -> result, sent but not recorded
        self._poll = PollLoop(self.run_once, name="outbox-sender", idle_poll=idle_poll,
                              max_idle_poll=self._max_idle_poll, log=log)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox")
        self._engine = sessions.kw["bind"]
        self._postgres = self._engine.dialect.name == "postgresql"

    # ---- lifecycle -------------------------------------------------------------------------
    def wake(self) -> None:
        """New rows were written: look now instead of at the next poll."""
        self._poll.wake()

    def start(self) -> OutboxSender:
        """Deliver in a daemon thread until `stop()`."""
        self._poll.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming rows, finish the ones in flight, and return."""
        self._poll.stop(timeout)
        self._pool.shutdown(wait=True)

    # ---- one pass ----------------------------------------------------------------------------
    def run_once(self) -> int:
        """Claim and deliver one batch of due rows; returns how many rows were handled."""
        rows, lease = self._claim()
        if not rows:
            return 0
        # Rows not begun by half their lease go back to the queue: a lease must never run out while its rows
        # still wait their turn here, or another sender would take them and both would post (exactly once).
        deadline = time.monotonic() + self._lease / 2
        by_channel: dict[str, list[Claimed]] = defaultdict(list)
        for row in rows:
            by_channel[row.channel].append(row)
        futures = [self._pool.submit(self._deliver_channel, group, deadline, lease) for group in by_channel.values()]
        outcomes: list[Outcome] = []
        try:
            for future in futures:
                outcomes += future.result()
        finally:
            self._record(outcomes)
        return len(rows)

    def _record(self, outcomes: list[Outcome]) -> None:
        """Write a batch's outcomes: one executemany per kind, in one transaction.

        If that fails the rows stay `sending`; once their lease is over they are looked up in Slack, not re-sent.
        """
        try:
            if outcomes:
                by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
                for outcome in outcomes:
                    by_kind[outcome.kind].append(outcome.params)
                with self._engine.begin() as connection:
                    for kind, params in by_kind.items():
                        connection.execute(_FINISH[kind], params)
        finally:
            for outcome in outcomes:
                if "key" in outcome.params:
                    self._recent.pop((outcome.params["team"], outcome.params["key"]), None)

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

    def _claim(self) -> tuple[list[Claimed], datetime]:
        """Due rows this sender now holds, and the lease it holds them until."""
        now = self._clock()
        due = or_(OutboundMessage.status == "pending",
                  (OutboundMessage.status == "sending") & (OutboundMessage.locked_until < now))
        held = [team for team, until in self._team_hold.items() if until > time.monotonic()]
        shared_holds = select(RateHold.team_id).where(RateHold.until > now)
        stmt = select(OutboundMessage.id, OutboundMessage.team_id, OutboundMessage.channel_key, OutboundMessage.method,
                      OutboundMessage.payload, OutboundMessage.dedupe_key, OutboundMessage.attempts,
                      OutboundMessage.on_sent, OutboundMessage.status, OutboundMessage.last_error).where(
            due, OutboundMessage.next_attempt_at <= now, OutboundMessage.team_id.not_in(shared_holds))
        if held:
            stmt = stmt.where(OutboundMessage.team_id.not_in(held))
        stmt = stmt.order_by(OutboundMessage.id).limit(self._batch)
        lease = now + timedelta(seconds=self._lease)
        with self._sessions.begin() as session:
            rows = session.execute(stmt.with_for_update(skip_locked=True) if self._postgres else stmt).all()
            if not rows:
                return [], lease
            # PostgreSQL locked the rows (SKIP LOCKED); SQLite has one writer at a time: either way the
            # conditional UPDATE makes sure two processes never claim the same row.
            won = set(session.scalars(update(OutboundMessage).where(OutboundMessage.id.in_([r[0] for r in rows]), due)
                                      .values(status="sending", locked_until=lease).returning(OutboundMessage.id)
                                      .execution_options(synchronize_session=False)))
        return [Claimed(r[0], r[1], r[2], r[3], dict(r[4] or {}), r[5], r[6], r[7],
                        r[8] == "sending" or (r[9] or "").startswith(UNREACHABLE)) for r in rows if r[0] in won], lease

    def _deliver_channel(self, group: list[Claimed], deadline: float, lease: datetime) -> list[Outcome]:
        # One channel's rows go in order, at most one per `per_channel_interval` (Slack's 1 msg/s/channel).
        outcomes: list[Outcome] = []
        for index, row in enumerate(group):
            if time.monotonic() > deadline:
                self._give_back(group[index:], lease)
                break
            hold = self._team_hold.get(row.team_id, 0.0) - time.monotonic()
            if hold > 0:
                self._release([r.id for r in group[index:]], hold)
                break
            with self._channel_locks[row.channel]:
                wait = self._channel_last.get(row.channel, 0.0) + self._per_channel - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                outcome = self._deliver(row)
                self._channel_last[row.channel] = time.monotonic()
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _give_back(self, rows: list[Claimed], lease: datetime) -> None:
        """Rows still held under `lease` and not begun are due again at once, for any sender. A row that may
        already be in Slack (an earlier sender died with it) stays `sending`, lease over, so it is looked up."""
        now = self._clock()
        with self._sessions.begin() as session:
            back = ((False, {"status": "pending", "locked_until": None}), (True, {"locked_until": now}))
            for suspect, values in back:
                ids = [r.id for r in rows if r.suspect is suspect]
                if ids:
                    session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(ids),
                                                                   OutboundMessage.status == "sending",
                                                                   OutboundMessage.locked_until == lease)
                                    .values(next_attempt_at=now, **values).execution_options(synchronize_session=False))

    def _release(self, row_ids: list[int], delay: float) -> None:
        with self._sessions.begin() as session:
            session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(row_ids),
                                                           OutboundMessage.status == "sending")
                            .values(status="pending", locked_until=None,
                                    next_attempt_at=self._clock() + timedelta(seconds=delay)))

    def _deliver(self, row: Claimed) -> Outcome | None:
        method, team_id, channel, payload, key, attempts = (row.method, row.team_id, row.channel, row.payload,
                                                            row.key, row.attempts)
        try:
            if "update_of" in payload or "thread_of" in payload or "channel_of" in payload:
                with self._sessions() as session:
                    args = self._resolve(session, team_id, method, channel, payload, row_id=row.id)
            else:
                args = self._resolve(None, team_id, method, channel, payload)
        except Deferred:
            return self._finish(row, retry=Retry(1.0, "waiting for the message it updates", counts=False))
        except Permanent as error:
            log.error("outbox row %s (%s) refused: %s", row.id, key, error)
            return self._finish(row, failed=str(error), attempts=attempts + 1)
        if method == "chat.postMessage" and "metadata" not in args:
            args["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        self._bucket.take()
        try:
            if "open_users" in args:  # a group DM ("U1,U2"): opened at delivery, its id is the channel
                opened = self._call(team_id, "conversations.open", {"users": args.pop("open_users")})
                args["channel"] = opened["channel"]["id"]
            answer = self._already_posted(team_id, key, args) if row.suspect and method == "chat.postMessage" \
                else None
            if answer is None and method == INVITE_METHOD:
                answer = deliver_invite(lambda m, a, form=False: self._call(team_id, m, a, form=form),
                                        _post_bytes, args, self._clock())
            elif answer is None:
                answer = self._call(team_id, method, args)
        except Retry as retry:
            if retry.counts and attempts + 1 >= self.max_attempts:
                log.error("outbox row %s (%s) failed for good after %s attempts: %s", row.id, key, attempts + 1,
                          retry.error)
                return self._finish(row, failed=retry.error, attempts=attempts + 1)
            if retry.counts:
                log.warning("outbox row %s (%s): %s; retrying in %.1fs", row.id, key, retry.error, retry.delay)
            return self._finish(row, retry=retry, attempts=attempts + (1 if retry.counts else 0))
        except Permanent as error:
            log.error("outbox row %s (%s) refused by Slack: %s", row.id, key, error)
            return self._finish(row, failed=str(error), attempts=attempts + 1)
        return self._finish(row, answer=answer, attempts=attempts + 1)

    def _already_posted(self, team_id: str, key: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """The message of `key` if an earlier attempt did reach Slack (found by its metadata), else None.

        Only asked for rows that may have reached Slack. When Slack cannot tell (an error, no history scope),
        the row is posted: a rare duplicate beats a lost notification.
        """
        try:
            channel = args["channel"]
            if channel[:1] in ("U", "W"):  # a DM named by the user: its channel id
                channel = self._call(team_id, "conversations.open", {"users": channel})["channel"]["id"]
            if args.get("thread_ts"):
                found = self._call(team_id, "conversations.replies", {"channel": channel, "ts": args["thread_ts"],
                                                                      "limit": 1000, "include_all_metadata": True})
            else:
                found = self._call(team_id, "conversations.history", {"channel": channel, "limit": 100,
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

    def _resolve(self, session: Session | None, team_id: str, method: str, channel: str,
                 payload: dict[str, Any], row_id: int | None = None) -> dict[str, Any]:
        args = {k: v for k, v in payload.items() if k not in ("update_of", "thread_of", "channel_of")}
        for ref_name in ("update_of", "thread_of", "channel_of"):
            ref_key = payload.get(ref_name)
            if not ref_key or session is None:
                continue
            ref = session.scalar(select(OutboundMessage).where(OutboundMessage.team_id == team_id,
                                                               OutboundMessage.dedupe_key == ref_key))
            if ref is None or ref.status == "failed":
                raise Permanent(f"the message it refers to ({ref_key}) was never delivered")
            result = ref.result if ref.status == "sent" else self._recent.get((team_id, ref_key))
            if not result:
                raise Deferred(ref_key)
            if ref_name == "update_of" and row_id is not None:
                self._wait_for_older_updates(session, team_id, ref_key, row_id)
            channel = result["channel"]
            args[{"update_of": "ts", "thread_of": "thread_ts", "channel_of": "ref_ts"}[ref_name]] = result["ts"]
        args["channel"] = channel
        if method == "chat.delete":
            return {"channel": args["channel"], "ts": args.get("ts")}
        if method == "chat.postEphemeral":
            args.setdefault("user", channel)
        return args

    def _wait_for_older_updates(self, session: Session, team_id: str, ref_key: str, row_id: int) -> None:
        """Updates of one message apply in the order they were written: a newer one waits for the older ones
        (else a deferred v2 could land after v3 and show stale content)."""
        older = session.scalars(select(OutboundMessage.dedupe_key).where(
            OutboundMessage.team_id == team_id, OutboundMessage.id < row_id,
            OutboundMessage.status.in_(("pending", "sending")),
            OutboundMessage.payload["update_of"].as_string() == ref_key)).all()
        if any((team_id, key) not in self._recent for key in older):  # delivered by us, not yet recorded: fine
            raise Deferred(ref_key)

    def _call(self, team_id: str, method: str, args: dict[str, Any], *, form: bool = False) -> dict[str, Any]:
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
                self._team_hold[team_id] = time.monotonic() + delay
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

    def _finish(self, row: Claimed, *, answer: dict[str, Any] | None = None, retry: Retry | None = None,
                failed: str | None = None, attempts: int | None = None) -> Outcome | None:
        """The outcome to record with the batch (a row with an `on_sent` hook is recorded at once, with it)."""
        now = self._clock()
        attempts = row.attempts if attempts is None else attempts
        metrics.delivery("sent" if answer is not None else "failed" if failed is not None else "retry")
        if answer is not None:
            result = {"channel": answer.get("channel") or row.channel, "ts": answer.get("ts")}
            if row.on_sent:  # the hook gets the ORM row, in the same transaction
                with self._sessions.begin() as session:
                    stored = session.get(OutboundMessage, row.id)
                    if stored is not None and stored.status == "sending":
                        # Lock order: the hook's domain rows first, then this outbox row, as every service
                        # does (change, then queue). The other order deadlocks with a service transaction
                        # that holds the domain row and re-queues this key (seen on PostgreSQL).
                        set_committed_value(stored, "result", result)  # readable by the hook, not yet written
                        run_hook(self._hooks, session, stored, answer)
                        session.flush()
                        stored.status, stored.sent_at, stored.last_error, stored.attempts = "sent", now, None, attempts
                        stored.locked_until, stored.payload, stored.result = None, DELIVERED_PAYLOAD, dict(result)
                        flag_modified(stored, "result")  # equal to the value the hook saw, but not written yet
                return None
            self._recent[(row.team_id, row.key)] = result
            return Outcome("sent", {"row_id": row.id, "attempts": attempts, "now": now, "result": result,
                                    "team": row.team_id, "key": row.key})
        if failed is not None:
            return Outcome("failed", {"row_id": row.id, "attempts": attempts, "error": failed[:2000]})
        assert retry is not None
        delay = retry.delay or min(self._max_backoff, self._backoff * 2 ** max(0, attempts - 1))
        return Outcome("retry", {"row_id": row.id, "attempts": attempts, "error": retry.error,
                                 "next_at": now + timedelta(seconds=delay)})


# A delivered row keeps Slack's answer (channel, ts), not its text: notifications may be private (feedback),
# and once Slack has them the database has no reason to.
DELIVERED_PAYLOAD: dict[str, Any] = {"delivered": True}


def _finish_statements() -> dict[str, Any]:
    """The three outcomes of a delivery as UPDATEs built once (only rows still `sending` change)."""
    base = update(OutboundMessage).where(OutboundMessage.id == bindparam("row_id"), OutboundMessage.status == "sending")
    common = {"attempts": bindparam("attempts"), "locked_until": None}
    return {
        "sent": base.values(status="sent", sent_at=bindparam("now"), last_error=None, result=bindparam("result"),
                            payload=DELIVERED_PAYLOAD, **common),
        "failed": base.values(status="failed", last_error=bindparam("error"), **common),
        "retry": base.values(status="pending", last_error=bindparam("error"), next_attempt_at=bindparam("next_at"),
                             **common),
    }


_FINISH = _finish_statements()


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
