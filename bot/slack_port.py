"""The outbox sender: the one door for Slack calls made outside a request (the directory port is
bot/slack_directory.py; one call and its outcomes, bot/slack_calls.py).

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
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from bot import metrics
from bot.calendar_delivery import INVITE_METHOD, deliver_invite
from bot.clock import Clock, utcnow
from bot.outbox_rows import DELIVERED_PAYLOAD, FINISH, Claimed, Outcome, resolve
from bot.polling import PollLoop
from bot.services.core.outbox import Hooks, run_hook
from bot.slack_calls import METADATA_EVENT, UNREACHABLE, Deferred, Permanent, Retry, SlackCalls, TokenBucket, post_bytes
from bot.slack_directory import ClientFor
from storage.models_delivery import OutboundMessage, RateHold

log = logging.getLogger("okrbot.outbox")


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
        self._calls = SlackCalls(client_for, sessions.kw["bind"], clock)
        self._team_hold = self._calls.team_hold  # a 429's hold, which claims and deliveries respect
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
                        connection.execute(FINISH[kind], params)
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
                    args = resolve(session, self._recent, team_id, method, channel, payload, row_id=row.id)
            else:
                args = resolve(None, self._recent, team_id, method, channel, payload)
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
                opened = self._calls.call(team_id, "conversations.open", {"users": args.pop("open_users")})
                args["channel"] = opened["channel"]["id"]
            answer = self._calls.already_posted(team_id, key, args) if row.suspect and method == "chat.postMessage" \
                else None
            if answer is None and method == INVITE_METHOD:
                answer = deliver_invite(lambda m, a, form=False: self._calls.call(team_id, m, a, form=form),
                                        post_bytes, args, self._clock())
            elif answer is None:
                answer = self._calls.call(team_id, method, args)
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
