"""Slack listeners for 1-on-1s: /request-1on1, the manager's answer, notes, tasks, Mark done, summaries.

Each listener acks, reads primitives, calls one service method and renders; view submissions call the
service before ack() so a UserFacingError shows under its modal field; after ack() it reaches the person
through the app's one error path, privately.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import saved
from bot.blocks.one_on_ones import (
    decline_modal,
    note_modal,
    request_modal,
    request_sent,
    reschedule_modal,
    schedule_modal,
    summary_modal,
    task_modal,
    usage,
)
from bot.blocks.one_on_ones_meetings import confirm_request
from bot.handlers.common import tell_privately
from bot.handlers.home import publish_home, state_of
from bot.handlers.reading import (
    channel_of,
    flag_of,
    form_values,
    id_in,
    id_in_metadata,
    in_home,
    metadata_of,
    team_of,
    text_of,
    trigger_of,
    user_of,
    value_of,
)
from bot.ids import SharedAction
from bot.services import Services
from bot.views.one_on_ones import TASK_BLOCK_PREFIX, OneOnOneAction, OneOnOneModal

Body = dict[str, Any]


def _refresh_home(client: WebClient, services: Services, body: Body, *, after_modal: bool = False) -> None:
    """After a change made from the App Home, show the clicker their Home as it now is."""
    if after_modal or in_home(body):
        publish_home(client, services, team_of(body), user_of(body), None if after_modal else state_of(body))


def _confirm(client: WebClient, meta: dict[str, Any], user_id: str, blocks: list[dict], text: str) -> None:
    """Tell the person who submitted a modal, privately: where they started, else in their DM with okrbot."""
    tell_privately(client, user=user_id, channel=text_of(meta, "channel") or None,
                   response_url=text_of(meta, "response_url") or None,
                   text=text, blocks=blocks)


# ---- requesting ----------------------------------------------------------------------------------
def handle_request_command(ack: Ack, command: Body, respond: Respond, client: WebClient, services: Services) -> None:
    """/request-1on1 [@manager] [topic] | help: send the request, or open the form when something is missing."""
    ack()
    outcome = services.one_on_ones.requests.request_command(team_id=team_of(command), requester=user_of(command),
                                                            text=text_of(command, "text"))
    if outcome.kind == "help":
        respond(text="How to use /request-1on1", blocks=usage(), response_type="ephemeral")
    elif outcome.kind == "form" and outcome.form:
        client.views_open(trigger_id=trigger_of(command), view=request_modal(
            outcome.form, response_url=text_of(command, "response_url"), channel=channel_of(command)))
    elif outcome.kind == "confirm" and outcome.view:
        respond(text="Send this 1-on-1 request?", blocks=confirm_request(outcome.view), response_type="ephemeral")
    elif outcome.view:
        respond(text="1-on-1 request sent", blocks=request_sent(outcome.view), response_type="ephemeral")


def handle_request_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """SharedAction.REQUEST_ONE_ON_ONE (nudge DM, Home): the request form, pre-filled with the manager."""
    ack()
    form = services.one_on_ones.requests.request_form(team_id=team_of(body), requester=user_of(body),
                                                      manager_id=text_of(action, "value") or None)
    client.views_open(trigger_id=trigger_of(body), view=request_modal(
        form, response_url=text_of(body, "response_url"), channel=channel_of(body),
        home=in_home(body)))


def handle_request_submission(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """The request form: validated by the service first (field errors), then the modal closes."""
    values, user_id = form_values(view), user_of(body)
    request = services.one_on_ones.requests.request(
        team_id=team_of(body), requester=user_id, manager_id=values.get("manager"), topic=values.get("topic") or "",
        objective_ids=values.get("objectives") or [], day=values.get("date"), clock=values.get("time"),
        urgency=values.get("urgency") or "this_month", remember="yes" in (values.get("remember") or []))
    ack()
    meta = metadata_of(view)
    _confirm(client, meta, user_id, request_sent(request), "1-on-1 request sent")
    _refresh_home(client, services, body, after_modal=flag_of(meta, "home"))


# ---- the manager's answer -------------------------------------------------------------------------
def handle_reschedule_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Propose another time: a modal with date, time and a note (only for the addressed manager)."""
    ack()
    request = services.one_on_ones.requests.answer_form(team_id=team_of(body), one_on_one_id=id_in(value_of(action)),
                                                        actor=user_of(body))
    client.views_open(trigger_id=trigger_of(body), view=reschedule_modal(request, home=in_home(body)))


def handle_reschedule_submission(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """The proposed time (manager's timezone) and note."""
    values, meta = form_values(view), metadata_of(view)
    services.one_on_ones.requests.reschedule(team_id=team_of(body), one_on_one_id=id_in_metadata(view, "id"),
                                             actor=user_of(body), day=values.get("date"), clock=values.get("time"),
                                             note=values.get("note") or "")
    ack()
    _refresh_home(client, services, body, after_modal=flag_of(meta, "home"))


def handle_decline_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Decline: a modal with an optional reason (only for the addressed manager)."""
    ack()
    request = services.one_on_ones.requests.answer_form(team_id=team_of(body), one_on_one_id=id_in(value_of(action)),
                                                        actor=user_of(body))
    client.views_open(trigger_id=trigger_of(body), view=decline_modal(request, home=in_home(body)))


def handle_decline_submission(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """The decline, with its optional reason."""
    meta = metadata_of(view)
    services.one_on_ones.requests.decline(
        team_id=team_of(body), one_on_one_id=id_in_metadata(view, "id"), actor=user_of(body),
        reason=form_values(view).get("reason") or "")
    ack()
    _refresh_home(client, services, body, after_modal=flag_of(meta, "home"))


def handle_new_time_accept(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """The requester accepts the time their manager proposed."""
    ack()
    services.one_on_ones.requests.answer_new_time(team_id=team_of(body), one_on_one_id=id_in(value_of(action)),
                                                  actor=user_of(body), accept=True)
    _refresh_home(client, services, body)


def handle_new_time_refuse(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """The requester can't make the proposed time: the request closes."""
    ack()
    services.one_on_ones.requests.answer_new_time(team_id=team_of(body), one_on_one_id=id_in(value_of(action)),
                                                  actor=user_of(body), accept=False)
    _refresh_home(client, services, body)


def handle_schedule_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """SharedAction.SCHEDULE_ONE_ON_ONE (mid-month agenda): a manager picks a time with a report."""
    ack()
    form = services.one_on_ones.scheduling.schedule_form(team_id=team_of(body), manager=user_of(body),
                                                         report=text_of(action, "value"))
    client.views_open(trigger_id=trigger_of(body), view=schedule_modal(form))


def handle_schedule_submission(ack: Ack, body: Body, view: Body, services: Services) -> None:
    """The scheduled time: an accepted 1-on-1, the report is told."""
    values = form_values(view)
    services.one_on_ones.scheduling.schedule(
        team_id=team_of(body), manager=user_of(body), report=text_of(metadata_of(view), "report"),
        day=values.get("date"), clock=values.get("time"), topic=values.get("topic") or "",
        objective_ids=values.get("objectives") or [])
    ack()


# ---- the conversation module --------------------------------------------------------------------------
def handle_note_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Add note: a modal (private by default)."""
    ack()
    one_on_one = services.one_on_ones.module.participant_view(
        team_id=team_of(body), one_on_one_id=id_in(value_of(action)), actor=user_of(body))
    client.views_open(trigger_id=trigger_of(body), view=note_modal(one_on_one, user_of(body), home=in_home(body)))


def handle_note_submission(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """Save the note, shared or private."""
    values, meta = form_values(view), metadata_of(view)
    private = values.get("visibility") != "shared"
    services.one_on_ones.module.add_note(
        team_id=team_of(body), one_on_one_id=id_in_metadata(view, "id"), actor=user_of(body),
        text=values.get("note") or "", private=private)
    ack(response_action="update", view=saved.note_saved(private))
    _refresh_home(client, services, body, after_modal=flag_of(meta, "home"))


def handle_task_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Add task: a modal with text, assignee and due date."""
    ack()
    one_on_one = services.one_on_ones.module.participant_view(
        team_id=team_of(body), one_on_one_id=id_in(value_of(action)), actor=user_of(body))
    client.views_open(trigger_id=trigger_of(body), view=task_modal(one_on_one))


def handle_task_submission(ack: Ack, body: Body, view: Body, services: Services) -> None:
    """Save the task."""
    values = form_values(view)
    services.one_on_ones.module.add_task(
        team_id=team_of(body), one_on_one_id=id_in_metadata(view, "id"),
        actor=user_of(body), text=values.get("task") or "", assignee=values.get("assignee"),
        due=values.get("due"))
    ack()


def handle_task_toggle(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """A task's checkbox: ticked marks it done, unticked opens it again."""
    ack()
    block_id = text_of(action, "block_id")
    task_id = block_id[len(TASK_BLOCK_PREFIX):] if block_id.startswith(TASK_BLOCK_PREFIX) else ""
    services.one_on_ones.module.set_task_done(team_id=team_of(body), task_id=id_in(task_id), actor=user_of(body),
                                              done=flag_of(action, "selected_options"))
    _refresh_home(client, services, body)


def handle_mark_done(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Mark done: closes the 1-on-1 and asks both for a one-line summary."""
    ack()
    services.one_on_ones.module.mark_done(
        team_id=team_of(body), one_on_one_id=id_in(value_of(action)), actor=user_of(body))


def handle_summary_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Write a summary: a one-line modal."""
    ack()
    one_on_one = services.one_on_ones.module.summary_form(
        team_id=team_of(body), one_on_one_id=id_in(value_of(action)), actor=user_of(body))
    client.views_open(trigger_id=trigger_of(body), view=summary_modal(one_on_one, user_of(body)))


def handle_summary_submission(ack: Ack, body: Body, view: Body, services: Services) -> None:
    """Save the summary."""
    services.one_on_ones.module.save_summary(team_id=team_of(body), one_on_one_id=id_in_metadata(view, "id"),
                                             actor=user_of(body), text=form_values(view).get("summary") or "")
    ack(response_action="update", view=saved.summary_saved())


def register(app: App) -> None:
    """Bind this feature's listeners."""
    app.command("/request-1on1")(handle_request_command)
    app.action(SharedAction.REQUEST_ONE_ON_ONE.value)(handle_request_open)
    app.action(SharedAction.SCHEDULE_ONE_ON_ONE.value)(handle_schedule_open)
    app.action(OneOnOneAction.RESCHEDULE.value)(handle_reschedule_open)
    app.action(OneOnOneAction.DECLINE.value)(handle_decline_open)
    app.action(OneOnOneAction.ACCEPT_NEW_TIME.value)(handle_new_time_accept)
    app.action(OneOnOneAction.REFUSE_NEW_TIME.value)(handle_new_time_refuse)
    app.action(OneOnOneAction.ADD_NOTE.value)(handle_note_open)
    app.action(OneOnOneAction.ADD_TASK.value)(handle_task_open)
    app.action(OneOnOneAction.TOGGLE_TASK.value)(handle_task_toggle)
    app.action(OneOnOneAction.MARK_DONE.value)(handle_mark_done)
    app.action(OneOnOneAction.WRITE_SUMMARY.value)(handle_summary_open)
    app.view(OneOnOneModal.REQUEST.value)(handle_request_submission)
    app.view(OneOnOneModal.RESCHEDULE.value)(handle_reschedule_submission)
    app.view(OneOnOneModal.DECLINE.value)(handle_decline_submission)
    app.view(OneOnOneModal.SCHEDULE.value)(handle_schedule_submission)
    app.view(OneOnOneModal.NOTE.value)(handle_note_submission)
    app.view(OneOnOneModal.TASK.value)(handle_task_submission)
    app.view(OneOnOneModal.SUMMARY.value)(handle_summary_submission)
    from bot.handlers import one_on_ones_meetings  # Accept, times and talking points (issue 14)

    one_on_ones_meetings.register(app)
