"""What people do in Slack to give kudos, and what tests read back (shared by the kudos and feedback e2e tests)."""

from __future__ import annotations

from bot.sandbox.slack.payloads import reaction_event
from storage.models_kudos import Kudos
from tests.support.reading import rows
from tests.support.stack import Stack


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
    return rows(stack, Kudos)


