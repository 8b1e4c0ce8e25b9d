"""The outbox hooks of 1-on-1 messages: where Slack put them, kept once they are sent (see `outbox_hooks`
in bot.services, the one table of hooks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.models_delivery import OutboundMessage
from storage.models_one_on_ones import OneOnOne


def remember_request_message(session: Session, row: OutboundMessage, answer: dict[str, Any], arg: str) -> None:
    """Keep where the manager's DM is (channel, ts) once Slack has it."""
    session.execute(update(OneOnOne).where(OneOnOne.team_id == row.team_id, OneOnOne.id == int(arg))
                    .values(request_channel=answer.get("channel"), request_ts=answer.get("ts")))


def remember_thread(session: Session, row: OutboundMessage, answer: dict[str, Any], arg: str) -> None:
    """Keep where the pair's message is: replies in its thread are the 1-on-1's conversation."""
    session.execute(update(OneOnOne).where(OneOnOne.team_id == row.team_id, OneOnOne.id == int(arg))
                    .values(thread_channel=answer.get("channel"), thread_ts=answer.get("ts")))


HOOKS = {"1on1.request": remember_request_message, "1on1.thread": remember_thread}  # on_sent="1on1.request:{id}"
