"""Slack listeners for OKRs: `/okr`, the Check in and New objective buttons, and their modals."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import okrs as blocks
from bot.blocks import saved
from bot.handlers.common import open_modal
from bot.handlers.home import publish_home
from bot.handlers.reading import (
    form_values,
    id_in_metadata,
    optional_id_in,
    team_of,
    text_of,
    trigger_of,
    user_of,
    value_of,
)
from bot.ids import SharedAction
from bot.services import Services
from bot.services.okrs.commands import parse_okr_command
from bot.views.okrs import OkrAction, OkrView


def handle_okr_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient,
                       services: Services) -> None:
    """/okr [list|new|checkin|away until YYYY-MM-DD|away off|help]."""
    ack()
    team_id, user_id = team_of(command), user_of(command)
    parsed = parse_okr_command(text_of(command, "text"))
    if parsed.kind == "list":
        listing = services.okrs.list_mine(team_id=team_id, user_id=user_id)
        respond(text=f"Your OKRs for {listing.quarter}", blocks=blocks.okr_list(listing), response_type="ephemeral")
    elif parsed.kind == "new":
        form = services.okrs.new_objective_form(team_id=team_id, user_id=user_id)
        client.views_open(trigger_id=trigger_of(command), view=blocks.new_objective_modal(form))
    elif parsed.kind == "checkin":
        choice = services.okrs.checkin_choice(team_id=team_id, user_id=user_id, objective_id=None)
        client.views_open(trigger_id=trigger_of(command),
                          view=blocks.checkin_modal(choice, suggest=services.llm.enabled))
    elif parsed.kind == "away":
        away = services.okrs.away(team_id=team_id, user_id=user_id, text=parsed.rest)
        respond(text=blocks.away_text(away), response_type="ephemeral")
    elif parsed.kind == "review":  # the quarter review (issue 17): bot/handlers/review.py
        from bot.handlers.review import review_command

        review_command(command, respond, client, services, parsed.rest)
    elif parsed.kind == "help":
        respond(text=blocks.usage(), response_type="ephemeral")
    else:
        unknown = blocks.escape(parsed.word[:30])
        respond(text=f"I don't know `/okr {unknown}`. Here is what I can do:\n" + blocks.usage(),
                response_type="ephemeral")


def handle_checkin_open(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                        services: Services) -> None:
    """Check in (value: objective id, or "" for all of the caller's objectives): open the check-in modal."""
    ack()
    choice = services.okrs.checkin_choice(team_id=team_of(body), user_id=user_of(body),
                                          objective_id=optional_id_in(value_of(action)))
    open_modal(client, body, blocks.checkin_modal(choice, suggest=services.llm.enabled))


def handle_new_open(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """New objective: open its modal."""
    ack()
    form = services.okrs.new_objective_form(team_id=team_of(body), user_id=user_of(body))
    open_modal(client, body, blocks.new_objective_modal(form))


def handle_new_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                         services: Services) -> None:
    """New objective submitted: create it (field errors stay in the modal), then refresh the Home tab."""
    team_id, user_id = team_of(body), user_of(body)
    created = services.okrs.create(team_id=team_id, owner_id=user_id, values=form_values(view))
    ack(response_action="update", view=saved.objective_created(created.title, len(created.key_results)))
    publish_home(client, services, team_id, user_id)


def handle_checkin_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                             services: Services) -> None:
    """Check-in submitted: store it (field errors stay in the modal), then refresh the Home tab."""
    team_id, user_id = team_of(body), user_of(body)
    result = services.okrs.check_in(team_id=team_id, user_id=user_id, objective_id=id_in_metadata(view, "objective"),
                                    batch_id=text_of(view, "id"), values=form_values(view))
    ack(response_action="update", view=saved.checked_in(result.objective.title, len(result.changes)))
    publish_home(client, services, team_id, user_id)


def register(app: App) -> None:
    """Bind the OKR listeners."""
    app.command("/okr")(handle_okr_command)
    app.action(SharedAction.CHECK_IN)(handle_checkin_open)
    app.action(OkrAction.NEW_OPEN)(handle_new_open)
    app.view(OkrView.NEW)(handle_new_submitted)
    app.view(OkrView.CHECKIN)(handle_checkin_submitted)
