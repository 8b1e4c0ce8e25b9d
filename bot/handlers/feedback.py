"""Slack listeners for feedback: /feedback, the Give feedback button, and the Give feedback form.

A UserFacingError reaches the person through the app's one error path (an ephemeral), except where the
Give feedback button was going to open a form: there a notice modal stands in its place.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import feedback as blocks
from bot.handlers.common import open_modal
from bot.handlers.reading import (
    input_value,
    optional_id_in,
    team_of,
    text_of,
    trigger_of,
    user_of,
    value_of,
    view_of,
)
from bot.ids import SharedAction
from bot.services import Services, UserFacingError
from bot.views.feedback import CALLBACK, BlockId, FeedbackAction, FeedbackForm, FeedbackUsage

Body = dict[str, Any]


def _form_values(view: Body) -> dict[str, Any]:
    """The Give feedback form's inputs as plain values (None for what the form did not show or was left empty)."""
    return {
        "receiver_id": input_value(view, BlockId.RECEIVER, FeedbackAction.RECEIVER),
        "about": input_value(view, BlockId.ABOUT, FeedbackAction.ABOUT),
        "text": input_value(view, BlockId.TEXT, FeedbackAction.TEXT) or "",
        "visibility": input_value(view, BlockId.VISIBILITY, FeedbackAction.VISIBILITY),
    }


def handle_feedback_command(ack: Ack, command: Body, respond: Respond, client: WebClient,
                            services: Services) -> None:
    """/feedback request @person [about …] | give [@person] | help."""
    ack()
    outcome = services.feedback.command(team_id=team_of(command), user_id=user_of(command),
                                        text=text_of(command, "text"))
    if isinstance(outcome, FeedbackForm):
        client.views_open(trigger_id=trigger_of(command), view=blocks.give_modal(outcome))
    elif isinstance(outcome, FeedbackUsage):
        respond(text=blocks.usage_text(outcome), blocks=blocks.usage(outcome), response_type="ephemeral")
    else:
        respond(text=blocks.request_sent_text(outcome), blocks=blocks.request_sent(outcome), response_type="ephemeral")


def handle_give_feedback_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """SharedAction.GIVE_FEEDBACK (value: a request id, or "" to choose the person): open the form."""
    ack()
    try:
        view = blocks.give_modal(services.feedback.form(team_id=team_of(body), giver_id=user_of(body),
                                                        request_id=optional_id_in(value_of(action))))
    except UserFacingError as error:
        view = blocks.notice(error.message)
    open_modal(client, body, view)


def handle_receiver_chosen(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """A person chosen in the form: show their objectives and 1-on-1s (or why they can't receive feedback)."""
    ack()
    form = services.feedback.form_for_choice(team_id=team_of(body), giver_id=user_of(body),
                                             receiver_id=text_of(action, "selected_user") or None)
    view = view_of(body)
    client.views_update(view_id=text_of(view, "id"), hash=text_of(view, "hash"), view=blocks.give_modal(form))


def handle_give_feedback_submitted(ack: Ack, body: Body, view: Body, services: Services) -> None:
    """The Give feedback form: checked and delivered by the service first (errors under their field)."""
    values = _form_values(view)
    given = services.feedback.give(team_id=team_of(body), giver_id=user_of(body), metadata=text_of(
        view, "private_metadata"), submission_id=text_of(view, "id"), **values)
    ack(response_action="update", view=blocks.given_done(given))


def register(app: App) -> None:
    """Bind the feedback listeners."""
    app.command("/feedback")(handle_feedback_command)
    app.action(SharedAction.GIVE_FEEDBACK)(handle_give_feedback_open)
    app.action(FeedbackAction.RECEIVER)(handle_receiver_chosen)
    app.view(CALLBACK)(handle_give_feedback_submitted)
