"""Slack listeners for kudos: /kudos, the Give kudos button and message shortcut, and the Give kudos form.

Kudos by reaction arrive through bot.handlers.events (the one listener of reaction events).

A UserFacingError reaches the person through the app's one error path (an ephemeral), except where a
button or the shortcut was going to open a form: there the form's place shows a notice modal instead.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import kudos as blocks
from bot.handlers.common import open_modal, team_of
from bot.ids import SharedAction
from bot.services import Services, UserFacingError
from bot.services.kudos_views import KudosForm, KudosUsage, Leaderboard

Body = dict[str, Any]


def form_values(view: Body) -> dict[str, Any]:
    """The Give kudos form's inputs as plain values."""
    state = (view.get("state") or {}).get("values") or {}
    receivers = (state.get(blocks.BlockId.RECEIVERS) or {}).get(blocks.KudosAction.RECEIVERS) or {}
    message = (state.get(blocks.BlockId.MESSAGE) or {}).get(blocks.KudosAction.MESSAGE) or {}
    objective = (state.get(blocks.BlockId.OBJECTIVE) or {}).get(blocks.KudosAction.OBJECTIVE) or {}
    return {"receivers": list(receivers.get("selected_users") or []), "message": message.get("value") or "",
            "objective_id": (objective.get("selected_option") or {}).get("value")}


def handle_kudos_command(ack: Ack, command: Body, respond: Respond, client: WebClient, services: Services) -> None:
    """/kudos @person… message [#tag] | top [month|quarter] | help; alone, it opens the form."""
    ack()
    outcome = services.kudos.command(team_id=command["team_id"], user_id=command["user_id"],
                                     channel_id=command.get("channel_id", ""), text=command.get("text", ""),
                                     trigger_id=command.get("trigger_id", ""))
    if isinstance(outcome, KudosForm):
        client.views_open(trigger_id=command["trigger_id"], view=blocks.give_modal(outcome))
    elif isinstance(outcome, Leaderboard):
        respond(text=f"Kudos leaderboard · {outcome.label}", blocks=blocks.leaderboard(outcome),
                response_type="ephemeral")
    elif isinstance(outcome, KudosUsage):
        respond(text=blocks.usage_text(outcome), blocks=blocks.usage(outcome), response_type="ephemeral")
    else:
        respond(text=blocks.sent_text(outcome), blocks=blocks.sent(outcome), response_type="ephemeral")


def handle_give_kudos_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """SharedAction.GIVE_KUDOS (Home, nudges; value: receiver id or ""): open the form."""
    ack()
    try:
        view = blocks.give_modal(services.kudos.form(
            team_id=team_of(body), giver_id=body["user"]["id"], channel_id=(body.get("channel") or {}).get("id", ""),
            invocation=body.get("trigger_id", ""), receiver=action.get("value") or None))
    except UserFacingError as error:
        view = blocks.notice(error.message)
    open_modal(client, body, view)


def handle_give_kudos_shortcut(ack: Ack, body: Body, client: WebClient, services: Services) -> None:
    """The Give kudos message shortcut: the form, pre-filled with the message's author and a link to it."""
    ack()
    message = body.get("message") or {}
    try:
        view = blocks.give_modal(services.kudos.form_for_message(
            team_id=team_of(body), giver_id=body["user"]["id"], channel_id=(body.get("channel") or {}).get("id", ""),
            message_ts=message.get("ts") or body.get("message_ts", ""), author=message.get("user")))
    except UserFacingError as error:
        view = blocks.notice(error.message)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_give_kudos_submitted(ack: Ack, body: Body, view: Body, services: Services) -> None:
    """The Give kudos form: checked by the service first (errors under their field), then it says what was sent."""
    values = form_values(view)
    sent = services.kudos.give_from_form(team_id=team_of(body), giver_id=body["user"]["id"],
                                         receivers=values["receivers"], message=values["message"],
                                         objective_id=values["objective_id"],
                                         metadata=view.get("private_metadata", ""))
    ack(response_action="update", view=blocks.modal_done(sent))


def register(app: App) -> None:
    """Bind the kudos listeners."""
    app.command("/kudos")(handle_kudos_command)
    app.action(SharedAction.GIVE_KUDOS)(handle_give_kudos_open)
    app.shortcut(blocks.SHORTCUT)(handle_give_kudos_shortcut)
    app.view(blocks.CALLBACK)(handle_give_kudos_submitted)
