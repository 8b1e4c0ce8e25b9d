"""The one reader of Slack payloads for every listener: who, where, which form values, which ids.

Everything here takes what Slack (or someone who got hold of a signed payload) sent and returns plain,
typed values; nothing raises on an odd shape except `id_in` / `id_in_metadata`, which raise the
UserFacingError a person reads when a button or form is out of date. Ids are bounded by
`bot.services.core.parsing.parse_id` (the one place a database id is read from a payload).
"""

from __future__ import annotations

import json
from typing import Any

from bot.services import UserFacingError
from bot.services.core.parsing import parse_id

Body = dict[str, Any]
STALE_BUTTON = "This button is out of date; open it again from the latest message or your Home tab."
STALE_FORM = "This form is out of date; close it and open it again from the latest message or your Home tab."


def _dict(value: Any) -> Body:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def clean_text(text: str) -> str:
    """Text as a database can store it: no NUL characters, no lone surrogates (JSON allows both)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def team_of(body: Body) -> str:
    """The workspace a payload comes from (interaction, event, view or command)."""
    return (_str(_dict(body.get("team")).get("id")) or _str(body.get("team")) or _str(body.get("team_id"))
            or _str(_dict(body.get("view")).get("team_id")) or _str(_dict(body.get("user")).get("team_id")))


def user_of(body: Body) -> str:
    """The person who acted."""
    return _str(_dict(body.get("user")).get("id")) or _str(body.get("user")) or _str(body.get("user_id"))


def channel_of(body: Body) -> str:
    """The channel the interaction happened in ('' for the Home tab and modals)."""
    return (_str(_dict(body.get("channel")).get("id")) or _str(body.get("channel"))
            or _str(body.get("channel_id")) or _str(_dict(body.get("container")).get("channel_id")))


def text_of(data: Body, key: str) -> str:
    """A text field of a payload or event ('' when absent or not text)."""
    return _str(data.get(key))


def value_of(action: Body) -> str:
    """A button's value ('' when absent or not text)."""
    return _str(action.get("value"))


def option_of(action: Body) -> str:
    """The value of the option picked in an overflow or select menu ('' when there is none)."""
    return _str(_dict(_dict(action).get("selected_option")).get("value"))


def object_of(data: Body, key: str) -> Body:
    """A nested object of a payload or event ({} when absent or not an object)."""
    return _dict(_dict(data).get(key))


def list_of(data: Body, key: str) -> list[Any]:
    """A list of a payload or event ([] when absent or not a list), e.g. a message's blocks."""
    value = _dict(data).get(key)
    return value if isinstance(value, list) else []


def flag_of(data: Body, key: str) -> bool:
    """Whether a payload or event field is set (`deleted: true`, a non-empty `tokens.bot`)."""
    return bool(_dict(data).get(key))


def trigger_of(body: Body) -> str:
    """The trigger_id of a command, click or shortcut (what opening a modal needs)."""
    return _str(body.get("trigger_id"))


def view_of(body: Body) -> Body:
    """The view an interaction came from: the Home tab or a modal ({} for a message)."""
    return object_of(body, "view")


def message_of(body: Body) -> Body:
    """The message an interaction or shortcut came from ({} for the Home tab and modals)."""
    return object_of(body, "message")


def in_home(body: Body) -> bool:
    """Whether the interaction came from the App Home."""
    return view_of(body).get("type") == "home"


def in_modal(body: Body) -> bool:
    """Whether the interaction came from inside a modal (a new modal is then pushed on top of it)."""
    return view_of(body).get("type") == "modal"


def metadata_of(view: Body) -> Body:
    """A view's private_metadata as a dict ({} when absent, not JSON, or not a JSON object)."""
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return meta if isinstance(meta, dict) else {}


def id_in(value: Any, *, stale: str = STALE_BUTTON, field: str | None = None) -> int:
    """A row id from a button value or metadata entry; a bad one is the person's "out of date" message."""
    number = parse_id(value)
    if number is None:
        raise UserFacingError(stale, field=field)
    return number


def optional_id_in(value: Any, *, stale: str = STALE_BUTTON) -> int | None:
    """Like id_in, but '' or None (the button's "no particular one") is None."""
    if value in ("", None):
        return None
    return id_in(value, stale=stale)


def id_in_metadata(view: Body, key: str, *, field: str | None = None) -> int:
    """The row id a modal was opened for (kept in its private_metadata)."""
    return id_in(metadata_of(view).get(key), stale=STALE_FORM, field=field)


def element_value(element: Any) -> Any:
    """One input's plain value: text, option value(s), date, time, user(s), conversation or channel."""
    if not isinstance(element, dict):
        return None
    if "selected_option" in element:
        return _str(_dict(element["selected_option"]).get("value")) or None
    if "selected_options" in element:
        options = element["selected_options"] if isinstance(element["selected_options"], list) else []
        return [_str(_dict(o).get("value")) for o in options if _str(_dict(o).get("value"))]
    if "selected_users" in element:
        users = element["selected_users"] if isinstance(element["selected_users"], list) else []
        return [_str(u) for u in users if isinstance(u, str) and u]
    for key in ("value", "selected_date", "selected_user", "selected_conversation", "selected_channel",
                "selected_time"):
        if key in element:
            return _str(element[key]) if isinstance(element[key], str) else None
    return None


def state_of_view(view: Body) -> dict[str, Body]:
    """`view.state.values` ({} when the view carries none or it is not shaped like Slack's)."""
    values = _dict(_dict(_dict(view).get("state")).get("values"))
    return {block_id: block for block_id, block in values.items() if isinstance(block, dict)}


def form_values(view: Body) -> dict[str, Any]:
    """A submitted view's inputs as {block_id: plain value} (see element_value)."""
    values: dict[str, Any] = {}
    for block_id, elements in state_of_view(view).items():
        for element in elements.values():
            values[block_id] = element_value(element)
    return values


def input_value(view: Body, block_id: str, action_id: str) -> Any:
    """The plain value of one input of a submitted view (None when the form did not show it)."""
    return element_value(state_of_view(view).get(block_id, {}).get(action_id))
