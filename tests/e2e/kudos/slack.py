"""What people do in Slack to give kudos, and what tests read back (shared by the kudos and feedback e2e tests)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from bot.sandbox.payloads import reaction_event
from storage.models import Kudos
from tests.support.stack import Stack


def listeners_done(stack: Stack, timeout: float = 10.0) -> None:
    """Wait until every Bolt listener started so far has finished (Bolt acks before its listener runs).

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


def kudos_command(stack: Stack, user: str, text: str, *, channel: str = "CGENERAL") -> str:
    """`user` types /kudos `text` in `channel`; returns the command's response_url."""
    response_url = stack.slack.new_response_url(channel=channel, user=user)
    answer = stack.send.command(stack.team_id, user, "/kudos", text, channel_id=channel, response_url=response_url)
    assert answer.status == 200
    return response_url


def react(stack: Stack, user: str, message: dict, reaction: str = "clap", *, removed: bool = False,
          event_id: str | None = None, retry_num: int | None = None, in_slack: bool = True) -> None:
    """`user` adds (or removes) a reaction in Slack, and Slack tells okrbot (`in_slack=False`: only the event)."""
    if in_slack:
        if removed:
            stack.slack.remove_reaction(user, message["channel"], message["ts"], reaction)
        else:
            stack.slack.add_reaction(user, message["channel"], message["ts"], reaction)
    event = reaction_event(user, reaction, channel=message["channel"], ts=message["ts"], item_user=message["user"],
                           removed=removed)
    answer = stack.send.event(stack.team_id, event, event_id=event_id, retry_num=retry_num)
    assert answer.status == 200


def kudos_rows(stack: Stack) -> list[Kudos]:
    """Every stored kudos."""
    with stack.sessions() as session:
        return list(session.scalars(select(Kudos).order_by(Kudos.id)))


def dms(stack: Stack, user: str) -> list[dict]:
    """What okrbot wrote in its DM with `user`."""
    return stack.slack.messages(stack.slack.dm_channel(user))
