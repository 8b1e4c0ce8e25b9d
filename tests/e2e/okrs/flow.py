"""What people do in Slack around OKRs, as signed requests to the running okrbot (tests/support/stack.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import select

from bot.blocks.okrs import checkin_field, new_field
from bot.ids import SharedAction
from bot.sandbox.payloads import Response, message_event, reaction_event
from storage.models import CheckIn, KeyResult, Objective, OkrComment
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
    running, and every listener queued before them has finished.
    """
    executor = stack.runtime.app._listener_runner.listener_executor  # noqa: SLF001 - Bolt offers no public way
    assert isinstance(executor, ThreadPoolExecutor)
    workers = executor._max_workers  # noqa: SLF001
    barrier = threading.Barrier(workers + 1, timeout=timeout)
    for _ in range(workers):
        executor.submit(barrier.wait)
    barrier.wait()


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


def modal(stack: Stack, user: str, callback_id: str) -> dict[str, Any]:
    """The modal `callback_id` open on `user`'s screen (waits for it)."""
    return eventually(lambda: next((v for v in reversed(stack.slack.open_views(user))
                                    if v["callback_id"] == callback_id), None))


def submit(stack: Stack, user: str, view: dict[str, Any], values: dict[str, Any]) -> Response:
    """`user` submits `view` with these values (by block id); the fake's modal stack follows the answer."""
    response = stack.send.submit(TEAM, user, view, values)
    stack.slack.apply_view_ack(user, response.json())
    return response


def okr(stack: Stack, user: str, text: str = "", channel: str = "CGENERAL") -> Response:
    """`user` types `/okr text` in `channel`."""
    url = stack.slack.new_response_url(channel=channel, user=user)
    response = stack.send.command(TEAM, user, "/okr", text, channel_id=channel, response_url=url)
    assert response.status == 200
    return response


def last_ephemeral(stack: Stack, user: str, count: int = 1) -> str:
    """The text of the `count`-th ephemeral okrbot showed `user` (waits for it)."""
    eventually(lambda: len(stack.slack.ephemerals(user)) >= count)
    return text_of(stack.slack.ephemerals(user)[count - 1])


def create(stack: Stack, owner: str = "URAVI", title: str = "Delight our first customers",
           krs: tuple[tuple[str, float, float], ...] = (("Weekly active teams", 0, 40),)) -> Any:
    """An objective made as the New objective modal would, its message delivered."""
    values: dict[str, Any] = {new_field("title"): title, new_field("quarter"): "2026-Q4"}
    for n, (kr_title, start, target) in enumerate(krs, start=1):
        values |= {new_field("title", n): kr_title, new_field("start", n): str(start),
                   new_field("target", n): str(target)}
    view = stack.services.okrs.create(team_id=TEAM, owner_id=owner, values=values)
    stack.deliver()
    return view


def objective_message(stack: Stack, objective_id: int) -> dict[str, Any]:
    """The objective's Slack message as it is now."""
    row = eventually(lambda: next((o for o in objectives(stack) if o.id == objective_id and o.message_ts), None))
    message = stack.slack.message(row.channel_id, row.message_ts)
    assert message is not None
    return message


def click_check_in(stack: Stack, user: str, channel: str, message: dict[str, Any]) -> Response:
    """`user` clicks Check in on `message`."""
    url = stack.slack.new_response_url(channel=channel, user=user, message_ts=message["ts"])
    return stack.send.action(TEAM, user, [{"action_id": SharedAction.CHECK_IN}], channel_id=channel, message=message,
                             response_url=url)


def checkin_values(view: dict[str, Any], **per_kr: dict[str, Any]) -> dict[str, Any]:
    """Values for the check-in modal by block id: `kr0={"value": "24", "status": "off_track", ...}`."""
    ids = sorted({int(b["block_id"].split(".")[2]) for b in view["blocks"]
                  if b.get("block_id", "").startswith("okr.ci.")})
    values: dict[str, Any] = {}
    for index, kr_id in enumerate(ids):
        for name, value in per_kr.get(f"kr{index}", {}).items():
            values[checkin_field(kr_id, name)] = value
    return values


def thread_reply(stack: Stack, user: str, channel: str, thread_ts: str, text: str, *,
                 event_id: str | None = None) -> dict[str, Any]:
    """`user` replies in a thread in Slack, and Slack sends okrbot the message event."""
    posted = stack.slack.post_user_message(user, channel, text, thread_ts=thread_ts)
    event = message_event(user, channel, text, ts=posted["ts"], thread_ts=thread_ts)
    assert stack.send.event(TEAM, event, event_id=event_id).status == 200
    return posted


def reaction(stack: Stack, user: str, channel: str, ts: str, name: str, *, removed: bool = False) -> None:
    """`user` adds (or removes) a reaction in Slack, and Slack sends okrbot the event."""
    if removed:
        stack.slack.remove_reaction(user, channel, ts, name)
    else:
        stack.slack.add_reaction(user, channel, ts, name)
    event = reaction_event(user, name, channel=channel, ts=ts, item_user="UBOT", removed=removed)
    assert stack.send.event(TEAM, event).status == 200


def rows(stack: Stack, model: Any) -> list[Any]:
    """Every stored row of `model`, in primary key order."""
    with stack.sessions() as session:
        return list(session.scalars(select(model).order_by(*model.__mapper__.primary_key)))


def objectives(stack: Stack) -> list[Objective]:
    """Every stored objective."""
    return rows(stack, Objective)


def key_results(stack: Stack) -> list[KeyResult]:
    """Every stored key result."""
    return rows(stack, KeyResult)


def check_ins(stack: Stack) -> list[CheckIn]:
    """Every stored check-in."""
    return rows(stack, CheckIn)


def comments(stack: Stack) -> list[OkrComment]:
    """Every stored OKR comment."""
    return rows(stack, OkrComment)
