"""Slack listeners for the mid-month nudge's own buttons: Open agenda (a modal) and Snooze a week.

Schedule 1-on-1, Check in now and Request 1-on-1 are shared buttons handled by their own features.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.agenda import agenda_modal
from bot.blocks.nudges import snoozed
from bot.handlers.reading import team_of, text_of, user_of
from bot.services import Services
from bot.views.nudges import NudgeAction


def handle_open_agenda_action(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                              services: Services) -> None:
    """Open agenda: the pair's full, current agenda in a modal."""
    ack()
    agenda = services.nudges.agenda(team_id=team_of(body), actor=user_of(body), value=text_of(action, "value"))
    client.views_open(trigger_id=body["trigger_id"], view=agenda_modal(agenda, suggest=services.llm.enabled))


def handle_snooze_action(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                         services: Services) -> None:
    """Snooze a week: the agenda's buttons become "Snoozed until …"; the agenda comes back once, then."""
    ack()
    result = services.nudges.snooze(team_id=team_of(body), nudge_id=text_of(action, "value"), actor=user_of(body))
    container, message = body.get("container") or {}, body.get("message") or {}
    if container.get("channel_id") and container.get("message_ts") and message.get("blocks"):
        client.chat_update(channel=container["channel_id"], ts=container["message_ts"], text=message.get("text", ""),
                           blocks=snoozed(message["blocks"], result.block_id, result.until))


def register(app: App) -> None:
    """Bind this feature's listeners."""
    app.action(NudgeAction.OPEN_AGENDA.value)(handle_open_agenda_action)
    app.action(NudgeAction.SNOOZE.value)(handle_snooze_action)
