"""What a verified Slack body must be before okrbot acts on it: UTF-8; a JSON object, a form, or a form whose
`payload` is a JSON object; the fields okrbot and Bolt read of the right types.

The front door (bot/http_guard.py) applies it to every verified POST, and `okrbot socket`
(bot/socket_guard.py) to every Socket Mode envelope.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

_STR = (str,)
_ID = (str, dict)  # Slack sends `user`, `team`, `channel`, `enterprise` as an id or as an object with `id`
_TOP: dict[str, tuple[type, ...]] = {
    "type": _STR, "team_id": _STR, "enterprise_id": _STR, "user_id": _STR, "channel_id": _STR, "api_app_id": _STR,
    "trigger_id": _STR, "response_url": _STR, "event_id": _STR, "callback_id": _STR, "command": _STR, "text": _STR,
    "action_ts": _STR, "message_ts": _STR, "challenge": _STR, "team": _ID, "enterprise": _ID, "user": _ID,
    "channel": _ID, "event": (dict,), "view": (dict,), "container": (dict,), "message": (dict,),
    "actions": (list,), "authorizations": (list,), "response_urls": (list,), "state": (dict,),
}
_EVENT: dict[str, tuple[type, ...]] = {
    # `user` and `channel` are ids in most events, objects in some (user_change, team_join, channel_created).
    "type": _STR, "subtype": _STR, "user": (str, dict), "channel": (str, dict), "text": _STR, "ts": _STR,
    "thread_ts": _STR,
    "event_ts": _STR, "tab": _STR, "reaction": _STR, "item_user": _STR, "deleted_ts": _STR, "bot_id": _STR,
    "channel_type": _STR, "team": _STR, "user_team": _STR, "item": (dict,), "message": (dict,),
    "previous_message": (dict,), "view": (dict,), "tokens": (dict,),
}
_MESSAGE: dict[str, tuple[type, ...]] = {
    "type": _STR, "user": _STR, "text": _STR, "ts": _STR, "thread_ts": _STR, "bot_id": _STR, "blocks": (list,),
}
_ITEM: dict[str, tuple[type, ...]] = {"type": _STR, "channel": _STR, "ts": _STR}
_VIEW: dict[str, tuple[type, ...]] = {
    "id": _STR, "hash": _STR, "type": _STR, "callback_id": _STR, "private_metadata": _STR, "team_id": _STR,
    "app_installed_team_id": _STR, "state": (dict,), "blocks": (list,),
}
_ACTION: dict[str, tuple[type, ...]] = {
    "action_id": _STR, "block_id": _STR, "value": _STR, "type": _STR, "selected_user": _STR,
    "selected_date": _STR, "selected_time": _STR, "selected_option": (dict,), "selected_options": (list,),
    "selected_users": (list,),
}
_CONTAINER: dict[str, tuple[type, ...]] = {"type": _STR, "channel_id": _STR, "message_ts": _STR, "view_id": _STR}
_NESTED: dict[str, dict[str, tuple[type, ...]]] = {"item": _ITEM, "message": _MESSAGE, "previous_message": _MESSAGE}


def check_shape(body: Any) -> str | None:
    """None when `body` (a parsed Slack payload) has the shape okrbot and Bolt read; else why not (one line)."""
    if not isinstance(body, dict):
        return f"payload is a JSON {type(body).__name__}, not an object"
    problem = _fields(body, _TOP, "")
    if problem:
        return problem
    for name in ("user", "team", "channel", "enterprise"):
        value = body.get(name)
        if isinstance(value, dict) and not isinstance(value.get("id", ""), str):
            return f"{name}.id is not a string"
    if (body.get("type") == "event_callback" or "event" in body) and not isinstance(body.get("event"), dict):
        return "event is not an object"
    if "response_urls" in body and not isinstance(body["response_urls"], list):
        return "response_urls is not a list"  # Bolt takes its len()
    event = body.get("event")
    if isinstance(event, dict):
        problem = _fields(event, _EVENT, "event.") or _nested(event, "event.")
        if problem:
            return problem
    for name in ("authorizations", "response_urls", "actions"):
        if any(not isinstance(item, dict) for item in body.get(name) or []):
            return f"{name} holds something other than objects"
    kind = body.get("type")
    if ((kind == "block_actions" and "actions" in body) or (kind == "interactive_message" and "callback_id" in body)) \
            and not body.get("actions"):
        return "actions is empty: a click carries at least one action"  # Bolt reads actions[0]
    for action in body.get("actions") or []:
        problem = _fields(action, _ACTION, "actions[].")
        if problem:
            return problem
    for entry in body.get("response_urls") or []:
        if not isinstance(entry.get("response_url", ""), str):
            return "response_urls[].response_url is not a string"
    return (_nested(body, "") or _view(body.get("view"), "view.")
            or _fields(body.get("container") or {}, _CONTAINER, "container."))


def _fields(data: Mapping[str, Any], schema: Mapping[str, tuple[type, ...]], prefix: str) -> str | None:
    # Slack sends null for absent parts of interactions (`"enterprise": null`, `"selected_option": null`);
    # inside an event a value is either there with its type or not there.
    nullable = not prefix.startswith("event.")
    for name, types in schema.items():
        if name in data and not isinstance(data[name], types) and not (nullable and data[name] is None):
            wanted = " or ".join("a string" if t is str else f"a JSON {t.__name__}" for t in types)
            return f"{prefix}{name} is not {wanted}"
    return None


def _nested(data: Mapping[str, Any], prefix: str) -> str | None:
    for name, schema in _NESTED.items():
        if isinstance(data.get(name), dict):
            problem = _fields(data[name], schema, f"{prefix}{name}.")
            if problem:
                return problem
    view = data.get("view")
    return _view(view, f"{prefix}view.") if prefix else None


def _view(view: Any, prefix: str) -> str | None:
    if not isinstance(view, dict):
        return None
    problem = _fields(view, _VIEW, prefix)
    if problem:
        return problem
    values = (view.get("state") or {}).get("values")
    if values is None:
        return None
    if not isinstance(values, dict) or any(not isinstance(block, dict) or
                                           any(not isinstance(element, dict) for element in block.values())
                                           for block in values.values()):
        return f"{prefix}state.values is not an object of objects"
    return None


def parse_verified(body: bytes, content_type: str) -> tuple[Any, str | None]:
    """(payload, None) as Bolt will parse this verified body; (None, reason) when it is not a Slack body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None, "body is not UTF-8"
    try:
        if content_type == "application/json" or text.startswith(("{", "[")):
            return json.loads(text), None
        if "payload" in text:  # Bolt's own test: a form carrying a JSON `payload`
            payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
            return (json.loads(payload) if payload is not None else {}), None
        return dict(parse_qsl(text, keep_blank_values=True)), None
    except (ValueError, RecursionError):
        return None, "body is not valid JSON"
