"""What people do in Slack around OKRs, as signed requests to the running okrbot (tests/support/stack.py)."""

from __future__ import annotations

from typing import Any

from bot.ids import SharedAction
from bot.sandbox.slack.payloads import message_event, reaction_event
from bot.sandbox.slack.sender import Response
from bot.views.okrs import checkin_field, new_field
from storage.models import CheckIn, KeyResult, Objective, OkrComment
from tests.support.reading import eventually, rows, text_of
from tests.support.stack import TEAM, Stack


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
