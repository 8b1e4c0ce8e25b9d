"""Reading what people see in the loopback Slack, and acting there, in end-to-end tests (tests/support/stack.py).

Bolt acks before its listener finishes: wait for what should happen (`eventually`, `stack.slack.wait_for`), and
wait for every listener (`listeners_done`) before asserting that something did NOT happen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import select

from bot.sandbox.slack.sender import Response
from tests.support.stack import TEAM, Stack

T = TypeVar("T")


def eventually(probe: Callable[[], T], timeout: float = 5.0) -> T:
    """The first truthy answer of `probe` (Bolt acks before its listener finishes), or AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer or time.monotonic() > deadline:
            assert answer, f"{probe} stayed falsy for {timeout}s"
            return answer
        time.sleep(0.02)


def listeners_done(stack: Stack, timeout: float = 10.0) -> None:
    """Wait until every Bolt listener started so far has finished (to assert that something did NOT happen).

    One barrier task per worker of Bolt's listener pool: when they all run at once, no other listener is
    running, and every listener queued before them has finished. Events run from the inbox: it is drained too.
    """
    executor = stack.runtime.app._listener_runner.listener_executor  # noqa: SLF001 - Bolt offers no public way
    assert isinstance(executor, ThreadPoolExecutor)
    workers = executor._max_workers  # noqa: SLF001
    barrier = threading.Barrier(workers + 1, timeout=timeout)
    for _ in range(workers):
        executor.submit(barrier.wait)
    barrier.wait()
    stack.runtime.inbox_worker().drain(timeout)


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
    """Action ids of the buttons and inputs in a message or view."""
    found = set()
    for block in message.get("blocks") or []:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("action_id"):
                found.add(element["action_id"])
    return found


def dm(stack: Stack, user: str) -> str:
    """The channel id of okrbot's DM with `user`."""
    return stack.slack.dm_channel(user)


def dms(stack: Stack, user: str) -> list[dict]:
    """What okrbot wrote in its DM with `user`."""
    return stack.slack.messages(stack.slack.dm_channel(user))


def messages_with(stack: Stack, channel: str, action_id: str) -> list[dict[str, Any]]:
    """Top-level messages of `channel` that carry `action_id`, oldest first."""
    return [m for m in stack.slack.messages(channel) if action_id in action_ids(m)]


def click(stack: Stack, user: str, channel: str, message: dict[str, Any], action_id: str,
          **action: Any) -> Response:
    """`user` clicks `action_id` in `message` (its value comes from the element, as in Slack)."""
    url = stack.slack.new_response_url(channel=channel, user=user, message_ts=message["ts"])
    return stack.send.action(TEAM, user, [{"action_id": action_id, **action}], channel_id=channel, message=message,
                             response_url=url)


def modal(stack: Stack, user: str, callback_id: str) -> dict[str, Any]:
    """The modal `callback_id` open on `user`'s screen (waits for it)."""
    return eventually(lambda: next((v for v in reversed(stack.slack.open_views(user))
                                    if v["callback_id"] == callback_id), None))


def submit(stack: Stack, user: str, view: dict[str, Any], values: dict[str, Any]) -> Response:
    """`user` submits `view` with these values; the fake's modal stack follows the answer."""
    response = stack.send.submit(TEAM, user, view, values)
    stack.slack.apply_view_ack(user, response.json())
    return response


def rows(stack: Stack, model: Any) -> list[Any]:
    """Every stored row of `model`, in primary key order."""
    with stack.sessions() as session:
        return list(session.scalars(select(model).order_by(*model.__mapper__.primary_key)))
