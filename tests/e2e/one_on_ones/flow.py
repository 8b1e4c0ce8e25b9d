"""What people do in Slack around 1-on-1s, as signed requests to the running okrbot (tests/support/stack.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select

from bot.blocks.one_on_ones import OneOnOneAction
from bot.sandbox.payloads import Response
from storage.models import OneOnOne
from tests.support.stack import TEAM, Stack

T = TypeVar("T")
COMMAND = "/request-1on1"


def eventually(probe: Callable[[], T], timeout: float = 5.0) -> T:
    """The first truthy answer of `probe` (Bolt acks before its listener finishes), or AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer or time.monotonic() > deadline:
            assert answer, f"{probe} stayed falsy for {timeout}s"
            return answer
        time.sleep(0.02)


def command(stack: Stack, user: str, text: str = "", channel: str = "CGENERAL") -> Response:
    """`user` types `/request-1on1 text` in `channel`."""
    url = stack.slack.new_response_url(channel=channel, user=user)
    return stack.send.command(TEAM, user, COMMAND, text, channel_id=channel, response_url=url)


def ephemeral_texts(stack: Stack, user: str) -> list[str]:
    """Everything okrbot told `user` privately (text and block texts), oldest first."""
    return [text_of(e) for e in stack.slack.ephemerals(user)]


def text_of(message: dict[str, Any] | None) -> str:
    """A message's or view's text and the text of all its blocks, as one string (what a reader sees)."""
    if not message:
        return ""
    parts = [str(message.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return "\n".join(parts)


def action_ids(message: dict[str, Any]) -> set[str]:
    """Action ids of the buttons and inputs in a message."""
    found = set()
    for block in message.get("blocks") or []:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("action_id"):
                found.add(element["action_id"])
    return found


def dm(stack: Stack, user: str) -> str:
    """The channel id of okrbot's DM with `user`."""
    return stack.slack.dm_channel(user)


def messages_with(stack: Stack, channel: str, action_id: str) -> list[dict[str, Any]]:
    """Top-level messages of `channel` that carry `action_id`, oldest first."""
    return [m for m in stack.slack.messages(channel) if action_id in action_ids(m)]


def request_dm(stack: Stack, manager: str = "UMARIA") -> dict[str, Any]:
    """The manager's DM with the request (delivered by the outbox)."""
    stack.deliver()
    return eventually(lambda: next(iter(messages_with(stack, dm(stack, manager), OneOnOneAction.ACCEPT)), None))


def click(stack: Stack, user: str, channel: str, message: dict[str, Any], action_id: str,
          **action: Any) -> Response:
    """`user` clicks `action_id` in `message` (its value comes from the element, as in Slack)."""
    url = stack.slack.new_response_url(channel=channel, user=user, message_ts=message["ts"])
    return stack.send.action(TEAM, user, [{"action_id": action_id, **action}], channel_id=channel, message=message,
                             response_url=url)


def modal(stack: Stack, user: str, callback_id: str) -> dict[str, Any]:
    """The modal `callback_id` open on `user`'s screen."""
    return eventually(lambda: next((v for v in reversed(stack.slack.open_views(user))
                                    if v["callback_id"] == callback_id), None))


def submit(stack: Stack, user: str, view: dict[str, Any], values: dict[str, Any]) -> Response:
    """`user` submits `view` with these values (by action_id); the fake's modal stack follows the answer."""
    response = stack.send.submit(TEAM, user, view, values)
    stack.slack.apply_view_ack(user, response.json())
    return response


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
    click(stack, "UMARIA", dm(stack, "UMARIA"), message, OneOnOneAction.ACCEPT)
    opened = stack.slack.wait_for("conversations.open", count=before + 1)[-1]
    stack.deliver()
    row = eventually(lambda: next((r for r in one_on_ones(stack) if r.thread_ts and r.requester_id == requester
                                   and r.state == "accepted"), None))
    assert row.thread_channel == opened.response["channel"]["id"]
    return row.id, row.thread_channel, row.thread_ts
