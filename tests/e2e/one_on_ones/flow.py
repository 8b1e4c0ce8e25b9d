"""What people do in Slack around 1-on-1s, as signed requests to the running okrbot (tests/support/stack.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.sandbox.slack.sender import Response
from bot.views.one_on_ones import OneOnOneAction, OneOnOneModal
from storage.models_one_on_ones import OneOnOne
from tests.support.reading import click, dm, eventually, messages_with, submit, text_of
from tests.support.stack import TEAM, Stack

COMMAND = "/request-1on1"


def command(stack: Stack, user: str, text: str = "", channel: str = "CGENERAL") -> Response:
    """`user` types `/request-1on1 text` in `channel`."""
    url = stack.slack.new_response_url(channel=channel, user=user)
    return stack.send.command(TEAM, user, COMMAND, text, channel_id=channel, response_url=url)


def ephemeral_texts(stack: Stack, user: str) -> list[str]:
    """Everything okrbot told `user` privately (text and block texts), oldest first."""
    return [text_of(e) for e in stack.slack.ephemerals(user)]


def request_dm(stack: Stack, manager: str = "UMARIA") -> dict[str, Any]:
    """The manager's DM with the request (delivered by the outbox)."""
    stack.deliver()
    return eventually(lambda: next(iter(messages_with(stack, dm(stack, manager), OneOnOneAction.ACCEPT)), None))


def future_day(stack: Stack, days: int = 7) -> str:
    """A date `days` ahead of the stack's clock, as a date picker gives it."""
    return (stack.clock() + timedelta(days=days)).date().isoformat()


def accept_at(stack: Stack, message: dict[str, Any], *, day: str | None = None, clock: str = "10:00",
              manager: str = "UMARIA") -> Response:
    """`manager` clicks Accept on a request without a proposed time and picks `day` at `clock` (her zone)."""
    opened = len([v for v in stack.slack.open_views(manager) if v["callback_id"] == OneOnOneModal.ACCEPT])
    click(stack, manager, dm(stack, manager), message, OneOnOneAction.ACCEPT)
    view = eventually(lambda: ([v for v in stack.slack.open_views(manager)
                                if v["callback_id"] == OneOnOneModal.ACCEPT][opened:] or [None])[-1])
    return submit(stack, manager, view, {"date": day or future_day(stack), "time": clock})


def one_on_ones(stack: Stack) -> list[OneOnOne]:
    """Every stored 1-on-1, oldest first."""
    with stack.sessions() as session:
        return list(session.scalars(select(OneOnOne).order_by(OneOnOne.id)))


def request_and_accept(stack: Stack, requester: str = "URAVI", topic: str = "Q4 hiring plan") -> tuple[int, str, str]:
    """`requester` asks Maria, Maria accepts; returns (1-on-1 id, the pair's group DM, the pair message ts)."""
    confirmations = len(stack.slack.calls_to("response_url"))
    command(stack, requester, f"<@UMARIA|maria> {topic}")
    stack.slack.wait_for("response_url", count=confirmations + 1)
    message = request_dm(stack)
    before = len(stack.slack.calls_to("conversations.open"))
    accept_at(stack, message)
    opened = stack.slack.wait_for("conversations.open", count=before + 1)[-1]
    stack.deliver()
    row = eventually(lambda: next((r for r in one_on_ones(stack) if r.thread_ts and r.requester_id == requester
                                   and r.state == "accepted"), None))
    assert row.thread_channel == opened.response["channel"]["id"]
    return row.id, row.thread_channel, row.thread_ts
