"""Slack's shapes that the loopback Slack and the payload builders share: trigger ids, the ids Slack fills in
blocks, a stored message as Slack shows it, and a view's `state.values`."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from datetime import time as dtime
from typing import Any

_TRIGGER_RE = re.compile(r"^(\d+)\.(\d+)\.([0-9a-f]+)$")


def new_trigger_id(user_id: str) -> str:
    """A fresh trigger id shaped like Slack's (`123.456.abcdef`) that also names the user who acted."""
    # The hex part carries the user so the fake Web API knows whose screen a views.open lands on.
    return f"{time.time_ns() // 1000}.{secrets.randbelow(10**9)}.{user_id.encode().hex()}"


def trigger_user(trigger_id: str) -> str | None:
    """The user id a trigger from new_trigger_id() was made for; None for other well-formed ids."""
    match = _TRIGGER_RE.match(trigger_id or "")
    if not match or len(match.group(3)) % 2:
        return None
    try:
        user = bytes.fromhex(match.group(3)).decode()
    except UnicodeDecodeError:
        return None
    return user if user.isalnum() else None


def is_trigger_id(value: str) -> bool:
    """Whether `value` has the shape Slack requires of a trigger_id."""
    return bool(_TRIGGER_RE.match(value or ""))


def auto_id(index: int, item: Mapping[str, Any]) -> str:
    """The id Slack would give a block or element sent without one (stable: a hash of it and its place)."""
    # Slack invents short random ids for blocks and elements sent without one; ours are a hash of the
    # item and its position, so the fake and these builders agree on them without sharing state.
    digest = hashlib.sha1(f"{index}:{json.dumps(item, sort_keys=True)}".encode()).digest()  # noqa: S324
    return base64.b32encode(digest).decode()[:5]


def fill_ids(blocks: Iterable[Mapping[str, Any]] | None) -> list[dict]:
    """A copy of `blocks` where blocks and interactive elements lacking ids get the ids Slack would add."""
    filled = []
    for index, raw in enumerate(blocks or []):
        block = copy.deepcopy(dict(raw)) if isinstance(raw, Mapping) else raw
        if isinstance(block, dict):
            if not block.get("block_id"):
                block["block_id"] = auto_id(index, raw)
            for element_index, element in enumerate(interactive_elements(block)):
                if "action_id" not in element:
                    element["action_id"] = auto_id(element_index, element)
        filled.append(block)
    return filled


def interactive_elements(block: dict) -> list[dict]:
    """The elements of a block a person can act on (an input's element, a section's accessory, actions)."""
    if block.get("type") == "input" and isinstance(block.get("element"), dict):
        return [block["element"]]
    if block.get("type") == "section" and isinstance(block.get("accessory"), dict):
        accessory = block["accessory"]
        return [] if accessory.get("type") == "image" else [accessory]
    if block.get("type") == "actions" and isinstance(block.get("elements"), list):
        return [element for element in block["elements"] if isinstance(element, dict)]
    return []


def slack_message(message: Mapping[str, Any]) -> dict:
    """A stored fake message in the shape Slack uses in API answers and interaction payloads."""
    shaped = {key: value for key, value in message.items() if key not in ("channel", "edited", "edited_ts")}
    if message.get("edited"):
        shaped["edited"] = {"user": message.get("user"), "ts": message.get("edited_ts", message.get("ts"))}
    if not shaped.get("thread_ts"):
        shaped.pop("thread_ts", None)
    if shaped.get("reactions"):
        shaped["reactions"] = [{**r, "count": len(r["users"])} for r in shaped["reactions"]]
    else:
        shaped.pop("reactions", None)
    return shaped


# --------------------------------------------------------------------------- view state

# element type -> (state key, initial key, how a Python value becomes Slack's value)
_STATE_SHAPES: dict[str, tuple[str, str, str]] = {
    "plain_text_input": ("value", "initial_value", "text"),
    "number_input": ("value", "initial_value", "text"),
    "email_text_input": ("value", "initial_value", "text"),
    "url_text_input": ("value", "initial_value", "text"),
    "static_select": ("selected_option", "initial_option", "option"),
    "external_select": ("selected_option", "initial_option", "external_option"),
    "radio_buttons": ("selected_option", "initial_option", "option"),
    "multi_static_select": ("selected_options", "initial_options", "options"),
    "multi_external_select": ("selected_options", "initial_options", "external_options"),
    "checkboxes": ("selected_options", "initial_options", "options"),
    "users_select": ("selected_user", "initial_user", "scalar"),
    "multi_users_select": ("selected_users", "initial_users", "scalars"),
    "conversations_select": ("selected_conversation", "initial_conversation", "scalar"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", "scalars"),
    "channels_select": ("selected_channel", "initial_channel", "scalar"),
    "multi_channels_select": ("selected_channels", "initial_channels", "scalars"),
    "datepicker": ("selected_date", "initial_date", "date"),
    "timepicker": ("selected_time", "initial_time", "time"),
    "datetimepicker": ("selected_date_time", "initial_date_time", "datetime"),
    "rich_text_input": ("rich_text_value", "initial_value", "rich_text"),
}
_PLURAL_KINDS = ("options", "external_options", "scalars")


def _find_option(element: dict, value: Any) -> dict:
    if isinstance(value, Mapping):
        return dict(value)
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == str(value):
            return copy.deepcopy(option)
    known = [option.get("value") for option in options]
    raise ValueError(f"{value!r} is not an option of {element.get('action_id')!r} (options: {known})")


def _external_option(value: Any) -> dict:
    if isinstance(value, Mapping):
        return dict(value)
    return {"text": {"type": "plain_text", "text": str(value), "emoji": True}, "value": str(value)}


def _state_value(element: dict, kind: str, value: Any) -> Any:
    if kind in _PLURAL_KINDS:
        items = list(value or [])
        if kind == "options":
            return [_find_option(element, item) for item in items]
        if kind == "external_options":
            return [_external_option(item) for item in items]
        return [str(item) for item in items]
    if value is None:
        return None
    converters = {
        "text": str,
        "option": lambda v: _find_option(element, v),
        "external_option": _external_option,
        "scalar": str,
        "date": lambda v: v.isoformat() if isinstance(v, date) else str(v),
        "time": lambda v: v.strftime("%H:%M") if isinstance(v, dtime) else str(v),
        "datetime": lambda v: int(v.timestamp()) if isinstance(v, datetime) else int(v),
        "rich_text": lambda v: v if isinstance(v, Mapping) else _rich_text(str(v)),
    }
    return converters[kind](value)


def _rich_text(text: str) -> dict:
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return {"type": "rich_text", "elements": [section]}


def _stateful(blocks: list[dict]) -> Iterable[tuple[dict, dict]]:
    for block in blocks:
        for element in interactive_elements(block):
            if element.get("type") in _STATE_SHAPES:
                yield block, element


def view_state(blocks: Iterable[Mapping[str, Any]], values: Mapping[str, Any] | None = None) -> dict:
    """Slack's `view.state.values` for these blocks, given {action_id or block_id: plain Python value}.

    Inputs not given carry their initial value, else their empty shape (None or []), as Slack sends them.
    """
    remaining = dict(values or {})
    state: dict[str, dict] = {}
    for block, element in _stateful(fill_ids(blocks)):
        state_key, initial_key, kind = _STATE_SHAPES[element["type"]]
        action_id, block_id = element["action_id"], block["block_id"]
        if action_id in remaining:
            value = _state_value(element, kind, remaining.pop(action_id))
        elif block_id in remaining:
            value = _state_value(element, kind, remaining.pop(block_id))
        elif initial_key in element:
            value = copy.deepcopy(element[initial_key])
        else:
            value = [] if kind in _PLURAL_KINDS else None
        state.setdefault(block_id, {})[action_id] = {"type": element["type"], state_key: value}
    if remaining:
        raise ValueError(f"no input with action_id or block_id {sorted(remaining)} in the view")
    return state
