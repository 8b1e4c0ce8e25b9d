"""The outbox: notifications written in the caller's transaction, delivered later by the sender.

A row is a Slack Web API call (`chat.postMessage` by default) with a dedupe key unique per team, so
writing the same notification twice (a retried event, a double click, a second scheduler) is a no-op.
`update_of` names another row's dedupe key: the call is a `chat.update` of the message that row posted,
sent only after that row was delivered (with `method="chat.delete"`, it deletes that message). `on_sent`
names a hook that runs in the sender's transaction with the Slack answer, e.g. to remember a message's ts;
the hooks are one table (`bot.services.outbox_hooks`) given to the Outbox and the sender at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.clock import Clock
from storage.db import insert_ignore
from storage.models_delivery import OutboundMessage

Hook = Callable[[Session, OutboundMessage, dict[str, Any], str], None]
Hooks = Mapping[str, Hook]  # name -> fn(session, row, slack_answer, arg) for rows with on_sent="name:arg"


class UnknownHook(LookupError):
    """An `on_sent` names no hook of the table: a programming error, reported where the name is written."""

    def __init__(self, on_sent: str, hooks: Hooks) -> None:
        super().__init__(f"on_sent={on_sent!r} names no outbox hook; known: {', '.join(sorted(hooks)) or 'none'} "
                         "(add it to bot.services.outbox_hooks)")


def hook_for(hooks: Hooks, on_sent: str) -> tuple[Hook, str]:
    """The hook `on_sent` ("name:arg") names, and its argument; UnknownHook when the table lacks it."""
    name, _, arg = on_sent.partition(":")
    if name not in hooks:
        raise UnknownHook(on_sent, hooks)
    return hooks[name], arg


def run_hook(hooks: Hooks, session: Session, row: OutboundMessage, answer: dict[str, Any]) -> None:
    """Run the row's `on_sent` hook from `hooks`, if it has one."""
    if row.on_sent:
        hook, arg = hook_for(hooks, row.on_sent)
        hook(session, row, answer, arg)


class Outbox:
    """Writes notifications; the sender (bot.slack_port.OutboxSender) delivers them."""

    def __init__(self, clock: Clock, wake: Callable[[], None] | None = None, *, hooks: Hooks | None = None) -> None:
        """`hooks`: the table `on_sent` names are checked against when a row is written (None: not checked)."""
        self._clock = clock
        self._wake = wake
        self.hooks: Hooks = hooks if hooks is not None else {}
        self._check = hooks is not None

    def _check_hook(self, on_sent: str | None) -> None:
        if on_sent and self._check:
            hook_for(self.hooks, on_sent)

    def set_waker(self, wake: Callable[[], None]) -> None:
        """Let the in-process sender know new rows exist (called after commit is fine either way)."""
        self._wake = wake

    def add(
        self,
        session: Session,
        *,
        team_id: str,
        key: str,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        method: str = "chat.postMessage",
        update_of: str | None = None,
        thread_of: str | None = None,
        on_sent: str | None = None,
        not_before: datetime | None = None,
        **extra: Any,
    ) -> bool:
        """Queue one Slack call in `session`'s transaction; False when `key` was queued before.

        `channel` is a channel id or a user id (a DM). `text` is the notification fallback Slack shows.
        `thread_of` posts into the thread of the message another row (by key) posted.
        """
        self._check_hook(on_sent)
        payload: dict[str, Any] = {"text": text, **extra}
        if blocks is not None:
            payload["blocks"] = blocks
        if update_of:
            payload["update_of"] = update_of
            method = "chat.delete" if method == "chat.delete" else "chat.update"
        if thread_of:
            payload["thread_of"] = thread_of
        now = self._clock()
        inserted = insert_ignore(session, OutboundMessage, {
            "team_id": team_id, "dedupe_key": key[:255], "method": method, "channel_key": channel,
            "payload": payload, "on_sent": on_sent, "status": "pending", "attempts": 0,
            "next_attempt_at": not_before or now, "created_at": now,
        })
        if inserted and self._wake:
            self._wake()
        return bool(inserted)

    def add_many(self, session: Session, messages: list[dict[str, Any]]) -> set[str]:
        """Queue many `chat.postMessage` calls in one statement per page; returns the keys that were new.

        Each message is a dict of `add`'s arguments: team_id, key, channel, text, optional blocks and on_sent.
        Used by scans that write thousands of notifications at once (the mid-month nudges).
        """
        if not messages:
            return set()
        for message in messages:
            self._check_hook(message.get("on_sent"))
        now = self._clock()
        rows = [{"team_id": m["team_id"], "dedupe_key": m["key"][:255], "method": "chat.postMessage",
                 "channel_key": m["channel"], "on_sent": m.get("on_sent"), "status": "pending", "attempts": 0,
                 "payload": {"text": m["text"], **({"blocks": m["blocks"]} if m.get("blocks") is not None else {})},
                 "next_attempt_at": now, "created_at": now} for m in messages]
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = insert(OutboundMessage).on_conflict_do_nothing().returning(OutboundMessage.dedupe_key)
        keys = set(session.scalars(stmt, rows))
        if keys and self._wake:
            self._wake()
        return keys

    @staticmethod
    def counts(session: Session) -> dict[str, int]:
        """Rows per status, for `okrbot outbox` and /healthz."""
        rows = session.execute(select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status))
        return {status: count for status, count in rows}

    @staticmethod
    def problems(session: Session, limit: int = 50) -> list[OutboundMessage]:
        """Failed rows and rows still waiting, oldest first."""
        stmt = (select(OutboundMessage).where(OutboundMessage.status.in_(("pending", "sending", "failed")))
                .order_by(OutboundMessage.id).limit(limit))
        return list(session.scalars(stmt))
