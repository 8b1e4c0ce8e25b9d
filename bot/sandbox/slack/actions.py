"""What a click or a form on the sandbox page carries, built as Slack builds it: the element acted on, the
`actions[0]` of a block_actions payload, the form values a view really has, and channel fields.

Used by acting.py; a value the element cannot take is the person's error (SandboxError), not a traceback.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from bot.sandbox.page import SandboxError


def channel_type_of(channel: dict[str, Any]) -> str:
    """Slack's channel_type for a conversation (im, mpim, group, channel)."""
    if channel.get("is_im"):
        return "im"
    if channel.get("is_mpim"):
        return "mpim"
    return "group" if channel.get("is_private") else "channel"


def channel_name_of(channel: dict[str, Any]) -> str:
    """The channel name Slack puts in a payload (directmessage for a DM)."""
    if channel.get("is_im"):
        return "directmessage"
    return channel.get("name") or channel["id"].lower()


def interactive_in(block: dict[str, Any]) -> list[dict[str, Any]]:
    """The elements of a block a person can act on, image accessories included."""
    if block.get("type") == "input" and isinstance(block.get("element"), dict):
        return [block["element"]]
    if block.get("type") == "section" and isinstance(block.get("accessory"), dict):
        return [block["accessory"]]
    if block.get("type") == "actions":
        return [e for e in block.get("elements") or [] if isinstance(e, dict)]
    return []


def element_by_id(blocks: Iterable[dict[str, Any]], action_id: str, block_id: str | None) -> dict[str, Any]:
    """The element with `action_id` (in the block `block_id`, if given); the person's error if gone."""
    for block in blocks:
        if block_id and block.get("block_id") != block_id:
            continue
        for element in interactive_in(block):
            if element.get("action_id") == action_id:
                return element
    raise SandboxError("That button is not there any more.")


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    """An element's options, those in option groups included."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def option_by_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The option with `value`; the person's error if there is none."""
    for option in options_of(element):
        if option.get("value") == value:
            return option
    raise SandboxError(f"{value!r} is not one of the choices.")


def action_of(element: dict[str, Any], action_id: str, block_id: str | None, value: Any) -> dict[str, Any]:
    """The `actions[0]` Slack sends for this element and the person's choice."""
    kind = element.get("type")
    action: dict[str, Any] = {"action_id": action_id, "type": kind}
    if block_id:
        action["block_id"] = block_id
    many = kind in ("multi_static_select", "checkboxes", "multi_users_select")
    if many and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise SandboxError("This choice takes a list of values.")
    if not many and kind != "button" and value is not None and not isinstance(value, str):
        raise SandboxError("This choice takes one value.")
    if kind == "button":
        # Slack sends the clicked button itself: its text, value and style, never another button's.
        for key in ("text", "value", "style"):
            if key in element:
                action[key] = copy.deepcopy(element[key])
    elif kind in ("static_select", "overflow", "radio_buttons", "external_select"):
        action["selected_option"] = option_by_value(element, value) if kind != "external_select" else \
            {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    elif kind in ("multi_static_select", "checkboxes"):
        action["selected_options"] = [option_by_value(element, v) for v in value]
    elif kind == "users_select":
        action["selected_user"] = value
    elif kind == "multi_users_select":
        action["selected_users"] = list(value)
    elif kind in ("conversations_select", "channels_select"):
        action["selected_conversation" if kind == "conversations_select" else "selected_channel"] = value
    elif kind == "datepicker":
        action["selected_date"] = value
    elif kind == "timepicker":
        action["selected_time"] = value
    elif kind in ("plain_text_input", "number_input"):
        action["value"] = value
    return action


def known_values(view: dict[str, Any], values: dict[str, Any] | None) -> dict[str, Any]:
    """The page's form values keyed by block_id, keeping only inputs the view really has."""
    if not values:
        return {}
    if not isinstance(values, dict):
        raise SandboxError("Form values must be an object.")
    block_ids = {b.get("block_id") for b in view.get("blocks") or [] if interactive_in(b)}
    return {key: value for key, value in values.items() if key in block_ids}
