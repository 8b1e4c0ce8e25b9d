"""Slack listeners of the quarter review (issue 17): `/okr review [quarter|team]`, the review's buttons and forms.

Payloads are read with bot.handlers.reading; rules live in bot.services.review. A form saved from inside the
review (a pushed modal) closes and refreshes the review under it; opened on its own, it ends on a confirmation.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import review as blocks
from bot.handlers.common import open_modal
from bot.handlers.home import publish_home
from bot.handlers.reading import (
    form_values,
    id_in,
    id_in_metadata,
    in_modal,
    metadata_of,
    team_of,
    text_of,
    user_of,
    value_of,
    view_of,
)
from bot.services import Services, UserFacingError
from bot.services.core.parsing import first_word, rest_after_first_word
from bot.views.review import ReviewAction, ReviewView

Body = dict[str, Any]


def _modal_id(body: Body) -> str:
    """The id of the modal the click came from ('' when it came from a message or the Home tab)."""
    return text_of(view_of(body), "id")[:64] if in_modal(body) else ""


def _root(view: Body) -> str:
    return text_of(metadata_of(view), "root")[:64]


def review_command(command: Body, respond: Respond, client: WebClient, services: Services, text: str) -> None:
    """`/okr review [quarter]` opens the person's review; `/okr review team [quarter]` is the leader's look back."""
    team_id, user_id = team_of(command), user_of(command)
    if first_word(text) == "team":
        view = services.review.look_back(team_id=team_id, leader=user_id, quarter=rest_after_first_word(text))
        respond(text=f"Looking back at {view.quarter}", blocks=blocks.look_back_blocks(view, limit=50),
                response_type="ephemeral")
        return
    review = services.review.open(team_id=team_id, user_id=user_id, quarter=text)
    client.views_open(trigger_id=text_of(command, "trigger_id"), view=blocks.overview_modal(review))


def handle_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """"Review your quarter" (prompt DM, Home): the person's review of that quarter."""
    ack()
    review = services.review.open(team_id=team_of(body), user_id=user_of(body), quarter=value_of(action)[:10])
    open_modal(client, body, blocks.overview_modal(review))


def handle_edit(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Review/Edit on one objective of the review: its form, on top of the review."""
    ack()
    form = services.review.part_form(team_id=team_of(body), user_id=user_of(body), part_id=id_in(value_of(action)),
                                     root_view_id=_modal_id(body))
    open_modal(client, body, blocks.objective_modal(form))


def handle_objective(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """"Review this objective" on an objective: its form (ends a project early)."""
    ack()
    form = services.review.objective_form(team_id=team_of(body), user_id=user_of(body),
                                          objective_id=id_in(value_of(action)))
    open_modal(client, body, blocks.objective_modal(form))


def handle_objective_saved(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """One objective's draft saved (field errors stay in the form)."""
    team_id, user_id = team_of(body), user_of(body)
    review = services.review.save_part(team_id=team_id, user_id=user_id, part_id=id_in_metadata(view, "part"),
                                       values=form_values(view))
    root = _root(view)
    if root:
        ack()
        client.views_update(view_id=root, view=blocks.overview_modal(review))
    else:
        ack(response_action="update", view=blocks.saved_modal(
            "Draft saved", f"Saved. Submit your {review.quarter} review with `/okr review {review.quarter}` "
                           "when every objective is done."))
    publish_home(client, services, team_id, user_id)


def handle_submitted(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """Submit review: submitted once (a second submit changes nothing); then offer the review 1-on-1."""
    team_id, user_id = team_of(body), user_of(body)
    review_id = id_in_metadata(view, "review")
    try:
        review, _ = services.review.submit(team_id=team_id, user_id=user_id, review_id=review_id)
    except UserFacingError as error:
        current = services.review.agenda(team_id=team_id, viewer=user_id, review_id=review_id)
        ack(response_action="update", view=blocks.overview_modal(current, notice=error.message))
        return
    ack(response_action="update", view=blocks.overview_modal(review))
    publish_home(client, services, team_id, user_id)


def handle_ask(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """"Ask Maria for a review 1-on-1": the request (a second click changes nothing)."""
    ack()
    team_id, user_id = team_of(body), user_of(body)
    review = services.review.ask(team_id=team_id, user_id=user_id, review_id=id_in(value_of(action)))
    modal_id = _modal_id(body)
    if modal_id:
        client.views_update(view_id=modal_id, view=blocks.overview_modal(review))
    publish_home(client, services, team_id, user_id)


def handle_agenda(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Open the full review agenda (the report or their reviewing manager)."""
    ack()
    user_id = user_of(body)
    review = services.review.agenda(team_id=team_of(body), viewer=user_id, review_id=id_in(value_of(action)))
    open_modal(client, body, blocks.agenda_modal(review, user_id))


def handle_grade(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Add my grade (the manager): the grade form of one objective."""
    ack()
    form = services.review.grade_form(team_id=team_of(body), manager=user_of(body), part_id=id_in(value_of(action)),
                                      root_view_id=_modal_id(body))
    open_modal(client, body, blocks.grade_modal(form))


def handle_grade_saved(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """The manager's grade saved (field errors stay in the form); the agenda under it is refreshed."""
    team_id, user_id = team_of(body), user_of(body)
    review = services.review.grade(team_id=team_id, manager=user_id, part_id=id_in_metadata(view, "part"),
                                   values=form_values(view))
    root = _root(view)
    if root:
        ack()
        client.views_update(view_id=root, view=blocks.agenda_modal(review, user_id))
    else:
        ack(response_action="update", view=blocks.saved_modal(
            "Grade saved", f"Saved: {review.owner_name} sees your grade beside theirs in the review agenda."))


def handle_carry(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Carry an unmet objective into next quarter (a double click makes one objective)."""
    ack()
    team_id, user_id = team_of(body), user_of(body)
    review, _ = services.review.carry(team_id=team_id, actor=user_id, part_id=id_in(value_of(action)))
    modal_id = _modal_id(body)
    if modal_id:
        client.views_update(view_id=modal_id, view=blocks.agenda_modal(review, user_id))
    publish_home(client, services, team_id, review.owner_id)


def register(app: App) -> None:
    """Bind the quarter-review listeners."""
    app.action(ReviewAction.OPEN)(handle_open)
    app.action(ReviewAction.EDIT)(handle_edit)
    app.action(ReviewAction.OBJECTIVE)(handle_objective)
    app.action(ReviewAction.ASK)(handle_ask)
    app.action(ReviewAction.AGENDA)(handle_agenda)
    app.action(ReviewAction.GRADE)(handle_grade)
    app.action(ReviewAction.CARRY)(handle_carry)
    app.view(ReviewView.OBJECTIVE)(handle_objective_saved)
    app.view(ReviewView.OVERVIEW)(handle_submitted)
    app.view(ReviewView.GRADE)(handle_grade_saved)
