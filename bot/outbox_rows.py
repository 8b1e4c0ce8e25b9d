"""The outbox table as the sender reads and writes it: a row as claimed, its references to other rows
resolved, the three outcomes of a delivery, and the counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.slack_calls import Deferred, Permanent
from storage.models_delivery import OutboundMessage

Recent = dict[tuple[str, str], dict[str, Any]]  # (team, key) -> Slack's answer, sent but not yet recorded

# A delivered row keeps Slack's answer (channel, ts), not its text: notifications may be private (feedback),
# and once Slack has them the database has no reason to.
DELIVERED_PAYLOAD: dict[str, Any] = {"delivered": True}


class Claimed(NamedTuple):
    """A row a sender claimed, with what it needs to deliver it (read with the claim, in one query)."""

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
    """How one delivery ended, recorded with the rest of its batch by FINISH[kind]: sent, failed or retry."""

    kind: str
    params: dict[str, Any]


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


FINISH = _finish_statements()


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


def resolve(session: Session | None, recent: Recent, team_id: str, method: str, channel: str,
            payload: dict[str, Any], row_id: int | None = None) -> dict[str, Any]:
    """A row's call arguments: its references to other rows (update_of, thread_of, channel_of) become the channel
    and ts Slack gave them. Deferred while one (or an older update of the same message) is not delivered yet;
    Permanent when it never will be. `recent`: rows sent but not yet recorded, by (team, key)."""
    args = {k: v for k, v in payload.items() if k not in ("update_of", "thread_of", "channel_of")}
    for ref_name in ("update_of", "thread_of", "channel_of"):
        ref_key = payload.get(ref_name)
        if not ref_key or session is None:
            continue
        ref = session.scalar(select(OutboundMessage).where(OutboundMessage.team_id == team_id,
                                                           OutboundMessage.dedupe_key == ref_key))
        if ref is None or ref.status == "failed":
            raise Permanent(f"the message it refers to ({ref_key}) was never delivered")
        result = ref.result if ref.status == "sent" else recent.get((team_id, ref_key))
        if not result:
            raise Deferred(ref_key)
        if ref_name == "update_of" and row_id is not None:
            _wait_for_older_updates(session, recent, team_id, ref_key, row_id)
        channel = result["channel"]
        args[{"update_of": "ts", "thread_of": "thread_ts", "channel_of": "ref_ts"}[ref_name]] = result["ts"]
    args["channel"] = channel
    if method == "chat.delete":
        return {"channel": args["channel"], "ts": args.get("ts")}
    if method == "chat.postEphemeral":
        args.setdefault("user", channel)
    return args


def _wait_for_older_updates(session: Session, recent: Recent, team_id: str, ref_key: str, row_id: int) -> None:
    """Updates of one message apply in the order they were written: a newer one waits for the older ones
    (else a deferred v2 could land after v3 and show stale content)."""
    older = session.scalars(select(OutboundMessage.dedupe_key).where(
        OutboundMessage.team_id == team_id, OutboundMessage.id < row_id,
        OutboundMessage.status.in_(("pending", "sending")),
        OutboundMessage.payload["update_of"].as_string() == ref_key)).all()
    if any((team_id, key) not in recent for key in older):  # delivered by us, not yet recorded: fine
        raise Deferred(ref_key)
