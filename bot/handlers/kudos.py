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
from bot.handlers.common import open_modal
from bot.handlers.reading import channel_of, input_value, message_of, team_of, text_of, trigger_of, user_of
from bot.ids import SharedAction
from bot.services import Services, UserFacingError
from bot.views.kudos import CALLBACK, SHORTCUT, BlockId, KudosAction, KudosForm, KudosUsage, Leaderboard

Body = dict[str, Any]


def _form_values(view: Body) -> dict[str, Any]:
    """The Give kudos form's inputs as plain values."""
    return {"receivers": input_value(view, BlockId.RECEIVERS, KudosAction.RECEIVERS) or [],
            "message": input_value(view, BlockId.MESSAGE, KudosAction.MESSAGE) or "",
            "objective_id": input_value(view, BlockId.OBJECTIVE, KudosAction.OBJECTIVE)}


def handle_kudos_command(ack: Ack, command: Body, respond: Respond, client: WebClient, services: Services) -> None:
    """/kudos @person… message [#tag] | top [month|quarter] | help; alone, it opens the form."""
    ack()
    outcome = services.kudos.command(team_id=team_of(command), user_id=user_of(command),
                                     channel_id=text_of(command, "channel_id"), text=text_of(command, "text"),
                                     trigger_id=text_of(command, "trigger_id"))
    if isinstance(outcome, KudosForm):
        client.views_open(trigger_id=trigger_of(command), view=blocks.give_modal(outcome))
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
            team_id=team_of(body), giver_id=user_of(body), channel_id=channel_of(body),
            invocation=text_of(body, "trigger_id"), receiver=text_of(action, "value") or None))
    except UserFacingError as error:
        view = blocks.notice(error.message)
    open_modal(client, body, view)


def handle_give_kudos_shortcut(ack: Ack, body: Body, client: WebClient, services: Services) -> None:
    """The Give kudos message shortcut: the form, pre-filled with the message's author and a link to it."""
    ack()
    message = message_of(body)
    try:
        view = blocks.give_modal(services.kudos.form_for_message(
            team_id=team_of(body), giver_id=user_of(body), channel_id=channel_of(body),
            message_ts=text_of(message, "ts") or text_of(body, "message_ts"), author=text_of(message, "user") or None))
    except UserFacingError as error:
        view = blocks.notice(error.message)
    client.views_open(trigger_id=trigger_of(body), view=view)


def handle_give_kudos_submitted(ack: Ack, body: Body, view: Body, services: Services) -> None:
    """The Give kudos form: checked by the service first (errors under their field), then it says what was sent."""
    values = _form_values(view)
    sent = services.kudos.give_from_form(team_id=team_of(body), giver_id=user_of(body),
                                         receivers=values["receivers"], message=values["message"],
                                         objective_id=values["objective_id"],
                                         metadata=text_of(view, "private_metadata"))
    ack(response_action="update", view=blocks.modal_done(sent))


def register(app: App) -> None:
    """Bind the kudos listeners."""
    app.command("/kudos")(handle_kudos_command)
    app.action(SharedAction.GIVE_KUDOS)(handle_give_kudos_open)
    app.shortcut(SHORTCUT)(handle_give_kudos_shortcut)
    app.view(CALLBACK)(handle_give_kudos_submitted)
