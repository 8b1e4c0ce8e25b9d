"""The inbox: every Slack event okrbot acknowledges is first stored here, then worked on from here.

Why: Slack never re-sends an event it got a 200 for, so work done after the ack inside the web worker is
lost when that process dies. Here the ack path is one insert (the verified payload, unique on Slack's
event_id, so a retry or a concurrent duplicate is the same row), and `InboxWorker`s (bot/inbox_worker.py) in
every serve worker, socket and scheduler process take rows and run them through the same Bolt listeners.

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

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.clock import Clock, utcnow
from bot.inbox_filter import KeepReaction, event_key, stored_form
from storage.db import insert_ignore
from storage.models_delivery import InboxEvent

REPLAY = "okrbot_inbox_replay"  # Bolt context key: this request comes from the inbox, not from Slack
KEEP_DONE = timedelta(days=1)  # Slack retries within minutes; a day of done keys is plenty


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
