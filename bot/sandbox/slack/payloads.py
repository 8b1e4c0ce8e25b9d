"""What Slack sends to the app: request bodies for commands, events, actions and views (sender.py POSTs them)."""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.slack.shapes import auto_id, fill_ids, interactive_elements, new_trigger_id, slack_message, view_state

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# The legacy verification token Slack still puts in every payload; Bolt ignores it in favour of signatures.
VERIFICATION_TOKEN = "fake-verification-token"
DEFAULT_APP_ID = "A0OKRBOT01"
DEFAULT_BOT_USER_ID = "UBOT"

Built = tuple[str, bytes]


# --------------------------------------------------------------------------- builders


def _form(fields: Mapping[str, Any]) -> Built:
    return FORM, urlencode({key: value for key, value in fields.items() if value is not None}).encode()


def _interactive(payload: Mapping[str, Any]) -> Built:
    return _form({"payload": json.dumps(payload)})


def _user(team_id: str, user_id: str, user_name: str | None) -> dict:
    name = user_name or user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict:
    return {"id": team_id, "domain": team_id.lower()}


def _channel_name(channel_id: str, channel_name: str | None) -> str:
    if channel_name:
        return channel_name
    return {"D": "directmessage", "G": "privategroup"}.get(channel_id[:1], channel_id.lower())


def _now_ts() -> str:
    return f"{time.time():.6f}"


def slash_command(
    team_id: str,
    user_id: str,
    command: str,
    text: str = "",
    *,
    channel_id: str,
    response_url: str,
    trigger_id: str | None = None,
    user_name: str | None = None,
    channel_name: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
) -> Built:
    """A slash command as Slack POSTs it: form-encoded fields."""
    return _form({
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_id.lower(),
        "channel_id": channel_id,
        "channel_name": _channel_name(channel_id, channel_name),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(user_id),
    })


def event_callback(
    team_id: str,
    event: Mapping[str, Any],
    *,
    event_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    event_time: int | None = None,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
) -> Built:
    """An Events API delivery: JSON `event_callback` envelope around `event` (event_ts filled if missing)."""
    event_time = int(time.time()) if event_time is None else event_time
    inner = {"event_ts": _now_ts(), **event}
    return JSON, json.dumps({
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": inner,
        "type": "event_callback",
        "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
        "event_time": event_time,
        "authorizations": [{
            "enterprise_id": None,
            "team_id": team_id,
            "user_id": bot_user_id,
            "is_bot": True,
            "is_enterprise_install": False,
        }],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_hex(8),
    }).encode()


def url_verification(challenge: str) -> Built:
    """The handshake Slack sends when a Request URL is saved."""
    payload = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return JSON, json.dumps(payload).encode()


def reaction_event(user: str, reaction: str, *, channel: str, ts: str, item_user: str,
                   removed: bool = False) -> dict:
    """The inner event of `reaction_added` (or `reaction_removed`) on a message."""
    return {
        "type": "reaction_removed" if removed else "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": _now_ts(),
    }


def message_event(user: str, channel: str, text: str, *, ts: str, thread_ts: str | None = None,
                  channel_type: str | None = None) -> dict:
    """The inner event of a person's `message` (a thread reply when thread_ts is given)."""
    event = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type or {"D": "im", "G": "group"}.get(channel[:1], "channel"),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened_event(user: str, *, channel: str, tab: str = "home", view: dict | None = None) -> dict:
    """The inner event of `app_home_opened` (view is the currently published Home view, if any)."""
    event = {"type": "app_home_opened", "user": user, "channel": channel, "tab": tab, "event_ts": _now_ts()}
    if view is not None:
        event["view"] = view
    return event


def _find_element(blocks: list[dict], action_id: str, block_id: str | None = None) -> tuple[dict, dict] | None:
    # Slack names the clicked element by its block AND its action_id: buttons repeated per person or per
    # objective share an action_id, so the block is what tells them apart.
    for block in blocks:
        if block_id is not None and block.get("block_id") != block_id:
            continue
        for element in interactive_elements(block):
            if element.get("action_id") == action_id:
                return block, element
    return None


def _action(raw: Mapping[str, Any], blocks: list[dict]) -> dict:
    action = dict(raw)
    found = _find_element(blocks, action["action_id"], action.get("block_id")) if "action_id" in action else None
    if found is None and "action_id" in action and action.get("block_id") is not None:
        raise ValueError(f"no element {action['action_id']!r} in block {action['block_id']!r}")
    if found:
        block, element = found
        action.setdefault("block_id", block["block_id"])
        action.setdefault("type", element.get("type"))
        for key in ("text", "value", "style"):
            if key in element:
                action.setdefault(key, copy.deepcopy(element[key]))
    action.setdefault("type", "button")
    action.setdefault("block_id", auto_id(0, action))
    action.setdefault("action_ts", _now_ts())
    return action


def _payload_view(view: Mapping[str, Any], team_id: str, api_app_id: str, values: Mapping[str, Any] | None,
                  ) -> dict:
    shaped = copy.deepcopy(dict(view))
    shaped["blocks"] = fill_ids(shaped.get("blocks"))
    view_id = shaped.get("id") or "V" + auto_id(0, shaped).upper()
    defaults = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": api_app_id,
        "app_installed_team_id": team_id,
    }
    for key, value in defaults.items():
        shaped.setdefault(key, value)
    shaped["state"] = {"values": view_state(shaped["blocks"], values)}
    return shaped


def block_actions(
    team_id: str,
    user_id: str,
    actions: list[Mapping[str, Any]],
    *,
    channel_id: str | None = None,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    values: Mapping[str, Any] | None = None,
    ephemeral: bool = False,
    user_name: str | None = None,
    channel_name: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
) -> Built:
    """A `block_actions` payload for clicks in a message (channel_id + message) or in a view.

    Each action needs only `action_id` (plus `value`, `selected_option`... as the element sends);
    block_id, type, text and action_ts are filled from the message's or view's blocks.
    `values` sets the view's state; `ephemeral` marks the message as ephemeral (Slack then omits it).
    """
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(team_id, user_id, user_name),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(user_id),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    blocks: list[dict] = []
    if view is not None:
        shaped = _payload_view(view, team_id, api_app_id, values)
        blocks = shaped["blocks"]
        payload["container"] = {"type": "view", "view_id": shaped["id"]}
        payload["view"] = shaped
        payload["state"] = shaped["state"]
    elif message is not None:
        if channel_id is None:
            raise ValueError("block_actions on a message needs channel_id")
        blocks = fill_ids(message.get("blocks"))
        payload["container"] = {"type": "message", "message_ts": message["ts"], "channel_id": channel_id,
                                "is_ephemeral": ephemeral}
        if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
            payload["container"]["thread_ts"] = message["thread_ts"]
        if not ephemeral:
            payload["message"] = {**slack_message(message), "blocks": blocks}
        payload["state"] = {"values": view_state(blocks, values)}
    else:
        raise ValueError("block_actions needs a message or a view")
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": _channel_name(channel_id, channel_name)}
    if response_url is not None:
        payload["response_url"] = response_url
    payload["actions"] = [_action(action, blocks) for action in actions]
    return _interactive(payload)


def view_submission(
    team_id: str,
    user_id: str,
    view: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    *,
    trigger_id: str | None = None,
    user_name: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
) -> Built:
    """A `view_submission` payload; `values` maps an input's action_id (or block_id) to a Python value.

    plain_text/number inputs take str/int, selects and radio buttons an option value, multi selects and
    checkboxes a list, users/conversations selects ids, datepicker a date or "YYYY-MM-DD", timepicker a
    time or "HH:MM".
    """
    return _interactive({
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(team_id, user_id, user_name),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(user_id),
        "view": _payload_view(view, team_id, api_app_id, values),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    })


def view_closed(
    team_id: str,
    user_id: str,
    view: Mapping[str, Any],
    *,
    is_cleared: bool = False,
    user_name: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
) -> Built:
    """A `view_closed` payload (sent only for views opened with notify_on_close)."""
    return _interactive({
        "type": "view_closed",
        "team": _team(team_id),
        "user": _user(team_id, user_id, user_name),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "view": _payload_view(view, team_id, api_app_id, None),
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    })


def message_shortcut(
    team_id: str,
    user_id: str,
    callback_id: str,
    *,
    channel_id: str,
    message: Mapping[str, Any],
    response_url: str,
    trigger_id: str | None = None,
    user_name: str | None = None,
    channel_name: str | None = None,
) -> Built:
    """A message shortcut (`message_action`) on `message` in `channel_id`."""
    return _interactive({
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": _now_ts(),
        "team": _team(team_id),
        "user": _user(team_id, user_id, user_name),
        "channel": {"id": channel_id, "name": _channel_name(channel_id, channel_name)},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(user_id),
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": slack_message(message),
    })
