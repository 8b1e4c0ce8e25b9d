"""A loopback stand-in for Slack's Web API: the real WebClient talks to it, tests read its transcript.

    with FakeSlack() as fake:
        fake.add_user("U1", "ravi", tz="Asia/Kolkata")
        client = WebClient(base_url=fake.base_url, token=fake.bot_token)
        client.chat_postMessage(channel="U1", text="hi")
        [call] = fake.wait_for("chat.postMessage")

It answers like Slack (shapes, error codes, Block Kit limits), keeps the workspace's state (messages,
ephemerals, Home tabs, modal stacks, reactions) for the sandbox page, and can be told to fail.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import itertools
import json
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from bot.sandbox.payloads import fill_ids, is_trigger_id, new_trigger_id, slack_message, trigger_user

log = logging.getLogger(__name__)

# Slack's limits (https://docs.slack.dev/reference/block-kit), checked on every message and view.
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_ID = 255  # action_id, block_id, callback_id, external_id
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_PLACEHOLDER = 150
MAX_LABEL = 2000
MAX_MODAL_TITLE = 24  # also submit and close
MAX_PRIVATE_METADATA = 3000
MAX_VIEW_BYTES = 250_000
MAX_MODAL_STACK = 3
MAX_MPIM_USERS = 8
MAX_RESPONSE_URL_USES = 5

BLOCK_TYPES = frozenset({
    "section", "divider", "image", "actions", "context", "input", "header", "file", "rich_text", "video",
    "markdown", "table",
})
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})

# Required arguments as in slack-reference/methods/*.json, minus `token` (it comes in the header).
REQUIRED_ARGS: dict[str, tuple[str, ...]] = {
    "apps.connections.open": (),
    "auth.test": (),
    "users.info": ("user",),
    "users.list": (),
    "users.lookupByEmail": ("email",),
    "conversations.open": (),
    "conversations.info": ("channel",),
    "conversations.history": ("channel",),
    "conversations.replies": ("channel", "ts"),
    "chat.postMessage": ("channel",),
    "chat.update": ("ts", "channel"),
    "chat.delete": ("ts", "channel"),
    "chat.postEphemeral": ("user", "channel"),
    "chat.getPermalink": ("channel", "message_ts"),
    "views.open": ("view",),
    "views.update": ("view",),
    "views.push": ("view",),
    "views.publish": ("user_id", "view"),
    "reactions.add": ("name", "timestamp", "channel"),
    "reactions.remove": ("name",),
    "reactions.get": (),
    "team.info": (),
}
_JSON_ARGS = ("blocks", "view", "attachments", "metadata")
_DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


# --------------------------------------------------------------------------- Block Kit checks


def _error(pointer: str, message: str) -> str:
    return f"[ERROR] {message} [json-pointer:{pointer}]"


def _too_long(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) > limit


def _check_text(obj: Any, pointer: str, limit: int, errors: list[str], *, plain_only: bool = False) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        errors.append(_error(pointer, "must be a text object with a string `text`"))
        return
    allowed = {"plain_text"} if plain_only else TEXT_TYPES
    if obj.get("type") not in allowed:
        errors.append(_error(f"{pointer}/type", f"must be one of {sorted(allowed)}"))
    if len(obj["text"]) > limit:
        errors.append(_error(f"{pointer}/text", f"must be at most {limit} characters"))


def _check_options(options: Any, pointer: str, errors: list[str]) -> None:
    if not isinstance(options, list):
        errors.append(_error(pointer, "must be an array"))
        return
    if len(options) > MAX_OPTIONS:
        errors.append(_error(pointer, f"must have at most {MAX_OPTIONS} items"))
    for index, option in enumerate(options):
        _check_text(option.get("text") if isinstance(option, dict) else None, f"{pointer}/{index}/text",
                    MAX_OPTION_TEXT, errors)
        if isinstance(option, dict) and _too_long(option.get("value"), MAX_OPTION_VALUE):
            errors.append(_error(f"{pointer}/{index}/value", f"must be at most {MAX_OPTION_VALUE} characters"))


def _check_element(element: Any, pointer: str, action_ids: set[str], errors: list[str]) -> None:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        errors.append(_error(pointer, "must be an element object with a `type`"))
        return
    action_id = element.get("action_id")
    if _too_long(action_id, MAX_ID):
        errors.append(_error(f"{pointer}/action_id", f"must be at most {MAX_ID} characters"))
    if action_id is not None:
        if action_id in action_ids:
            errors.append(_error(f"{pointer}/action_id", f"duplicate action_id `{action_id}`"))
        action_ids.add(action_id)
    if element["type"] == "button":
        _check_text(element.get("text"), f"{pointer}/text", MAX_BUTTON_TEXT, errors, plain_only=True)
        if _too_long(element.get("value"), MAX_BUTTON_VALUE):
            errors.append(_error(f"{pointer}/value", f"must be at most {MAX_BUTTON_VALUE} characters"))
        if _too_long(element.get("url"), MAX_URL):
            errors.append(_error(f"{pointer}/url", f"must be at most {MAX_URL} characters"))
    if "placeholder" in element:
        _check_text(element["placeholder"], f"{pointer}/placeholder", MAX_PLACEHOLDER, errors, plain_only=True)
    if "options" in element:
        _check_options(element["options"], f"{pointer}/options", errors)


def _check_block(block: Any, pointer: str, block_ids: set[str], errors: list[str]) -> None:
    if not isinstance(block, dict):
        errors.append(_error(pointer, "must be an object"))
        return
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        errors.append(_error(f"{pointer}/type", f"unsupported type `{kind}`"))
        return
    block_id = block.get("block_id")
    if block_id is not None:
        if _too_long(block_id, MAX_ID):
            errors.append(_error(f"{pointer}/block_id", f"must be at most {MAX_ID} characters"))
        if block_id in block_ids:
            errors.append(_error(f"{pointer}/block_id", f"duplicate block_id `{block_id}`"))
        block_ids.add(block_id)
    action_ids: set[str] = set()
    if kind == "section":
        if block.get("text") is None and not block.get("fields"):
            errors.append(_error(pointer, "must provide `text` or `fields`"))
        if block.get("text") is not None:
            _check_text(block["text"], f"{pointer}/text", MAX_SECTION_TEXT, errors)
        fields = block.get("fields")
        if fields is not None:
            if not isinstance(fields, list) or len(fields) > MAX_SECTION_FIELDS:
                errors.append(_error(f"{pointer}/fields", f"must be an array of at most {MAX_SECTION_FIELDS} items"))
            else:
                for index, item in enumerate(fields):
                    _check_text(item, f"{pointer}/fields/{index}", MAX_FIELD_TEXT, errors)
        if isinstance(block.get("accessory"), dict) and block["accessory"].get("type") != "image":
            _check_element(block["accessory"], f"{pointer}/accessory", action_ids, errors)
    elif kind == "header":
        _check_text(block.get("text"), f"{pointer}/text", MAX_HEADER_TEXT, errors, plain_only=True)
    elif kind in ("actions", "context"):
        limit = MAX_ACTIONS_ELEMENTS if kind == "actions" else MAX_CONTEXT_ELEMENTS
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= limit:
            errors.append(_error(f"{pointer}/elements", f"must be an array of 1 to {limit} items"))
        elif kind == "actions":
            for index, element in enumerate(elements):
                _check_element(element, f"{pointer}/elements/{index}", action_ids, errors)
    elif kind == "input":
        _check_text(block.get("label"), f"{pointer}/label", MAX_LABEL, errors, plain_only=True)
        _check_element(block.get("element"), f"{pointer}/element", action_ids, errors)
    elif kind == "image" and not ((block.get("image_url") or block.get("slack_file")) and block.get("alt_text")):
        errors.append(_error(pointer, "image needs `image_url` (or `slack_file`) and `alt_text`"))


def block_errors(blocks: Any, *, limit: int = MAX_MESSAGE_BLOCKS, pointer: str = "/blocks") -> list[str]:
    """Slack-style `[ERROR] ... [json-pointer:...]` messages for what Slack would reject; [] if fine."""
    if not isinstance(blocks, list):
        return [_error(pointer, "must be an array")]
    errors = []
    if len(blocks) > limit:
        errors.append(_error(pointer, f"must have at most {limit} items"))
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        _check_block(block, f"{pointer}/{index}", block_ids, errors)
    return errors


def view_errors(view: Any, *, kind: str) -> list[str]:
    """What Slack would reject in a view passed to views.* (`kind` is "modal", "home" or "any")."""
    if not isinstance(view, dict):
        return [_error("/view", "must be an object")]
    errors = []
    view_type = view.get("type")
    if view_type is None:
        errors.append(_error("/view", "missing required field: type"))
    elif view_type not in ("modal", "home") or kind not in ("any", view_type):
        allowed = "`modal` or `home`" if kind == "any" else f"`{kind}`"
        errors.append(_error("/view/type", f"must be {allowed}"))
    if view_type == "modal":
        if "title" not in view:
            errors.append(_error("/view", "missing required field: title"))
        for key in ("title", "submit", "close"):
            if key in view and view[key] is not None:
                _check_text(view[key], f"/view/{key}", MAX_MODAL_TITLE, errors, plain_only=True)
        blocks = view.get("blocks")
        if isinstance(blocks, list) and not view.get("submit") and any(
                isinstance(block, dict) and block.get("type") == "input" for block in blocks):
            errors.append(_error("/view/submit", "is required when an input block is within the blocks array"))
    if "blocks" not in view:
        errors.append(_error("/view", "missing required field: blocks"))
    else:
        errors.extend(block_errors(view["blocks"], limit=MAX_VIEW_BLOCKS, pointer="/view/blocks"))
    if _too_long(view.get("private_metadata"), MAX_PRIVATE_METADATA):
        errors.append(_error("/view/private_metadata", f"must be at most {MAX_PRIVATE_METADATA} characters"))
    for key in ("callback_id", "external_id"):
        if _too_long(view.get(key), MAX_ID):
            errors.append(_error(f"/view/{key}", f"must be at most {MAX_ID} characters"))
    return errors


# --------------------------------------------------------------------------- transcript


@dataclass(frozen=True)
class Call:
    """One request the fake answered: method, decoded args (no token), what it answered, when."""

    method: str
    args: dict
    ok: bool
    response: dict
    http_status: int
    at: float
    url: str = ""

    def to_dict(self) -> dict:
        """A JSON-serialisable copy."""
        return asdict(self)

    def summary(self) -> str:
        """One line for failure messages: time, method, outcome and the interesting args."""
        clock = datetime.fromtimestamp(self.at, UTC).strftime("%H:%M:%S.%f")[:-3]
        outcome = "ok" if self.ok else f"error={self.response.get('error')}"
        shown = {key: self.args[key] for key in ("channel", "user", "user_id", "ts", "text", "trigger_id")
                 if key in self.args}
        if "blocks" in self.args:
            shown["blocks"] = f"<{len(self.args['blocks'] or [])} blocks>"
        if "view" in self.args:
            view = self.args["view"] if isinstance(self.args["view"], dict) else {}
            shown["view"] = f"<{view.get('type')} {view.get('callback_id', '')!r}>"
        args = ", ".join(f"{key}={str(value)[:80]!r}" for key, value in shown.items())
        return f"{clock} {self.method} [{self.http_status} {outcome}] {args}"


class _SlackError(Exception):
    def __init__(self, error: str, *, messages: list[str] | None = None, status: int = 200) -> None:
        super().__init__(error)
        self.error, self.messages, self.status = error, messages, status

    def body(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    body: str | None


@contextlib.contextmanager
def _as_python_error() -> Iterator[None]:
    # What people do in the sandbox goes through the same rules as the API, but fails like Python.
    try:
        yield
    except _SlackError as error:
        kind = LookupError if error.error.endswith("not_found") else ValueError
        raise kind(error.error) from error


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _cursor(prefix: str, value: Any) -> str:
    return base64.b64encode(f"{prefix}:{value}".encode()).decode()


def _uncursor(prefix: str, cursor: str) -> str:
    try:
        kind, _, value = base64.b64decode(cursor, validate=True).decode().partition(":")
    except ValueError as error:
        raise _SlackError("invalid_cursor") from error
    if kind != prefix:
        raise _SlackError("invalid_cursor")
    return value


def _stable_id(prefix: str, key: str) -> str:
    return prefix + hashlib.sha1(key.encode()).hexdigest()[:10].upper()  # noqa: S324 (an id, not security)


# --------------------------------------------------------------------------- the fake


class FakeSlack:
    """Slack's Web API on 127.0.0.1 for one workspace, with the workspace's state and a call transcript."""

    def __init__(
        self,
        team_id: str = "T0001",
        team_name: str = "Acme",
        bot_user_id: str = "UBOT",
        bot_token: str = "xoxb-test",
        latency: float = 0.0,
        *,
        bot_id: str | None = None,
        app_id: str = "A0OKRBOT01",
        port: int = 0,
    ) -> None:
        self.team_id, self.team_name = team_id, team_name
        self.domain = "".join(ch for ch in team_name.lower() if ch.isalnum() or ch == "-") or "workspace"
        self.bot_user_id, self.bot_token = bot_user_id, bot_token
        self.bot_id = bot_id or "B" + bot_user_id.removeprefix("U")
        self.app_id = app_id
        self.latency = latency
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[Call] = []
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._users: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._dms: dict[str, str] = {}
        self._messages: dict[str, list[dict]] = defaultdict(list)
        self._by_ts: dict[tuple[str, str], dict] = {}
        self._ephemerals: list[dict] = []
        self._homes: dict[str, dict] = {}
        self._stacks: dict[str | None, list[dict]] = defaultdict(list)
        self._used_triggers: set[str] = set()
        self._response_urls: dict[str, dict] = {}
        self._subscribers: list[Callable[[str, dict], None]] = []
        self._pending: list[tuple[str, dict]] = []
        self._ids = itertools.count(1)
        self._last_ts = 0
        self._created = int(time.time())
        # What apps.connections.open answers for an xapp- token (a FakeSocketMode's `url`); None: Socket Mode off.
        self.socket_mode_url: str | None = None
        self._methods: dict[str, Callable[[dict], dict]] = {
            "apps.connections.open": self._apps_connections_open,
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "reactions.get": self._reactions_get,
            "team.info": self._team_info,
        }
        self.add_user(bot_user_id, "okrbot", real_name="okrbot", is_bot=True)

    # ----------------------------------------------------------------------- lifecycle

    def start(self) -> FakeSlack:
        """Listen on 127.0.0.1 (an ephemeral port unless one was given) in a daemon thread."""
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.fake = self
        self._server = server
        # A short poll interval makes stop() quick, which adds up over hundreds of tests.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and wait for the server thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on (after start())."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT` without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What to give WebClient(base_url=...): `http://127.0.0.1:PORT/api/`."""
        return f"{self.url}/api/"

    # ----------------------------------------------------------------------- the workspace

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        tz: str | None = "UTC",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
    ) -> dict:
        """Add (or replace) a member; tz is an IANA name, None for a user Slack has no timezone for."""
        if tz is not None:
            ZoneInfo(tz)  # fail here, not in the middle of a users.info answer
        user = {"id": user_id, "name": name, "real_name": real_name or name, "display_name": display_name or name,
                "email": email, "tz": tz, "is_bot": is_bot, "deleted": deleted, "is_admin": is_admin,
                "is_owner": is_owner, "updated": int(time.time())}
        with self._cond:
            self._users[user_id] = user
            self._emit("user", {"user": self._user_object(user)})
        self._flush()
        return self._user_object(user)

    def add_channel(self, channel_id: str, name: str, *, members: list[str] | None = None,
                    is_private: bool = False, is_archived: bool = False, topic: str = "",
                    purpose: str = "") -> dict:
        """Add (or replace) a channel; an empty member list means "anyone may be addressed in it"."""
        channel = {"id": channel_id, "kind": "channel", "name": name, "members": list(members or []),
                   "is_private": is_private, "is_archived": is_archived, "topic": topic, "purpose": purpose,
                   "created": self._created}
        with self._cond:
            self._channels[channel_id] = channel
            self._emit("channel", {"channel": self._channel_object(channel)})
        self._flush()
        return self._channel_object(channel)

    def dm_channel(self, user_id: str) -> str:
        """The id of the bot's DM with `user_id` (what conversations.open(users=user_id) returns)."""
        with self._cond:
            return self._dm(user_id)["id"]

    def new_response_url(self, *, channel: str | None = None, user: str | None = None,
                         message_ts: str | None = None) -> str:
        """A response_url for a command or action by `user` in `channel` (on message `message_ts`)."""
        with self._cond:
            token = f"{next(self._ids)}{int(time.time())}"
            self._response_urls[token] = {"channel": channel, "user": user, "message_ts": message_ts, "uses": 0}
        return f"{self.url}/response/{token}"

    def new_trigger_id(self, user_id: str) -> str:
        """A trigger id for an interaction by `user_id` (views.open with it lands on that user's screen)."""
        return new_trigger_id(user_id)

    # ----------------------------------------------------------------------- transcript

    @property
    def calls(self) -> list[Call]:
        """Every request so far, oldest first."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The requests to one method (`response_url` for posts to response URLs)."""
        with self._cond:
            return [call for call in self._calls if call.method == method]

    def clear_calls(self) -> None:
        """Forget the transcript (state is kept)."""
        with self._cond:
            self._calls.clear()

    def wait_for(self, method: str, predicate: Callable[[Call], bool] | None = None, *, count: int = 1,
                 timeout: float = 5.0) -> list[Call]:
        """Block until `count` calls to `method` match `predicate`; return all that match.

        Bolt acks before its listener finishes, so tests wait for the call instead of sleeping.
        Raises AssertionError with the transcript when they do not come in time.
        """
        matching: list[Call] = []

        def enough() -> bool:
            nonlocal matching
            matching = [call for call in self._calls
                        if call.method == method and (predicate is None or predicate(call))]
            return len(matching) >= count

        with self._cond:
            # Condition.wait_for keeps real time even under freezegun (it ignores the threading module).
            if self._cond.wait_for(enough, timeout):
                return matching
            to_method = sum(1 for call in self._calls if call.method == method)
            lines = [call.summary() for call in self._calls[-40:]]
        raise AssertionError(
            f"expected {count} call(s) to {method}{' matching the predicate' if predicate else ''} within "
            f"{timeout}s, got {len(matching)} ({to_method} to {method} in all). Transcript, last "
            f"{len(lines)} calls:\n  " + ("\n  ".join(lines) or "(no calls)"))

    def fail_next(self, method: str, times: int = 1, *, status: int = 429, retry_after: int | None = 1,
                  error: str | None = None, body: str | None = None) -> None:
        """Make the next `times` calls to `method` fail with `status` (429 adds Retry-After).

        status=200 with an error gives a Slack-level failure (e.g. error="is_archived");
        `body` sends that raw text instead of JSON, like a proxy's error page.
        """
        failure = _Failure(status=status, error=error or _DEFAULT_ERRORS.get(status, "internal_error"),
                           retry_after=retry_after if status == 429 else None, body=body)
        with self._cond:
            self._failures[method].extend([failure] * times)

    # ----------------------------------------------------------------------- state, for tests and the page

    def messages(self, channel: str) -> list[dict]:
        """Messages in a channel (top level and replies) in ts order."""
        with self._cond:
            return copy.deepcopy(self._messages.get(channel, []))

    def message(self, channel: str, ts: str) -> dict | None:
        """One message, or None."""
        with self._cond:
            return copy.deepcopy(self._by_ts.get((channel, ts)))

    def ephemerals(self, user: str | None = None) -> list[dict]:
        """Ephemeral messages (chat.postEphemeral and ephemeral response_url posts), for one user or all."""
        with self._cond:
            return copy.deepcopy([e for e in self._ephemerals if user is None or e["user"] == user])

    def home_view(self, user: str) -> dict | None:
        """The last view published to the user's Home tab."""
        with self._cond:
            return copy.deepcopy(self._homes.get(user))

    def open_views(self, user: str | None) -> list[dict]:
        """The user's modal stack, bottom first (None: views opened with triggers naming nobody)."""
        with self._cond:
            return copy.deepcopy(self._stacks.get(user, []))

    def users(self) -> list[dict]:
        """Every member as users.info would describe them."""
        with self._cond:
            return [self._user_object(user) for user in self._users.values()]

    def channels(self) -> list[dict]:
        """Every conversation (channels, DMs, group DMs) as conversations.info would describe them."""
        with self._cond:
            return [self._channel_object(channel) for channel in self._channels.values()]

    def snapshot(self) -> dict:
        """The whole workspace state as one JSON-serialisable dict (for the sandbox page)."""
        with self._cond:
            return {
                "team": {"id": self.team_id, "name": self.team_name, "domain": self.domain},
                "bot_user_id": self.bot_user_id,
                "users": self.users(),
                "channels": [{**self._channel_object(c), "members": list(c["members"])}
                             for c in self._channels.values()],
                "messages": copy.deepcopy(dict(self._messages)),
                "ephemerals": copy.deepcopy(self._ephemerals),
                "homes": copy.deepcopy(self._homes),
                "views": copy.deepcopy({user: stack for user, stack in self._stacks.items() if user and stack}),
            }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Load a snapshot() back: members and channels it lacks, then messages, ephemerals, Home tabs, modals.

        For the sandbox, which keeps its conversations across restarts; the transcript starts empty.
        """
        with self._cond:
            for user in state.get("users", []):
                if user["id"] not in self._users:
                    profile = user.get("profile", {})
                    self._users[user["id"]] = {
                        "id": user["id"], "name": user["name"], "real_name": user.get("real_name", user["name"]),
                        "display_name": profile.get("display_name", user["name"]), "email": profile.get("email"),
                        "tz": user.get("tz"), "is_bot": user.get("is_bot", False),
                        "deleted": user.get("deleted", False), "is_admin": user.get("is_admin", False),
                        "is_owner": user.get("is_owner", False), "updated": user.get("updated", 0)}
            for channel in state.get("channels", []):
                if channel.get("is_im"):
                    self._dm(channel["user"])
                elif channel["id"] not in self._channels:
                    self._channels[channel["id"]] = {
                        "id": channel["id"], "kind": "mpim" if channel.get("is_mpim") else "channel",
                        "name": channel["name"], "members": list(channel.get("members", [])),
                        "is_private": channel.get("is_private", False),
                        "is_archived": channel.get("is_archived", False),
                        "topic": channel.get("topic", {}).get("value", ""),
                        "purpose": channel.get("purpose", {}).get("value", ""),
                        "created": channel.get("created", self._created)}
            self._messages = defaultdict(list, {channel: [dict(m) for m in messages]
                                                for channel, messages in state.get("messages", {}).items()})
            self._by_ts = {(channel, m["ts"]): m for channel, messages in self._messages.items() for m in messages}
            self._ephemerals = [dict(e) for e in state.get("ephemerals", [])]
            self._homes = {user: dict(view) for user, view in state.get("homes", {}).items()}
            self._stacks = defaultdict(list, {user: list(stack) for user, stack in state.get("views", {}).items()})
            # New ts and view ids must come after the restored ones, or they would collide.
            stamps = [m["ts"] for m in self._by_ts.values()] + [e["ts"] for e in self._ephemerals]
            for stamp in stamps:
                seconds, _, micros = stamp.partition(".")
                self._last_ts = max(self._last_ts, int(seconds) * 1_000_000 + int(micros or 0))
            views = [*self._homes.values(), *(v for stack in self._stacks.values() for v in stack)]
            numbers = [int(v["id"][1:], 16) for v in views if len(v["id"]) == 9 and v["id"][1:].isalnum()
                       and all(ch in "0123456789ABCDEF" for ch in v["id"][1:])]
            self._ids = itertools.count(max([next(self._ids), *(n + 1 for n in numbers)]))
            self._emit("restored", {})
        self._flush()

    # ----------------------------------------------------------------------- what people do (state only)

    def post_user_message(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> dict:
        """A person posts a message (nothing is sent to the app); returns it, with its ts."""
        with self._cond, _as_python_error():
            target = self._dm(user) if channel == self.bot_user_id else self._channel(channel)
            message = self._store_message(target["id"], user=user, text=text, blocks=None, thread_ts=thread_ts)
        self._flush()
        return copy.deepcopy(message)

    def add_reaction(self, user: str, channel: str, ts: str, name: str) -> dict:
        """A person reacts to a message (nothing is sent to the app); returns the message."""
        with self._cond, _as_python_error():
            message = self._react(user, channel, ts, name, add=True)
        self._flush()
        return message

    def remove_reaction(self, user: str, channel: str, ts: str, name: str) -> dict:
        """A person takes a reaction back (nothing is sent to the app); returns the message."""
        with self._cond, _as_python_error():
            message = self._react(user, channel, ts, name, add=False)
        self._flush()
        return message

    def close_view(self, user: str, *, clear: bool = False) -> None:
        """The person closes the top modal view (or the whole stack with clear=True)."""
        with self._cond:
            stack = self._stacks.get(user, [])
            if clear:
                stack.clear()
            elif stack:
                stack.pop()
            self._emit("views", {"user": user, "views": copy.deepcopy(stack)})
        self._flush()

    def apply_view_ack(self, user: str, ack: Mapping[str, Any] | None) -> None:
        """Do to the user's modal stack what Slack does with the app's answer to a view_submission."""
        action = (ack or {}).get("response_action")
        with self._cond:
            stack = self._stacks[user]
            if action in ("update", "push") and stack:
                view = ack["view"]  # type: ignore[index]
                previous = stack[-1]
                if action == "update":
                    stack[-1] = self._view_object(view, view_id=previous["id"], root_view_id=previous["root_view_id"],
                                                  previous_view_id=previous["previous_view_id"])
                else:
                    stack.append(self._view_object(view, root_view_id=previous["root_view_id"],
                                                   previous_view_id=previous["id"]))
            elif action == "errors" and stack:
                stack[-1]["errors"] = dict(ack["errors"])  # type: ignore[index]
            elif action == "clear":
                stack.clear()
            elif stack:
                stack.pop()
            self._emit("views", {"user": user, "views": copy.deepcopy(stack)})
        self._flush()

    def subscribe(self, callback: Callable[[str, dict], None]) -> Callable[[], None]:
        """Call callback(kind, payload) after every state change and call; returns an unsubscribe function.

        kinds: call, message, message_changed, message_deleted, ephemeral, reaction, home, views, user, channel.
        """
        with self._cond:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._cond:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    # ----------------------------------------------------------------------- request handling

    def _api(self, method: str, query: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict, bytes]:
        return self._serve(method, f"/api/{method}",
                           lambda: _parse_args(headers.get("Content-Type", ""), query, body),
                           lambda args, extra: self._dispatch(method, args, headers, extra))

    def _respond(self, token: str, body: bytes) -> tuple[int, dict, bytes]:
        def work(args: dict, extra: dict[str, str]) -> dict:
            self._take_failure("response_url", extra)
            return self._post_to_response_url(token, args)

        return self._serve("response_url", f"/response/{token}", lambda: _parse_json_body(body), work)

    def _serve(self, method: str, url: str, parse: Callable[[], dict],
               work: Callable[[dict, dict[str, str]], dict]) -> tuple[int, dict, bytes]:
        if self.latency:
            time.sleep(self.latency)
        args: dict = {}
        headers = {"Content-Type": "application/json; charset=utf-8"}
        raw: bytes | None = None
        with self._cond:
            try:
                args = parse()
                status, response = 200, work(args, headers)
            except _SlackError as error:
                status, response = error.status, error.body()
            except _RawFailure as failure:
                status, response, raw = failure.status, {"ok": False, "error": failure.text}, failure.text.encode()
                headers["Content-Type"] = "text/html; charset=utf-8"
            except Exception as error:
                # A bug in the fake: answer like a Slack outage but keep the traceback in the log.
                log.exception("fake slack failed on %s", method)
                status, response = 500, {"ok": False, "error": "internal_error", "fake_exception": repr(error)}
            self._record(method, args, response, status, url)
        self._flush()
        return status, headers, raw if raw is not None else json.dumps(response).encode()

    def _dispatch(self, method: str, args: dict, headers: Mapping[str, str], extra_headers: dict[str, str]
                  ) -> dict:
        token = args.pop("token", None)  # never keep a credential in the transcript
        handler = self._methods.get(method)
        if handler is None:
            raise _SlackError("unknown_method")
        self._take_failure(method, extra_headers)
        bearer = headers.get("Authorization", "")
        token = bearer[7:].strip() if bearer.lower().startswith("bearer ") else token
        if not token:
            raise _SlackError("not_authed")
        if (method == "apps.connections.open") != str(token).startswith("xapp-"):
            raise _SlackError("not_allowed_token_type")  # app-level tokens open sockets and do nothing else
        if method != "apps.connections.open" and token != self.bot_token:
            raise _SlackError("invalid_auth")
        for name in REQUIRED_ARGS[method]:
            if args.get(name) in (None, ""):
                if name == "channel":
                    raise _SlackError("channel_not_found")
                raise _SlackError("invalid_arguments", messages=[f"[ERROR] missing required field: {name}"])
        return {"ok": True, **handler(args)}

    def _take_failure(self, method: str, extra_headers: dict[str, str]) -> None:
        queue = self._failures.get(method)
        if not queue:
            return
        failure = queue.popleft()
        if failure.retry_after is not None:
            extra_headers["Retry-After"] = str(failure.retry_after)
        if failure.body is not None:
            raise _RawFailure(failure.status, failure.body)
        raise _SlackError(failure.error, status=failure.status)

    def _record(self, method: str, args: dict, response: dict, status: int, url: str) -> None:
        call = Call(method=method, args=args, ok=bool(response.get("ok")), response=response,
                    http_status=status, at=time.time(), url=url)
        self._calls.append(call)
        if self._subscribers:
            self._emit("call", call.to_dict())
        self._cond.notify_all()

    def _emit(self, kind: str, payload: dict) -> None:
        if self._subscribers:
            self._pending.append((kind, payload))

    def _flush(self) -> None:
        with self._cond:
            pending, self._pending = self._pending, []
            subscribers = list(self._subscribers)
        for kind, payload in pending:
            for callback in subscribers:
                try:
                    callback(kind, payload)
                except Exception:
                    # A broken page subscriber must not turn into a Slack error for the app under test.
                    log.exception("fake slack subscriber failed on %s", kind)

    def _post_to_response_url(self, token: str, args: dict) -> dict:
        target = self._response_urls.get(token)
        if target is None:
            raise _SlackError("expired_url", status=404)
        if target["uses"] >= MAX_RESPONSE_URL_USES:
            raise _SlackError("used_url", status=404)
        target["uses"] += 1
        channel, user, original_ts = target["channel"], target["user"], target["message_ts"]
        if _flag(args.get("delete_original")):
            self._delete_original(channel, user, original_ts)
            return {"ok": True}
        blocks, text = args.get("blocks"), args.get("text")
        if blocks is not None and (errors := block_errors(blocks)):
            raise _SlackError("invalid_blocks", messages=errors, status=400)
        if not text and not blocks:
            raise _SlackError("no_text", status=400)
        if _flag(args.get("replace_original")) and self._replace_original(channel, user, original_ts, args):
            return {"ok": True}
        if args.get("response_type") == "in_channel" and channel:
            self._store_message(channel, user=self.bot_user_id, text=text, blocks=blocks,
                                thread_ts=args.get("thread_ts"), bot=True)
        else:
            self._add_ephemeral(channel, user, text, blocks, args.get("thread_ts"), source="response_url")
        return {"ok": True}

    def _delete_original(self, channel: str | None, user: str | None, ts: str | None) -> None:
        for index, ephemeral in enumerate(self._ephemerals):
            if ephemeral["ts"] == ts and ephemeral["user"] == user:
                del self._ephemerals[index]
                self._emit("ephemeral", {"deleted": ts, "user": user})
                return
        if channel and ts and (channel, ts) in self._by_ts:
            self._delete_message(channel, ts)

    def _replace_original(self, channel: str | None, user: str | None, ts: str | None, args: dict) -> bool:
        for ephemeral in self._ephemerals:
            if ephemeral["ts"] == ts and ephemeral["user"] == user:
                ephemeral.update(text=args.get("text") or "", blocks=fill_ids(args.get("blocks")))
                self._emit("ephemeral", copy.deepcopy(ephemeral))
                return True
        message = self._by_ts.get((channel, ts)) if channel and ts else None
        if message is None:
            return False
        message.update(text=args.get("text") or "", blocks=fill_ids(args.get("blocks")), edited=True,
                       edited_ts=self._next_ts())
        self._emit("message_changed", {"channel": channel, "message": copy.deepcopy(message)})
        return True

    # ----------------------------------------------------------------------- state helpers (under the lock)

    def _next_ts(self) -> str:
        # Unique and increasing across the workspace even within one microsecond or under freezegun.
        self._last_ts = max(int(time.time() * 1_000_000), self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{next(self._ids):08d}"

    def _user_object(self, user: dict) -> dict:
        profile = {"real_name": user["real_name"], "real_name_normalized": user["real_name"],
                   "display_name": user["display_name"], "display_name_normalized": user["display_name"],
                   "team": self.team_id, "image_48": f"https://avatars.example.com/{user['id']}_48.png",
                   "status_text": "", "status_emoji": ""}
        if user["email"]:
            profile["email"] = user["email"]
        if user["is_bot"]:
            profile.update(bot_id=self.bot_id if user["id"] == self.bot_user_id else "B" + user["id"],
                           api_app_id=self.app_id if user["id"] == self.bot_user_id else "")
        shaped = {"id": user["id"], "team_id": self.team_id, "name": user["name"], "deleted": user["deleted"],
                  "color": "9f69e7", "real_name": user["real_name"], "profile": profile,
                  "is_admin": user["is_admin"], "is_owner": user["is_owner"], "is_primary_owner": False,
                  "is_restricted": False, "is_ultra_restricted": False, "is_bot": user["is_bot"],
                  "is_app_user": False, "updated": user["updated"]}
        if user["tz"] is not None:
            local = datetime.now(UTC).astimezone(ZoneInfo(user["tz"]))
            offset = local.utcoffset()
            shaped.update(tz=user["tz"], tz_label=local.tzname() or user["tz"],
                          tz_offset=int(offset.total_seconds()) if offset is not None else 0)
        return shaped

    def _channel_object(self, channel: dict, *, num_members: bool = False) -> dict:
        base = {"id": channel["id"], "created": channel["created"], "is_org_shared": False,
                "context_team_id": self.team_id}
        if channel["kind"] == "im":
            return {**base, "is_im": True, "user": channel["user"], "is_open": True,
                    "last_read": "0000000000.000000", "latest": None, "unread_count": 0,
                    "unread_count_display": 0, "priority": 0, "is_user_deleted": channel["user_deleted"]}
        shaped = {
            **base, "name": channel["name"], "name_normalized": channel["name"],
            "is_channel": channel["kind"] == "channel" and not channel["is_private"],
            "is_group": channel["kind"] == "channel" and channel["is_private"],
            "is_im": False, "is_mpim": channel["kind"] == "mpim", "is_private": channel["is_private"],
            "is_archived": channel.get("is_archived", False), "is_general": channel["name"] == "general",
            "is_shared": False, "is_ext_shared": False, "is_member": self.bot_user_id in channel["members"],
            "topic": {"value": channel.get("topic", ""), "creator": "", "last_set": 0},
            "purpose": {"value": channel.get("purpose", ""), "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if num_members:
            shaped["num_members"] = len(channel["members"])
        return shaped

    def _dm(self, user_id: str) -> dict:
        channel_id = self._dms.get(user_id)
        if channel_id is None:
            channel_id = _stable_id("D", user_id)
            self._dms[user_id] = channel_id
            self._channels[channel_id] = {"id": channel_id, "kind": "im", "user": user_id,
                                          "members": [user_id, self.bot_user_id], "is_private": True,
                                          "created": int(time.time()), "user_deleted": False}
        channel = self._channels[channel_id]
        channel["user_deleted"] = bool(self._users.get(user_id, {}).get("deleted"))
        return channel

    def _channel(self, ref: Any, *, users_as_dm: bool = False) -> dict:
        ref = str(ref)
        if ref in self._channels:
            return self._channels[ref]
        if users_as_dm and ref in self._users:
            return self._dm(ref)
        name = ref.removeprefix("#")
        for channel in self._channels.values():
            if channel.get("name") == name and channel["kind"] == "channel":
                return channel
        raise _SlackError("channel_not_found")

    def _message(self, channel: str, ts: Any) -> dict:
        message = self._by_ts.get((channel, str(ts)))
        if message is None:
            raise _SlackError("message_not_found")
        return message

    def _store_message(self, channel: str, *, user: str, text: Any, blocks: Any, thread_ts: Any,
                       bot: bool = False, attachments: Any = None, metadata: Any = None) -> dict:
        ts = self._next_ts()
        message: dict[str, Any] = {"type": "message", "ts": ts, "channel": channel, "user": user,
                                   "text": "" if text is None else str(text), "blocks": fill_ids(blocks),
                                   "thread_ts": None, "edited": False, "reactions": [], "team": self.team_id}
        if bot:
            message.update(bot_id=self.bot_id, app_id=self.app_id)
        if attachments:
            message["attachments"] = attachments
        if metadata:
            message["metadata"] = metadata
        if thread_ts:
            parent = self._by_ts.get((channel, str(thread_ts)))
            root = self._by_ts.get((channel, parent["thread_ts"])) if parent and parent["thread_ts"] else parent
            message["thread_ts"] = root["ts"] if root else str(thread_ts)
            if root is not None:
                message["parent_user_id"] = root["user"]
                root.update(thread_ts=root["ts"], reply_count=root.get("reply_count", 0) + 1, latest_reply=ts)
                root["reply_users"] = sorted({*root.get("reply_users", []), user})
                root["reply_users_count"] = len(root["reply_users"])
        self._messages[channel].append(message)
        self._by_ts[(channel, ts)] = message
        self._emit("message", {"channel": channel, "message": copy.deepcopy(message)})
        return message

    def _delete_message(self, channel: str, ts: str) -> None:
        message = self._by_ts.pop((channel, ts))
        self._messages[channel].remove(message)
        self._emit("message_deleted", {"channel": channel, "ts": ts})

    def _add_ephemeral(self, channel: str | None, user: str | None, text: Any, blocks: Any, thread_ts: Any,
                       *, source: str) -> dict:
        ephemeral = {"ts": self._next_ts(), "channel": channel, "user": user,
                     "text": "" if text is None else str(text), "blocks": fill_ids(blocks),
                     "thread_ts": thread_ts or None, "source": source}
        self._ephemerals.append(ephemeral)
        self._emit("ephemeral", copy.deepcopy(ephemeral))
        return ephemeral

    def _react(self, user: str, channel: str, ts: str, name: str, *, add: bool) -> dict:
        message = self._message(channel, ts)
        reactions = message["reactions"]
        entry = next((r for r in reactions if r["name"] == name), None)
        if add:
            if entry is None:
                entry = {"name": name, "users": []}
                reactions.append(entry)
            if user in entry["users"]:
                raise _SlackError("already_reacted")
            entry["users"].append(user)
        else:
            if entry is None or user not in entry["users"]:
                raise _SlackError("no_reaction")
            entry["users"].remove(user)
            if not entry["users"]:
                reactions.remove(entry)
        self._emit("reaction", {"channel": channel, "ts": ts, "name": name, "user": user, "added": add,
                                "message": copy.deepcopy(message)})
        return copy.deepcopy(message)

    def _check_content(self, args: dict, *, need_content: bool = True) -> None:
        blocks = args.get("blocks")
        if blocks is not None and (errors := block_errors(blocks)):
            raise _SlackError("invalid_blocks", messages=errors)
        if need_content and not args.get("text") and not blocks and not args.get("attachments"):
            raise _SlackError("no_text")
        if _too_long(args.get("text"), MAX_MESSAGE_TEXT):
            raise _SlackError("msg_too_long")

    def _view_object(self, view: dict, *, view_id: str | None = None, root_view_id: str | None = None,
                     previous_view_id: str | None = None) -> dict:
        view_id = view_id or f"V{next(self._ids):08X}"
        return {
            "id": view_id, "team_id": self.team_id, "type": view["type"],
            "blocks": fill_ids(view.get("blocks")), "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""), "state": {"values": {}}, "hash": self._new_hash(),
            "title": view.get("title"), "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)), "close": view.get("close"),
            "submit": view.get("submit"), "previous_view_id": previous_view_id,
            "root_view_id": root_view_id or view_id, "app_id": self.app_id,
            "external_id": view.get("external_id", ""), "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _checked_view(self, args: dict, kind: str) -> dict:
        view = args["view"]
        errors = view_errors(view, kind=kind)
        if errors:
            raise _SlackError("invalid_arguments", messages=errors)
        if len(json.dumps(view)) > MAX_VIEW_BYTES:
            raise _SlackError("view_too_large")
        return view

    def _live_views(self) -> list[tuple[str | None, list[dict] | None, dict]]:
        live: list[tuple[str | None, list[dict] | None, dict]] = []
        for user, stack in self._stacks.items():
            live.extend((user, stack, view) for view in stack)
        live.extend((user, None, view) for user, view in self._homes.items())
        return live

    def _check_external_id(self, view: dict, *, replacing: str | None = None) -> None:
        external_id = view.get("external_id")
        if external_id and any(v["external_id"] == external_id and v["id"] != replacing
                               for _, _, v in self._live_views()):
            raise _SlackError("duplicate_external_id")

    def _exchange_trigger(self, args: dict) -> str | None:
        trigger = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger:
            raise _SlackError("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
        if not is_trigger_id(str(trigger)):
            raise _SlackError("invalid_trigger_id")
        # Slack lets a trigger open exactly one view; reusing one is a real bug worth failing on.
        if trigger in self._used_triggers:
            raise _SlackError("exchanged_trigger_id")
        self._used_triggers.add(trigger)
        return trigger_user(str(trigger))

    # ----------------------------------------------------------------------- Web API methods

    def _apps_connections_open(self, args: dict) -> dict:
        if not self.socket_mode_url:
            raise _SlackError("socket_mode_not_enabled")  # the fake's name for "no FakeSocketMode attached"
        return {"url": self.socket_mode_url}

    def _auth_test(self, args: dict) -> dict:
        return {"url": f"https://{self.domain}.slack.com/", "team": self.team_name, "user": "okrbot",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _team_info(self, args: dict) -> dict:
        if args.get("team") not in (None, "", self.team_id):
            raise _SlackError("team_not_found")
        return {"team": {"id": self.team_id, "name": self.team_name, "domain": self.domain,
                         "email_domain": "example.com", "icon": {"image_default": True},
                         "url": f"https://{self.domain}.slack.com/"}}

    def _users_info(self, args: dict) -> dict:
        user = self._users.get(str(args["user"]))
        if user is None:
            raise _SlackError("user_not_found")
        shaped = self._user_object(user)
        if _flag(args.get("include_locale")):
            shaped["locale"] = "en-US"
        return {"user": shaped}

    def _users_list(self, args: dict) -> dict:
        members = list(self._users.values())
        start = 0
        if args.get("cursor"):
            after = _uncursor("user", args["cursor"])
            ids = [user["id"] for user in members]
            if after not in ids:
                raise _SlackError("invalid_cursor")
            start = ids.index(after)
        limit = int(args.get("limit") or 0) or len(members)
        page = members[start:start + limit]
        rest = members[start + limit:]
        return {"members": [self._user_object(user) for user in page], "cache_ts": int(time.time()),
                "response_metadata": {"next_cursor": _cursor("user", rest[0]["id"]) if rest else ""}}

    def _users_lookup_by_email(self, args: dict) -> dict:
        email = str(args["email"]).lower()
        for user in self._users.values():
            if (user["email"] or "").lower() == email:
                return {"user": self._user_object(user)}
        raise _SlackError("users_not_found")

    def _conversations_open(self, args: dict) -> dict:
        if args.get("channel"):
            channel = self._channel(args["channel"])
            return {"no_op": True, "already_open": True, "channel": self._open_answer(channel, args)}
        raw = args.get("users") or ""
        users = [u.strip() for u in (raw if isinstance(raw, list) else str(raw).split(",")) if u.strip()]
        if not users:
            raise _SlackError("users_list_not_supplied")
        if len(users) > MAX_MPIM_USERS:
            raise _SlackError("too_many_users")
        for user_id in users:
            if user_id not in self._users:
                raise _SlackError("user_not_found")
            if self._users[user_id]["deleted"]:
                raise _SlackError("user_disabled")
        if len(users) == 1:
            existed = users[0] in self._dms
            channel = self._dm(users[0])
        else:
            members = sorted({*users, self.bot_user_id})
            channel_id = _stable_id("G", ",".join(members))
            existed = channel_id in self._channels
            if not existed:
                self._channels[channel_id] = {
                    "id": channel_id, "kind": "mpim", "name": "mpdm-" + "--".join(
                        self._users[u]["name"] for u in members) + "-1", "members": members,
                    "is_private": True, "created": int(time.time())}
            channel = self._channels[channel_id]
        answer: dict[str, Any] = {"channel": self._open_answer(channel, args)}
        if existed:
            answer.update(no_op=True, already_open=True)
        return answer

    def _open_answer(self, channel: dict, args: dict) -> dict:
        return self._channel_object(channel) if _flag(args.get("return_im")) else {"id": channel["id"]}

    def _conversations_info(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        return {"channel": self._channel_object(channel, num_members=_flag(args.get("include_num_members")))}

    def _page(self, items: list[dict], args: dict, default_limit: int) -> dict:
        start = int(_uncursor("offset", args["cursor"])) if args.get("cursor") else 0
        limit = int(args.get("limit") or default_limit)
        page, more = items[start:start + limit], len(items) > start + limit
        return {"messages": [slack_message(m) for m in page], "has_more": more,
                "response_metadata": {"next_cursor": _cursor("offset", start + limit) if more else ""}}

    def _in_window(self, message: dict, args: dict) -> bool:
        inclusive = _flag(args.get("inclusive"))
        ts = float(message["ts"])
        if args.get("oldest") and (ts < float(args["oldest"]) or (ts == float(args["oldest"]) and not inclusive)):
            return False
        return not (args.get("latest") and (
            ts > float(args["latest"]) or (ts == float(args["latest"]) and not inclusive)))

    def _conversations_history(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        top = [m for m in reversed(self._messages.get(channel["id"], []))
               if (not m["thread_ts"] or m["thread_ts"] == m["ts"]) and self._in_window(m, args)]
        return {**self._page(top, args, 100), "pin_count": 0}

    def _conversations_replies(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        message = self._by_ts.get((channel["id"], str(args["ts"])))
        if message is None:
            raise _SlackError("thread_not_found")
        root_ts = message["thread_ts"] or message["ts"]
        thread = [m for m in self._messages[channel["id"]]
                  if (m["ts"] == root_ts or m["thread_ts"] == root_ts) and self._in_window(m, args)]
        return self._page(thread, args, 1000)

    def _chat_post_message(self, args: dict) -> dict:
        channel = self._channel(args["channel"], users_as_dm=True)
        if channel.get("is_archived"):
            raise _SlackError("is_archived")
        self._check_content(args)
        message = self._store_message(channel["id"], user=self.bot_user_id, text=args.get("text"),
                                      blocks=args.get("blocks"), thread_ts=args.get("thread_ts"), bot=True,
                                      attachments=args.get("attachments"), metadata=args.get("metadata"))
        return {"channel": channel["id"], "ts": message["ts"], "message": slack_message(message)}

    def _chat_update(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        message = self._message(channel["id"], args["ts"])
        if message["user"] != self.bot_user_id:
            raise _SlackError("cant_update_message")
        self._check_content(args)
        # Fields left out keep their old value, as Slack documents for chat.update.
        if "text" in args:
            message["text"] = "" if args["text"] is None else str(args["text"])
        if "blocks" in args:
            message["blocks"] = fill_ids(args["blocks"])
        for key in ("attachments", "metadata"):
            if key in args:
                message[key] = args[key]
        message.update(edited=True, edited_ts=self._next_ts())
        self._emit("message_changed", {"channel": channel["id"], "message": copy.deepcopy(message)})
        return {"channel": channel["id"], "ts": message["ts"], "text": message["text"],
                "message": slack_message(message)}

    def _chat_delete(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        message = self._message(channel["id"], args["ts"])
        if message["user"] != self.bot_user_id:
            raise _SlackError("cant_delete_message")
        self._delete_message(channel["id"], message["ts"])
        return {"channel": channel["id"], "ts": message["ts"]}

    def _chat_post_ephemeral(self, args: dict) -> dict:
        channel = self._channel(args["channel"], users_as_dm=True)
        user = str(args["user"])
        if user not in self._users:
            raise _SlackError("user_not_in_channel")
        if channel["kind"] != "im" and channel["members"] and user not in channel["members"]:
            raise _SlackError("user_not_in_channel")
        self._check_content(args)
        ephemeral = self._add_ephemeral(channel["id"], user, args.get("text"), args.get("blocks"),
                                        args.get("thread_ts"), source="chat.postEphemeral")
        return {"message_ts": ephemeral["ts"]}

    def _chat_get_permalink(self, args: dict) -> dict:
        channel = self._channel(args["channel"])
        message = self._message(channel["id"], args["message_ts"])
        link = f"https://{self.domain}.slack.com/archives/{channel['id']}/p{message['ts'].replace('.', '')}"
        if message["thread_ts"] and message["thread_ts"] != message["ts"]:
            link += f"?thread_ts={message['thread_ts']}&cid={channel['id']}"
        return {"channel": channel["id"], "permalink": link}

    def _views_open(self, args: dict) -> dict:
        view = self._checked_view(args, "modal")
        user = self._exchange_trigger(args)
        self._check_external_id(view)
        shaped = self._view_object(view)
        # A new views.open replaces whatever modal the person had open.
        self._stacks[user] = [shaped]
        self._emit("views", {"user": user, "views": copy.deepcopy(self._stacks[user])})
        return {"view": copy.deepcopy(shaped)}

    def _views_push(self, args: dict) -> dict:
        view = self._checked_view(args, "modal")
        user = self._exchange_trigger(args)
        stack = self._stacks[user]
        if len(stack) >= MAX_MODAL_STACK:
            raise _SlackError("push_limit_reached")
        self._check_external_id(view)
        previous = stack[-1] if stack else None
        shaped = self._view_object(view, root_view_id=previous["root_view_id"] if previous else None,
                                   previous_view_id=previous["id"] if previous else None)
        stack.append(shaped)
        self._emit("views", {"user": user, "views": copy.deepcopy(stack)})
        return {"view": copy.deepcopy(shaped)}

    def _views_update(self, args: dict) -> dict:
        view = self._checked_view(args, "any")
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise _SlackError("invalid_arguments", messages=["[ERROR] view_id or external_id is required"])
        found = next(((user, stack, v) for user, stack, v in self._live_views()
                      if (view_id and v["id"] == view_id) or (not view_id and v["external_id"] == external_id)),
                     None)
        if found is None:
            raise _SlackError("not_found")
        user, stack, current = found
        if args.get("hash") and args["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        self._check_external_id(view, replacing=current["id"])
        shaped = self._view_object(view, view_id=current["id"], root_view_id=current["root_view_id"],
                                   previous_view_id=current["previous_view_id"])
        if stack is None:
            self._homes[user] = shaped  # type: ignore[index]
            self._emit("home", {"user": user, "view": copy.deepcopy(shaped)})
        else:
            stack[stack.index(current)] = shaped
            self._emit("views", {"user": user, "views": copy.deepcopy(stack)})
        return {"view": copy.deepcopy(shaped)}

    def _views_publish(self, args: dict) -> dict:
        user = str(args["user_id"])
        if user not in self._users:
            raise _SlackError("user_not_found")
        view = self._checked_view(args, "home")
        current = self._homes.get(user)
        if args.get("hash") and current is not None and args["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        self._check_external_id(view, replacing=current["id"] if current else None)
        shaped = self._view_object(view, view_id=current["id"] if current else None)
        self._homes[user] = shaped
        self._emit("home", {"user": user, "view": copy.deepcopy(shaped)})
        return {"view": copy.deepcopy(shaped)}

    def _reaction_target(self, args: dict) -> dict:
        if not args.get("channel") or not args.get("timestamp"):
            raise _SlackError("no_item_specified")
        channel = self._channel(args["channel"])
        return self._message(channel["id"], args["timestamp"])

    def _reactions_add(self, args: dict) -> dict:
        name = str(args["name"])
        if ":" in name or " " in name:
            raise _SlackError("invalid_name")
        message = self._reaction_target(args)
        self._react(self.bot_user_id, message["channel"], message["ts"], name, add=True)
        return {}

    def _reactions_remove(self, args: dict) -> dict:
        message = self._reaction_target(args)
        self._react(self.bot_user_id, message["channel"], message["ts"], str(args["name"]), add=False)
        return {}

    def _reactions_get(self, args: dict) -> dict:
        message = self._reaction_target(args)
        link = self._chat_get_permalink({"channel": message["channel"], "message_ts": message["ts"]})
        return {"type": "message", "channel": message["channel"],
                "message": {**slack_message(message), "permalink": link["permalink"]}}


# --------------------------------------------------------------------------- HTTP plumbing


class _RawFailure(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status, self.text = status, text


def _parse_json_body(body: bytes) -> dict:
    try:
        args = json.loads(body or b"{}")
    except ValueError as error:
        raise _SlackError("invalid_payload", status=400) from error
    if not isinstance(args, dict):
        raise _SlackError("invalid_payload", status=400)
    return args


def _parse_args(content_type: str, query: str, body: bytes) -> dict:
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media = content_type.split(";")[0].strip().lower()
    if body:
        if media == "application/json":
            try:
                data = json.loads(body)
            except ValueError as error:
                raise _SlackError("invalid_json") from error
            if not isinstance(data, dict):
                raise _SlackError("invalid_json")
            args.update(data)
        elif media in ("application/x-www-form-urlencoded", ""):
            args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            raise _SlackError("invalid_form_data")
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str) and args[key]:
            try:
                args[key] = json.loads(args[key])
            except ValueError as error:
                raise _SlackError("invalid_blocks_format" if key == "blocks" else "invalid_arguments",
                                  messages=[f"[ERROR] `{key}` is not valid JSON"]) from error
    return args


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Benchmarks fire many concurrent requests; the default backlog of 5 would refuse some.
    request_queue_size = 256
    fake: FakeSlack


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        """Web API methods at /api/<method>; response URLs at /response/<token>."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self._route(body)

    def do_GET(self) -> None:
        """Web API methods also answer GET with query arguments, as Slack's do."""
        self._route(b"")

    def _route(self, body: bytes) -> None:
        url = urlsplit(self.path)
        fake = self.server.fake
        if url.path.startswith("/api/"):
            status, headers, payload = fake._api(url.path[len("/api/"):], url.query, self.headers, body)
        elif url.path.startswith("/response/") and self.command == "POST":
            status, headers, payload = fake._respond(url.path[len("/response/"):], body)
        else:
            status, headers, payload = 404, {"Content-Type": "text/plain"}, b"not found"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the transcript is the log."""
