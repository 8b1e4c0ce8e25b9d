"""The inbox: every Slack event okrbot acknowledges is first stored here, then worked on from here.

Why: Slack never re-sends an event it got a 200 for, so work done after the ack inside the web worker is
lost when that process dies. Here the ack path is one insert (the verified payload, unique on Slack's
event_id, so a retry or a concurrent duplicate is the same row), and `InboxWorker`s in every serve
worker, socket and scheduler process take rows and run them through the same Bolt listeners.

A row's life: `pending` -> leased (`owner`, `locked_until`; attempts + 1) -> the listeners run -> `done`
(payload dropped; the row stays a day so a late retry is still recognised, then `prune` deletes it).
A worker killed mid-row leaves the lease to expire; another worker takes the row again. The listeners'
effects are idempotent on natural keys (kudos, outbox dedupe keys, conversation rows), so running a row
again after its work committed changes nothing. A row that raises `max_attempts` times is `failed`,
with its error, until `okrbot inbox --retry-failed`. Rows with the same `order_key` (one Slack message:
its replies, edits, deletions and reactions) run one at a time in arrival order; a failed row no
longer holds the ones behind it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.clock import Clock, utcnow
from bot.handlers.events import IGNORED_SUBTYPES
from bot.polling import PollLoop
from storage.db import insert_ignore
from storage.models import InboxEvent

log = logging.getLogger("okrbot.inbox")
REPLAY = "okrbot_inbox_replay"  # Bolt context key: this request comes from the inbox, not from Slack
KEEP_DONE = timedelta(days=1)  # Slack retries within minutes; a day of done keys is plenty


KeepReaction = Callable[[str, dict[str, Any]], bool]


class ReactionFilter:
    """Which reactions the ack path keeps: kudos reactions, and any reaction in a channel holding an objective's
    message (it may join an OKR conversation). The channel set is read again, at most every `ttl` seconds, when
    a reaction names a channel not in it; so one SELECT per `ttl` per process, not one per `:eyes:`."""

    def __init__(self, kudos_reactions: tuple[str, ...], channels_of: Callable[[str], set[str]], *,
                 ttl: float = 5.0) -> None:
        self._kudos = set(kudos_reactions)
        self._channels_of = channels_of
        self._ttl = ttl
        self._known: dict[str, tuple[float, set[str]]] = {}
        self._lock = threading.Lock()

    def __call__(self, team_id: str, event: dict[str, Any]) -> bool:
        """True when okrbot may act on this reaction event."""
        if str(event.get("reaction") or "").split("::", 1)[0] in self._kudos:
            return True
        channel = (event.get("item") or {}).get("channel", "")
        with self._lock:
            read_at, channels = self._known.get(team_id, (float("-inf"), set()))
            if channel not in channels and time.monotonic() - read_at >= self._ttl:
                channels = self._channels_of(team_id)
                self._known[team_id] = (time.monotonic(), channels)
        return channel in channels


def stored_form(body: dict[str, Any], keep_reaction: KeepReaction | None = None) -> tuple[dict[str, Any] | None,
                                                                                           str | None]:
    """What to keep of an event_callback: (payload or None when okrbot does not act on it, order key).

    Not kept: bot messages and channel housekeeping, top-level messages (okrbot reads only thread
    replies), edits of messages that are not thread replies, reactions on files, and reactions
    `keep_reaction` says okrbot cannot act on. Kept without text: the previous version of an edited or
    deleted message. Order key: the Slack message concerned.
    """
    event = body.get("event")
    if not isinstance(event, dict):  # nothing a listener could act on; kept so the worker decides, not the ack
        return body, None
    kind = event.get("type", "")
    team = body.get("team_id", "")
    if kind == "message":
        return _message_form(body, event, team)
    if kind in ("reaction_added", "reaction_removed"):
        item = event.get("item")
        if not isinstance(item, dict) or item.get("type") != "message":
            return None, None
        if keep_reaction is not None and not keep_reaction(team, event):
            return None, None
        return body, f"{team}:{item.get('channel', '')}:{item.get('ts', '')}"
    return body, None


def _message_form(body: dict[str, Any], event: dict[str, Any],
                  team: str) -> tuple[dict[str, Any] | None, str | None]:
    subtype = event.get("subtype")
    channel = event.get("channel", "")
    if subtype in IGNORED_SUBTYPES or event.get("bot_id"):
        return None, None
    if subtype == "message_changed":
        message = event.get("message")
        if not isinstance(message, dict) or message.get("bot_id") or not message.get("user") or not _is_reply(message):
            return None, None
        slim = {k: v for k, v in event.items() if k != "previous_message"}
        return {**body, "event": slim}, f"{team}:{channel}:{message.get('ts', '')}"
    if subtype == "message_deleted":
        previous = event.get("previous_message")
        if isinstance(previous, dict) and previous and not _is_reply(previous):
            return None, None
        slim = {k: v for k, v in event.items() if k != "previous_message"}
        return {**body, "event": slim}, f"{team}:{channel}:{event.get('deleted_ts', '')}"
    if not _is_reply(event) or not event.get("user"):
        return None, None
    return body, f"{team}:{channel}:{event.get('ts', '')}"


def _is_reply(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message.get("ts")


def event_key(body: dict[str, Any]) -> str:
    """Slack's event_id (the same on every retry); a digest of the body for the rare event without one."""
    return str(body.get("event_id") or "sha1:" + hashlib.sha1(  # noqa: S324 - a key, not a secret
        json.dumps(body, sort_keys=True).encode()).hexdigest())[:128]


class Inbox:
    """The table's operations: accept (the ack path), claim, finish, counts, prune."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow, *, gate: Any = None,
                 wake: Callable[[], None] | None = None, keep_reaction: KeepReaction | None = None) -> None:
        self._sessions = sessions
        self._keep_reaction = keep_reaction
        self._clock = clock
        self._gate = gate
        self._wake = wake
        self._postgres = sessions.kw["bind"].dialect.name == "postgresql"

    def set_waker(self, wake: Callable[[], None]) -> None:
        """Tell this process's worker a row was stored (other processes find it at their next poll)."""
        self._wake = wake

    def accept(self, body: dict[str, Any]) -> bool:
        """Store a verified event_callback in one autocommitted insert; False for a duplicate or an event
        okrbot does not act on. Raises if the database refuses: then Slack gets no 200 and retries."""
        payload, order_key = stored_form(body, self._keep_reaction)
        if payload is None:
            return False
        event = body.get("event")
        row = {"event_key": event_key(body), "team_id": str(body.get("team_id") or "")[:32],
               "kind": str(event.get("type") or "" if isinstance(event, dict) else "")[:64],
               "order_key": order_key and order_key[:160],
               "payload": payload, "status": "pending", "attempts": 0, "received_at": self._clock()}
        try:
            inserted = self._insert(row)
        except DBAPIError as error:
            if not error.connection_invalidated:  # a pooled connection the database had closed: once more
                raise
            inserted = self._insert(row)
        if inserted and self._wake:
            self._wake()
        return bool(inserted)

    def _insert(self, row: dict[str, Any]) -> int:
        with self._sessions() as session:
            # One statement committed on its own: no BEGIN and COMMIT round trips before the ack (bench/ack.py).
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            if self._gate is None:
                return insert_ignore(session, InboxEvent, row)
            with self._gate:
                return insert_ignore(session, InboxEvent, row)

    def claim(self, owner: str, *, limit: int, lease: float) -> list[tuple[int, dict[str, Any], int]]:
        """Lease up to `limit` rows that are due (not leased, or their lease ran out) and first of their order
        key; returns (id, payload, attempts so far including this one). One statement, so SQLite takes it as
        one write and PostgreSQL skips rows another process holds."""
        now = self._clock()
        candidate, earlier = aliased(InboxEvent, name="candidate"), aliased(InboxEvent, name="earlier")
        due = and_(InboxEvent.status == "pending",
                   or_(InboxEvent.locked_until.is_(None), InboxEvent.locked_until < now))
        candidate_due = and_(candidate.status == "pending",
                             or_(candidate.locked_until.is_(None), candidate.locked_until < now))
        first_of_key = or_(candidate.order_key.is_(None), ~exists().where(
            earlier.order_key == candidate.order_key, earlier.id < candidate.id, earlier.status == "pending"))
        ids = select(candidate.id).where(candidate_due, first_of_key).order_by(candidate.id).limit(limit)
        if self._postgres:
            ids = ids.with_for_update(skip_locked=True, of=candidate)
        stmt = (update(InboxEvent).where(InboxEvent.id.in_(ids.scalar_subquery()), due)
                .values(owner=owner, locked_until=now + timedelta(seconds=lease), attempts=InboxEvent.attempts + 1)
                .returning(InboxEvent.id, InboxEvent.payload, InboxEvent.attempts)
                .execution_options(synchronize_session=False))
        with self._sessions.begin() as session:
            if self._gate is not None:
                with self._gate:
                    rows = session.execute(stmt).all()
            else:
                rows = session.execute(stmt).all()
        return sorted((r[0], dict(r[1] or {}), r[2]) for r in rows)

    def done(self, row_ids: int | list[int], owner: str) -> None:
        """The rows' work committed: mark them done and drop their payload (only the key is kept)."""
        self._finish(row_ids, owner, status="done", payload=None, done_at=self._clock(), last_error=None)

    def failed(self, row_id: int, owner: str, error: str, *, park: bool, retry_in: float) -> None:
        """The row's work raised: try again after `retry_in` seconds, or park it `failed` with its error."""
        values: dict[str, Any] = {"last_error": error[:2000]}
        if park:
            values |= {"status": "failed"}
        else:
            values |= {"locked_until": self._clock() + timedelta(seconds=retry_in), "owner": None}
        self._finish(row_id, owner, **values)

    def _finish(self, row_ids: int | list[int], worker: str, **values: Any) -> None:
        ids = [row_ids] if isinstance(row_ids, int) else row_ids
        if not ids:
            return
        stmt = update(InboxEvent).where(InboxEvent.id.in_(ids), InboxEvent.owner == worker,
                                        InboxEvent.status == "pending").values(**values)
        with self._sessions.begin() as session:
            if self._gate is not None:
                with self._gate:
                    session.execute(stmt)
            else:
                session.execute(stmt)

    def counts(self) -> dict[str, Any]:
        """Rows per status and the age in seconds of the oldest pending row (for `okrbot inbox`)."""
        with self._sessions() as session:
            counts = {status: n for status, n in session.execute(
                select(InboxEvent.status, func.count()).group_by(InboxEvent.status))}
            oldest = session.scalar(select(func.min(InboxEvent.received_at)).where(InboxEvent.status == "pending"))
        age = (self._clock() - oldest).total_seconds() if oldest is not None else None
        return {"pending": counts.get("pending", 0), "failed": counts.get("failed", 0),
                "done": counts.get("done", 0), "oldest_pending_seconds": age}

    def problems(self, *, include_done: bool = False, limit: int = 50) -> list[InboxEvent]:
        """Failed and pending rows (and the newest done ones with `include_done`), oldest first."""
        statuses = ("pending", "failed", "done") if include_done else ("pending", "failed")
        with self._sessions() as session:
            return list(session.scalars(select(InboxEvent).where(InboxEvent.status.in_(statuses))
                                        .order_by(InboxEvent.id).limit(limit)))

    def retry_failed(self) -> int:
        """Put every failed row back in the queue with its attempts reset; returns how many."""
        with self._sessions.begin() as session:
            return session.execute(update(InboxEvent).where(InboxEvent.status == "failed").values(
                status="pending", attempts=0, locked_until=None, owner=None)).rowcount or 0

    def prune(self, keep: timedelta = KEEP_DONE) -> int:
        """Delete done rows older than `keep` (failed and pending rows stay)."""
        cutoff = self._clock() - keep
        with self._sessions.begin() as session:
            return session.execute(delete(InboxEvent).where(InboxEvent.status == "done",
                                                            InboxEvent.received_at < cutoff)).rowcount or 0

    def oldest_due(self) -> datetime | None:
        """When the next pending row can be taken (None when nothing is pending)."""
        with self._sessions() as session:
            return session.scalar(select(func.min(func.coalesce(InboxEvent.locked_until, InboxEvent.received_at)))
                                  .where(InboxEvent.status == "pending"))


Dispatch = Callable[[dict[str, Any]], None]


class InboxWorker:
    """Takes inbox rows and runs them (`dispatch(payload)` raises on failure); one in every process.

    Idle, it polls every `idle_poll` seconds, doubling up to `max_idle_poll` while nothing comes (a row
    stored by this process wakes it at once).
    """

    def __init__(self, inbox: Inbox, dispatch: Dispatch, *, threads: int = 4, batch: int = 16,
                 lease: float = 60.0, max_attempts: int = 5, backoff: float = 1.0, idle_poll: float = 0.25,
                 max_idle_poll: float = 2.0) -> None:
        self._inbox = inbox
        self._dispatch = dispatch
        self._threads, self._batch, self._lease = threads, batch, lease
        self.max_attempts, self._backoff = max_attempts, backoff
        self._idle_poll, self._max_idle_poll = idle_poll, max_idle_poll
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._poll = PollLoop(self.run_once, name="inbox-worker", idle_poll=idle_poll, max_idle_poll=max_idle_poll,
                              log=log)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="inbox")

    def wake(self) -> None:
        """New rows were written: look now instead of at the next poll."""
        self._poll.wake()

    def start(self) -> InboxWorker:
        """Work in a daemon thread until `stop()`."""
        self._poll.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking rows, finish the ones in hand, and return."""
        self._poll.stop(timeout)
        self._pool.shutdown(wait=True)

    def run_once(self) -> int:
        """Take one batch of rows and run them; returns how many were taken."""
        rows = self._inbox.claim(self.owner, limit=self._batch, lease=self._lease)
        if not rows:
            return 0
        # One UPDATE marks the batch's successes done (a kill before it only means running them again).
        self._inbox.done([row_id for row_id in self._pool.map(self._run, rows) if row_id is not None], self.owner)
        return len(rows)

    def _run(self, row: tuple[int, dict[str, Any], int]) -> int | None:
        """Run one row; its id when its work committed, None when it failed (recorded here)."""
        row_id, payload, attempts = row
        if attempts > self.max_attempts:  # its workers died every time (a crash, not an exception)
            log.error("inbox row %s parked: taken %s times without finishing", row_id, attempts - 1)
            self._inbox.failed(row_id, self.owner, f"taken {attempts - 1} times without finishing", park=True,
                               retry_in=0)
            return None
        try:
            self._dispatch(payload)
        except Exception as error:
            park = attempts >= self.max_attempts
            detail = _describe(error)
            if park:
                log.error("inbox row %s (%s) failed %s times; parked: %s", row_id, _kind(payload), attempts, detail)
            else:
                log.warning("inbox row %s (%s) failed (attempt %s): %s", row_id, _kind(payload), attempts, detail)
            self._inbox.failed(row_id, self.owner, detail, park=park,
                               retry_in=self._backoff * 2 ** (attempts - 1))
            return None
        return row_id

    def drain(self, timeout: float = 30.0) -> None:
        """Run rows until none is pending (tests and the CLI); waits out short retry delays."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.run_once():
                continue
            if self._inbox.oldest_due() is None:
                return
            time.sleep(0.02)


def _describe(error: Exception) -> str:
    """The error for the log and `okrbot inbox`: its class and first line, never a database error's parameters
    (they may hold a message's text)."""
    if isinstance(error, SQLAlchemyError):
        cause = getattr(error, "orig", None) or error
        first = (str(cause).splitlines() or [""])[0]
        return f"{error.__class__.__name__}: {first[:300]}"
    return f"{error.__class__.__name__}: {str(error)[:500]}"


def _kind(payload: dict[str, Any]) -> str:
    return str((payload.get("event") or {}).get("type") or payload.get("type") or "event")
