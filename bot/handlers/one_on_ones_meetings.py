"""Slack listeners for a 1-on-1 as a meeting (issue 14): accept with a time, Set a time / Reschedule,
talking points (add, mark discussed, edit, remove), a request to someone who is not one's manager.

Every save is confirmed where the person is: the card they clicked updates in place, and a modal
submission or a menu choice also gets a private line (ephemeral in the channel, else the DM).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.kit import section
from bot.blocks.one_on_ones import request_sent
from bot.blocks.one_on_ones_meetings import (
    accept_modal,
    local_text,
    mine_edit_modal,
    mine_modal,
    move_modal,
    point_modal,
    series_modal,
)
from bot.handlers.common import tell_privately
from bot.handlers.one_on_ones import _refresh_home
from bot.handlers.reading import (
    STALE_FORM,
    channel_of,
    flag_of,
    form_values,
    id_in,
    id_in_metadata,
    in_home,
    metadata_of,
    option_of,
    optional_id_in,
    team_of,
    text_of,
    trigger_of,
    user_of,
    value_of,
    view_of,
)
from bot.services import Services, UserFacingError
from bot.views.one_on_ones import OneOnOneAction, OneOnOneModal

Body = dict[str, Any]


def _tell(client: WebClient, user_id: str, channel: str | None, text: str) -> None:
    """A private confirmation where the person is (an ephemeral in the channel, else their DM)."""
    tell_privately(client, user=user_id, channel=channel or None, text=text, blocks=[section(text)])


def handle_accept(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Accept: at the proposed time at once, else a modal asks the manager for the date and time."""
    ack()
    team, actor, one_on_one_id = team_of(body), user_of(body), id_in(value_of(action))
    request = services.one_on_ones.requests.needs_time(team_id=team, one_on_one_id=one_on_one_id, actor=actor)
    if request is not None:
        client.views_open(trigger_id=trigger_of(body), view=accept_modal(request, home=in_home(body)))
        return
    services.one_on_ones.requests.accept(team_id=team, one_on_one_id=one_on_one_id, actor=actor)
    _refresh_home(client, services, body)


def handle_accept_submission(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """The time the manager picked when accepting (in their timezone)."""
    values, meta = form_values(view), metadata_of(view)
    services.one_on_ones.requests.accept(
        team_id=team_of(body), one_on_one_id=id_in_metadata(view, "id"), actor=user_of(body),
        day=values.get("date"), clock=values.get("time"))
    ack()
    _refresh_home(client, services, body, after_modal=flag_of(meta, "home"))


def handle_move_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Set a time / Reschedule on the pair's card or the Home: a date and time in the clicker's timezone."""
    ack()
    one_on_one = services.one_on_ones.meetings.move_form(
        team_id=team_of(body), one_on_one_id=id_in(value_of(action)), actor=user_of(body))
    client.views_open(trigger_id=trigger_of(body), view=move_modal(one_on_one, user_of(body), home=in_home(body)))


def handle_move_submission(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """The new time: the card updates, the other person is told once, the invite is sent again."""
    values, meta, actor = form_values(view), metadata_of(view), user_of(body)
    outcome = services.one_on_ones.meetings.move(
        team_id=team_of(body), one_on_one_id=id_in_metadata(view, "id"), actor=actor,
        day=values.get("date"), clock=values.get("time"),
        note=values.get("note") or "")
    ack()
    if outcome.view.when:
        other = outcome.view.name_of(outcome.view.other(actor))
        _tell(client, actor, None, f":calendar: Saved: your 1-on-1 is on "
                                   f"{local_text(outcome.view.when, outcome.view.tz_of(actor))}. {other} is told.")
    _refresh_home(client, services, body, after_modal=flag_of(meta, "home"))


def handle_point_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Add talking point (the pair's card, the Home, the agenda): a one-field modal."""
    ack()
    one_on_one_id = id_in(value_of(action))
    services.one_on_ones.points.point_target(team_id=team_of(body), one_on_one_id=one_on_one_id, actor=user_of(body))
    client.views_open(trigger_id=trigger_of(body), view=point_modal(
        one_on_one_id, channel=channel_of(body), home=in_home(body)))


def handle_point_submission(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """Save a new or edited talking point; the author is told where they are."""
    values, meta, actor = form_values(view), metadata_of(view), user_of(body)
    point_id = optional_id_in(meta.get("point"), stale=STALE_FORM)
    if point_id is not None:
        services.one_on_ones.points.edit_talking_point(
            team_id=team_of(body), point_id=point_id, actor=actor, text=values.get("point") or "")
        said = ":pencil2: Talking point updated."
    else:
        services.one_on_ones.points.add_talking_point(team_id=team_of(body), one_on_one_id=id_in_metadata(view, "id"),
                                                      actor=actor, text=values.get("point") or "")
        said = ":speech_balloon: Talking point added: both of you see it on your 1-on-1's card."
    ack()
    _tell(client, actor, text_of(meta, "channel"), said)
    _refresh_home(client, services, body, after_modal=flag_of(meta, "home"))


def handle_point_menu(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """A talking point's menu: discussed / not discussed (either of the pair), edit or remove (its author)."""
    ack()
    verb, _, raw = option_of(action).partition(":")
    team, actor, point_id = team_of(body), user_of(body), id_in(raw)
    if verb == "edit":
        point = services.one_on_ones.points.point_form(team_id=team, point_id=point_id, actor=actor)
        client.views_open(trigger_id=trigger_of(body), view=point_modal(
            point.one_on_one_id, point=point, channel=channel_of(body), home=in_home(body)))
        return
    if verb == "remove":
        if services.one_on_ones.points.remove_talking_point(team_id=team, point_id=point_id, actor=actor):
            _tell(client, actor, channel_of(body), ":wastebasket: Talking point removed.")
    elif verb in ("discussed", "open"):
        services.one_on_ones.points.set_point_discussed(team_id=team, point_id=point_id, actor=actor,
                                                        discussed=verb == "discussed")
    else:
        raise UserFacingError("That menu is out of date; please use the latest message.")
    _refresh_home(client, services, body)


def handle_request_confirm(ack: Ack, body: Body, action: Body, respond: Any, services: Services) -> None:
    """The requester confirms a request to someone who is not their manager on record: it is sent now."""
    ack()
    view = services.one_on_ones.requests.confirm_request(
        team_id=team_of(body), one_on_one_id=id_in(value_of(action)), actor=user_of(body))
    respond(text="1-on-1 request sent", blocks=request_sent(view), response_type="ephemeral", replace_original=True)


def handle_repeat_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Repeat (the card, the Home): how often the 1-on-1 should recur."""
    ack()
    one_on_one = services.one_on_ones.meetings.move_form(
        team_id=team_of(body), one_on_one_id=id_in(value_of(action)), actor=user_of(body))
    client.views_open(trigger_id=trigger_of(body), view=series_modal(one_on_one, home=in_home(body)))


def handle_repeat_submission(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """Save the series; the other person is told once, the card shows it."""
    values, meta, actor = form_values(view), metadata_of(view), user_of(body)
    services.one_on_ones.meetings.repeat(team_id=team_of(body), one_on_one_id=id_in_metadata(view, "id"), actor=actor,
                                         frequency=values.get("frequency") or "monthly")
    ack()
    _tell(client, actor, None, ":repeat: Saved: the next 1-on-1 is scheduled when this one is marked done.")
    _refresh_home(client, services, body, after_modal=flag_of(meta, "home"))


def handle_cancel_meeting(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Cancel meeting (after Slack's confirmation): the card updates, the other is told, calendars cancel."""
    ack()
    services.one_on_ones.meetings.cancel_meeting(team_id=team_of(body), one_on_one_id=id_in(value_of(action)),
                                                 actor=user_of(body))
    _refresh_home(client, services, body)


def handle_mine_open(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Edit mine (the card): a modal of the clicker's own notes and tasks, each with Edit and Delete."""
    ack()
    one_on_one_id = id_in(value_of(action))
    notes, tasks = services.one_on_ones.edits.mine(
        team_id=team_of(body), one_on_one_id=one_on_one_id, actor=user_of(body))
    client.views_open(trigger_id=trigger_of(body), view=mine_modal(one_on_one_id, notes, tasks))


def handle_mine_menu(ack: Ack, body: Body, action: Body, client: WebClient, services: Services) -> None:
    """Edit pushes a one-field modal; Delete deletes and refreshes the list in place (its own confirmation)."""
    ack()
    verb, kind, raw = (option_of(action).split(":") + ["", "", ""])[:3]
    team, actor, item_id = team_of(body), user_of(body), id_in(raw)
    view = view_of(body)
    one_on_one_id = id_in_metadata(view, "id")
    if kind not in ("note", "task") or verb not in ("edit", "delete"):
        raise UserFacingError("That menu is out of date; please open it again.")
    if verb == "edit":
        notes, tasks = services.one_on_ones.edits.mine(team_id=team, one_on_one_id=one_on_one_id, actor=actor)
        item = next((i for i in (notes if kind == "note" else tasks) if i.id == item_id), None)
        if item is None:
            raise UserFacingError(f"That {kind} is not yours to edit, or is gone.")
        client.views_push(trigger_id=trigger_of(body), view=mine_edit_modal(kind, item_id, item.text))
        return
    if kind == "note":
        services.one_on_ones.edits.delete_note(team_id=team, note_id=item_id, actor=actor)
    else:
        services.one_on_ones.edits.delete_task(team_id=team, task_id=item_id, actor=actor)
    notes, tasks = services.one_on_ones.edits.mine(team_id=team, one_on_one_id=one_on_one_id, actor=actor)
    client.views_update(view_id=text_of(view, "id"), hash=text_of(view, "hash") or None,
                        view=mine_modal(one_on_one_id, notes, tasks))


def handle_mine_edit_submission(ack: Ack, body: Body, view: Body, client: WebClient, services: Services) -> None:
    """Save the edited note or task; the person is told where they are (their DM with okrbot)."""
    meta, actor = metadata_of(view), user_of(body)
    kind, item_id = text_of(meta, "kind"), id_in_metadata(view, "item")
    text = form_values(view).get(kind) or ""
    if kind == "note":
        services.one_on_ones.edits.edit_note(team_id=team_of(body), note_id=item_id, actor=actor, text=text)
    else:
        services.one_on_ones.edits.edit_task(team_id=team_of(body), task_id=item_id, actor=actor, text=text)
    ack()
    _tell(client, actor, None, f":pencil2: Your {kind} is saved.")


def handle_calendar_link(ack: Ack) -> None:
    """Google Calendar / Outlook link buttons open in the browser; Slack still sends the click: ack it."""
    ack()


def register(app: App) -> None:
    """Bind this part's listeners (called by bot.handlers.one_on_ones.register)."""
    app.action(OneOnOneAction.ACCEPT.value)(handle_accept)
    app.action(OneOnOneAction.MOVE.value)(handle_move_open)
    app.action(OneOnOneAction.ADD_POINT.value)(handle_point_open)
    app.action(OneOnOneAction.POINT_MENU.value)(handle_point_menu)
    app.action(OneOnOneAction.CONFIRM_REQUEST.value)(handle_request_confirm)
    app.action(OneOnOneAction.REPEAT.value)(handle_repeat_open)
    app.action(OneOnOneAction.EDIT_MINE.value)(handle_mine_open)
    app.action(OneOnOneAction.MINE_MENU.value)(handle_mine_menu)
    app.action(OneOnOneAction.CANCEL_MEETING.value)(handle_cancel_meeting)
    app.action(OneOnOneAction.CALENDAR_GOOGLE.value)(handle_calendar_link)
    app.action(OneOnOneAction.CALENDAR_OUTLOOK.value)(handle_calendar_link)
    app.view(OneOnOneModal.ACCEPT.value)(handle_accept_submission)
    app.view(OneOnOneModal.MOVE.value)(handle_move_submission)
    app.view(OneOnOneModal.POINT.value)(handle_point_submission)
    app.view(OneOnOneModal.SERIES.value)(handle_repeat_submission)
    app.view(OneOnOneModal.MINE_EDIT.value)(handle_mine_edit_submission)
