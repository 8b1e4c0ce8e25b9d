"""What Slack sends to the app: request bodies for commands, events, actions and views, signed like Slack's."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from typing import Any
from urllib.parse import urlencode, urlsplit

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# The legacy verification token Slack still puts in every payload; Bolt ignores it in favour of signatures.
VERIFICATION_TOKEN = "fake-verification-token"
DEFAULT_APP_ID = "A0OKRBOT01"
DEFAULT_BOT_USER_ID = "UBOT"
_TRIGGER_RE = re.compile(r"^(\d+)\.(\d+)\.([0-9a-f]+)$")

Built = tuple[str, bytes]


# --------------------------------------------------------------------------- signing and ids


def sign(signing_secret: str, body: bytes, timestamp: int) -> str:
    """Slack's request signature: `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{body}`)."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


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


def _auto_id(index: int, item: Mapping[str, Any]) -> str:
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
                block["block_id"] = _auto_id(index, raw)
            for element_index, element in enumerate(_interactive_elements(block)):
                if "action_id" not in element:
                    element["action_id"] = _auto_id(element_index, element)
        filled.append(block)
    return filled


def _interactive_elements(block: dict) -> list[dict]:
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
        for element in _interactive_elements(block):
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
        for element in _interactive_elements(block):
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
    action.setdefault("block_id", _auto_id(0, action))
    action.setdefault("action_ts", _now_ts())
    return action


def _payload_view(view: Mapping[str, Any], team_id: str, api_app_id: str, values: Mapping[str, Any] | None,
                  ) -> dict:
    shaped = copy.deepcopy(dict(view))
    shaped["blocks"] = fill_ids(shaped.get("blocks"))
    view_id = shaped.get("id") or "V" + _auto_id(0, shaped).upper()
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


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class Response:
    """What the app answered: status, headers (lower-cased names), raw body and seconds it took."""

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float = 0.0

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON; None for an empty body (a plain ack)."""
        return json.loads(self.body) if self.body.strip() else None


_SEND_OPTIONS = ("retry_num", "retry_reason", "timestamp", "signature", "unsigned")


class SlackSender:
    """POSTs built requests to the app the way Slack does, signed with the app's signing secret."""

    def __init__(self, app_url: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        if urlsplit(app_url).scheme not in ("http", "https"):
            raise ValueError(f"app_url must be http(s): {app_url!r}")
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.timeout = timeout

    def send(
        self,
        built: Built,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Response:
        """POST one built request; 4xx/5xx come back as a Response, never as an exception."""
        content_type, body = built
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        if not unsigned:
            headers["X-Slack-Request-Timestamp"] = str(timestamp)
            headers["X-Slack-Signature"] = signature or sign(self.signing_secret, body, timestamp)
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        request = urllib.request.Request(self.app_url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            # The scheme was checked in __init__: only http(s) reaches urlopen.
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                status, answer_headers, answer_body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, answer_body = error.code, error.headers, error.read()
        return Response(
            status=status,
            headers={key.lower(): value for key, value in answer_headers.items()},
            body=answer_body,
            elapsed=time.monotonic() - started,
        )

    def _send_with(self, builder: Any, args: tuple, kwargs: dict) -> Response:
        options = {key: kwargs.pop(key) for key in _SEND_OPTIONS if key in kwargs}
        return self.send(builder(*args, **kwargs), **options)

    def command(self, *args: Any, **kwargs: Any) -> Response:
        """POST a slash command: slash_command()'s arguments plus send()'s options."""
        return self._send_with(slash_command, args, kwargs)

    def event(self, *args: Any, **kwargs: Any) -> Response:
        """POST an event_callback: event_callback()'s arguments plus send()'s options."""
        return self._send_with(event_callback, args, kwargs)

    def action(self, *args: Any, **kwargs: Any) -> Response:
        """POST a block_actions payload: block_actions()'s arguments plus send()'s options."""
        return self._send_with(block_actions, args, kwargs)

    def submit(self, *args: Any, **kwargs: Any) -> Response:
        """POST a view_submission: view_submission()'s arguments plus send()'s options."""
        return self._send_with(view_submission, args, kwargs)

    def close(self, *args: Any, **kwargs: Any) -> Response:
        """POST a view_closed: view_closed()'s arguments plus send()'s options."""
        return self._send_with(view_closed, args, kwargs)

    def shortcut(self, *args: Any, **kwargs: Any) -> Response:
        """POST a message shortcut: message_shortcut()'s arguments plus send()'s options."""
        return self._send_with(message_shortcut, args, kwargs)

    def verify_url(self, challenge: str, **kwargs: Any) -> Response:
        """POST the url_verification handshake."""
        return self.send(url_verification(challenge), **kwargs)
