"""Slack listeners for the mid-month nudge's own buttons: Open agenda (a modal) and Snooze a week.

Schedule 1-on-1, Check in now and Request 1-on-1 are shared buttons handled by their own features.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.agenda import agenda_modal
from bot.blocks.nudges import snoozed
from bot.handlers.reading import list_of, message_of, object_of, team_of, text_of, trigger_of, user_of
from bot.services import Services
from bot.views.nudges import NudgeAction


def handle_open_agenda_action(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                              services: Services) -> None:
    """Open agenda: the pair's full, current agenda in a modal."""
    ack()
    agenda = services.nudges.agenda(team_id=team_of(body), actor=user_of(body), value=text_of(action, "value"))
    client.views_open(trigger_id=trigger_of(body), view=agenda_modal(agenda, suggest=services.llm.enabled))


def handle_snooze_action(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                         services: Services) -> None:
    """Snooze a week: the agenda's buttons become "Snoozed until …"; the agenda comes back once, then."""
    ack()
    result = services.nudges.snooze(team_id=team_of(body), nudge_id=text_of(action, "value"), actor=user_of(body))
    container, message = object_of(body, "container"), message_of(body)
    channel, ts, shown = text_of(container, "channel_id"), text_of(container, "message_ts"), list_of(message, "blocks")
    if channel and ts and shown:
        client.chat_update(channel=channel, ts=ts, text=text_of(message, "text"),
                           blocks=snoozed(shown, result.block_id, result.until))


def register(app: App) -> None:
    """Bind this feature's listeners."""
    app.action(NudgeAction.OPEN_AGENDA.value)(handle_open_agenda_action)
    app.action(NudgeAction.SNOOZE.value)(handle_snooze_action)
