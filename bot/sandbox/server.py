"""The sandbox: the real okrbot wired to the loopback Slack stand-in, plus a web page that plays Slack.

One process: FakeSlack on an ephemeral loopback port, okrbot's own runtime (same `create_app`, same
WSGI app, same outbox sender and scheduler jobs, SQLite), and a LocalServer on 127.0.0.1 serving
/slack/events (the real endpoint) beside the page and its small JSON API under /sandbox/api/.

Everything a person does on the page becomes what Slack would send: a signed slash command, a
`block_actions` or `view_submission` payload, an Events API delivery. The app's answers to those
requests (`response_action`, a command's immediate reply) are applied to the stand-in as Slack applies
them, and the page renders the stand-in's state.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import secrets
import signal
import sqlite3
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from bot.runtime import Runtime, build_runtime
from bot.sandbox import seed
from bot.sandbox.fake_slack import FakeSlack
from bot.sandbox.payloads import (
    Response,
    SlackSender,
    app_home_opened_event,
    block_actions,
    event_callback,
    message_event,
    message_shortcut,
    reaction_event,
    slash_command,
    view_closed,
    view_submission,
)
from bot.settings import ConfigError, Settings
from bot.web import LocalServer, StartResponse, create_wsgi_app

log = logging.getLogger("okrbot.sandbox")

STATIC = Path(__file__).resolve().parent / "static"
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
MAX_API_BODY = 200_000
LONG_POLL_SECONDS = 20.0
CALL_LOG = 60
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".js": "text/javascript; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
                 ".png": "image/png", ".ico": "image/x-icon"}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class SandboxError(Exception):
    """Something the person asked for cannot be done (unknown message, unknown person...); shown on the page."""


# --------------------------------------------------------------------------- page state


class PageState:
    """A version number bumped on every change of the workspace, so the page can long-poll for news."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.version = 0
        self.instance = secrets.token_hex(6)  # a page that outlived a restart starts over
        self.closed = False
        self.notices: deque[dict[str, Any]] = deque(maxlen=50)
        self.calls: deque[dict[str, Any]] = deque(maxlen=CALL_LOG)

    def changed(self, kind: str = "", payload: dict[str, Any] | None = None) -> None:
        """Record a change (FakeSlack subscriber signature)."""
        with self._cond:
            if kind == "call" and payload is not None:
                self.calls.append({"method": payload.get("method"), "ok": payload.get("ok"),
                                   "error": (payload.get("response") or {}).get("error"),
                                   "status": payload.get("http_status"), "at": payload.get("at"),
                                   "channel": (payload.get("args") or {}).get("channel")})
            self.version += 1
            self._cond.notify_all()

    def notice(self, *, user: str | None, text: str, channel: str | None = None, kind: str = "slackbot") -> None:
        """A message from Slack itself (a failed command, a sandbox note) for one person or everyone."""
        with self._cond:
            self.notices.append({"id": f"n{time.time_ns()}", "user": user, "channel": channel, "text": text,
                                 "kind": kind, "at": time.time()})
        self.changed()

    def wait(self, since: int, timeout: float) -> int:
        """Block while the version is still `since` (at most `timeout`); return the current version."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.version == since and not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self.version

    def close(self) -> None:
        """Wake every waiting long-poll (the sandbox is stopping)."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()


# --------------------------------------------------------------------------- the running sandbox


@dataclass
class Sandbox:
    """A running sandbox: the stand-in, okrbot, the HTTP server and what the page needs."""

    slack: FakeSlack
    runtime: Runtime
    server: LocalServer
    send: SlackSender
    page: PageState
    db_path: Path
    scheduler: Any = None
    manifest: dict[str, Any] = field(default_factory=dict)
    _unsubscribe: Callable[[], None] | None = None
    _saver: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        """Where the page is: http://127.0.0.1:PORT/"""
        return self.server.url + "/"

    @property
    def team_id(self) -> str:
        """The demo workspace's team id."""
        return self.slack.team_id

    @property
    def slack_state_path(self) -> Path:
        """Where the stand-in's messages, Home tabs and reactions are kept between runs."""
        return slack_state_path(self.db_path)

    # ----------------------------------------------------------------------- lifecycle

    def stop(self) -> None:
        """Stop the page, the scheduler and the sender, keep the workspace on disk, release everything."""
        self._stopping.set()
        self.page.close()
        with contextlib.suppress(Exception):
            self.server.stop()
        if self.scheduler is not None:
            with contextlib.suppress(Exception):
                self.scheduler.shutdown(wait=False)
        self.runtime.close()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.save()
        self.slack.stop()

    def save(self) -> None:
        """Keep the stand-in's workspace (messages, reactions, Home tabs) in its SQLite file beside okrbot's."""
        save_slack_state(self.slack_state_path, self.slack.snapshot())

    def _autosave(self) -> None:
        seen = self.page.version
        while not self._stopping.wait(2.0):
            if self.page.version != seen:
                seen = self.page.version
                try:
                    self.save()
                except OSError:
                    log.exception("could not save the sandbox workspace")

    # ----------------------------------------------------------------------- who is who

    def person(self, user_id: Any) -> dict[str, Any]:
        """A human, active member of the demo workspace, or SandboxError."""
        user = next((u for u in self.slack.users() if u["id"] == user_id), None)
        if user is None or user.get("is_bot") or user.get("deleted"):
            raise SandboxError(f"{user_id!r} is not a person of this workspace.")
        return user

    def _channel(self, channel_id: Any, user_id: str) -> dict[str, Any]:
        channel = next((c for c in self.slack.channels() if c["id"] == channel_id), None)
        if channel is None:
            raise SandboxError(f"There is no conversation {channel_id!r}.")
        if channel.get("is_im") and channel.get("user") != user_id:
            raise SandboxError("That is someone else's conversation with okrbot.")
        return channel

    def mention(self, text: str, *, escaped: bool) -> str:
        """Turn `@name` and `#channel` into Slack's `<@U…>` / `<#C…>` tokens, as the Slack client does."""
        people = {}
        for user in self.slack.users():
            if user.get("deleted"):
                continue
            for key in (user["name"], user["profile"].get("display_name", ""), user.get("real_name", "")):
                if key:
                    people.setdefault(key.lower(), user)
                    people.setdefault(key.split()[0].lower(), user)
        channels = {c["name"]: c for c in self.slack.channels() if c.get("name") and not c.get("is_mpim")}

        def person(match: re.Match[str]) -> str:
            name = match.group(2)
            if name.lower() in ("here", "channel", "everyone"):
                return f"{match.group(1)}<!{name.lower()}>"
            user = people.get(name.lower())
            if user is None:
                return match.group(0)
            token = f"<@{user['id']}|{user['name']}>" if escaped else f"<@{user['id']}>"
            return match.group(1) + token

        def channel(match: re.Match[str]) -> str:
            found = channels.get(match.group(2).lower())
            if found is None:
                return match.group(0)
            return f"{match.group(1)}<#{found['id']}|{found['name']}>" if escaped else \
                f"{match.group(1)}<#{found['id']}>"

        text = re.sub(r"(^|[\s(,;:])@([A-Za-z][\w.\-]*)", person, text)
        return re.sub(r"(^|[\s(,;:])#([a-z0-9][\w\-]*)", channel, text)

    # ----------------------------------------------------------------------- what people do

    def command(self, user_id: str, channel_id: str, line: str) -> dict[str, Any]:
        """A slash command typed in a conversation: sent signed, its immediate answer shown as Slack does."""
        self.person(user_id)
        channel = self._channel(channel_id, user_id)
        name, _, text = line.strip().partition(" ")
        known = {c["command"] for c in self.manifest.get("commands", [])}
        if name not in known:
            self.page.notice(user=user_id, channel=channel["id"],
                             text=f"`{name}` is not a valid command. In Slack, all messages that start with "
                                  f"\"/\" are interpreted as commands.")
            return {"ok": True, "status": None}
        response_url = self.slack.new_response_url(channel=channel["id"], user=user_id)
        built = slash_command(self.team_id, user_id, name, self.mention(text.strip(), escaped=True),
                              channel_id=channel["id"], response_url=response_url,
                              trigger_id=self.slack.new_trigger_id(user_id), user_name=self._handle(user_id),
                              channel_name=_channel_name(channel))
        answer = self._post(built, what=name, user_id=user_id, channel_id=channel["id"])
        if answer is not None and answer.status == 200:
            self._apply_immediate(answer, channel["id"], user_id)
        return {"ok": True, "status": answer.status if answer else None}

    def message(self, user_id: str, channel_id: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
        """A person posts a message (or a thread reply); the app gets the `message` event."""
        self.person(user_id)
        channel = self._channel(channel_id, user_id)
        text = text.strip()
        if not text:
            raise SandboxError("Type a message first.")
        if thread_ts and self.slack.message(channel["id"], thread_ts) is None:
            raise SandboxError("That thread is gone.")
        posted = self.slack.post_user_message(user_id, channel["id"], self.mention(text, escaped=False),
                                              thread_ts=thread_ts or None)
        event = message_event(user_id, channel["id"], posted["text"], ts=posted["ts"],
                              thread_ts=posted.get("thread_ts") if posted.get("thread_ts") != posted["ts"] else None,
                              channel_type=_channel_type(channel))
        self._post(event_callback(self.team_id, event, bot_user_id=self.slack.bot_user_id), what="message",
                   user_id=user_id, channel_id=channel["id"])
        return {"ok": True, "ts": posted["ts"]}

    def react(self, user_id: str, channel_id: str, ts: str, name: str, *, add: bool) -> dict[str, Any]:
        """Add or remove a reaction; the app gets `reaction_added` / `reaction_removed`."""
        self.person(user_id)
        channel = self._channel(channel_id, user_id)
        name = name.strip().strip(":")
        if not re.fullmatch(r"[a-z0-9_+\-]{1,100}", name):
            raise SandboxError(f"{name!r} is not an emoji name.")
        try:
            message = (self.slack.add_reaction if add else self.slack.remove_reaction)(user_id, channel["id"], ts, name)
        except (LookupError, ValueError) as error:
            if str(error) in ("already_reacted", "no_reaction"):
                return {"ok": True, "changed": False}
            raise SandboxError(f"Could not react: {error}.") from error
        event = reaction_event(user_id, name, channel=channel["id"], ts=ts, item_user=message.get("user") or "",
                               removed=not add)
        self._post(event_callback(self.team_id, event, bot_user_id=self.slack.bot_user_id), what="reaction",
                   user_id=user_id, channel_id=channel["id"])
        return {"ok": True, "changed": True}

    def click(self, user_id: str, *, action_id: str, block_id: str | None = None, value: Any = None,
              channel_id: str | None = None, ts: str | None = None, view_id: str | None = None,
              values: dict[str, Any] | None = None) -> dict[str, Any]:
        """A click (or a choice) on an interactive element of a message or a view: a `block_actions` payload."""
        self.person(user_id)
        trigger = self.slack.new_trigger_id(user_id)
        if view_id:
            view = self._view(user_id, view_id)
            element = _element(view.get("blocks") or [], action_id, block_id)
            built = _build(block_actions, self.team_id, user_id, [_action(element, action_id, block_id, value)],
                           view=view, values=_known_values(view, values), trigger_id=trigger,
                           user_name=self._handle(user_id))
            self._post(built, what="click", user_id=user_id)
            return {"ok": True}
        if not channel_id or not ts:
            raise SandboxError("A click needs the message (channel and ts) or the view it is in.")
        channel = self._channel(channel_id, user_id)
        message, ephemeral = self._message_or_ephemeral(user_id, channel["id"], ts)
        element = _element(message.get("blocks") or [], action_id, block_id)
        response_url = self.slack.new_response_url(channel=channel["id"], user=user_id, message_ts=ts)
        built = _build(block_actions, self.team_id, user_id, [_action(element, action_id, block_id, value)],
                       channel_id=channel["id"], message=message, response_url=response_url,
                       trigger_id=trigger, ephemeral=ephemeral, user_name=self._handle(user_id),
                       channel_name=_channel_name(channel))
        self._post(built, what="click", user_id=user_id, channel_id=channel["id"])
        return {"ok": True}

    def submit(self, user_id: str, view_id: str, values: dict[str, Any] | None) -> dict[str, Any]:
        """Submit the person's top modal: a `view_submission`; the app's `response_action` is applied."""
        self.person(user_id)
        stack = self.slack.open_views(user_id)
        if not stack or stack[-1]["id"] != view_id:
            raise SandboxError("That modal is not open any more.")
        view = stack[-1]
        built = _build(view_submission, self.team_id, user_id, view, _known_values(view, values),
                       trigger_id=self.slack.new_trigger_id(user_id), user_name=self._handle(user_id))
        answer = self._post(built, what="submit", user_id=user_id)
        if answer is None or answer.status != 200:
            return {"ok": False, "error": "okrbot did not accept the form; see the message in the conversation."}
        ack = _json_body(answer)
        self.slack.apply_view_ack(user_id, ack if isinstance(ack, dict) else None)
        return {"ok": True, "response_action": (ack or {}).get("response_action") if isinstance(ack, dict) else None}

    def close(self, user_id: str, view_id: str, *, clear: bool = False) -> dict[str, Any]:
        """Close the top modal (or all of them): `view_closed` when the view asked for it."""
        self.person(user_id)
        stack = self.slack.open_views(user_id)
        if not stack or stack[-1]["id"] != view_id:
            return {"ok": True}
        for view in reversed(stack if clear else stack[-1:]):
            if view.get("notify_on_close"):
                self._post(view_closed(self.team_id, user_id, view, is_cleared=clear,
                                       user_name=self._handle(user_id)), what="close", user_id=user_id)
        self.slack.close_view(user_id, clear=clear)
        return {"ok": True}

    def open_app(self, user_id: str, tab: str) -> dict[str, Any]:
        """The person opens okrbot's Home or Messages tab: `app_home_opened`, as Slack sends it."""
        self.person(user_id)
        if tab not in ("home", "messages"):
            raise SandboxError("The app has a Home and a Messages tab.")
        channel = self.slack.dm_channel(user_id)
        home = self.slack.home_view(user_id)
        event = app_home_opened_event(user_id, channel=channel, tab=tab, view=home if tab == "home" else None)
        self._post(event_callback(self.team_id, event, bot_user_id=self.slack.bot_user_id), what="app home",
                   user_id=user_id, channel_id=channel)
        return {"ok": True}

    def shortcut(self, user_id: str, channel_id: str, ts: str, callback_id: str) -> dict[str, Any]:
        """A message shortcut ("More actions" on a message), e.g. Give kudos."""
        self.person(user_id)
        channel = self._channel(channel_id, user_id)
        known = {s["callback_id"] for s in self.manifest.get("shortcuts", [])}
        if callback_id not in known:
            raise SandboxError(f"okrbot has no shortcut {callback_id!r}.")
        message = self.slack.message(channel["id"], ts)
        if message is None:
            raise SandboxError("That message is gone.")
        built = message_shortcut(self.team_id, user_id, callback_id, channel_id=channel["id"], message=message,
                                 response_url=self.slack.new_response_url(channel=channel["id"], user=user_id),
                                 trigger_id=self.slack.new_trigger_id(user_id), user_name=self._handle(user_id),
                                 channel_name=_channel_name(channel))
        self._post(built, what="shortcut", user_id=user_id, channel_id=channel["id"])
        return {"ok": True}

    def jump_to_nudge(self) -> dict[str, Any]:
        """Run this month's mid-month nudge scan as if it were the nudge time (see seed.nudge_moment)."""
        result = seed.run_nudge(self.runtime)
        self.runtime.sender().wake()
        self.page.notice(user=None, text=result, kind="sandbox")
        return {"ok": True, "result": result}

    # ----------------------------------------------------------------------- what the page shows

    def state(self) -> dict[str, Any]:
        """Everything the page renders: the stand-in's workspace plus the sandbox's own bits."""
        dms = {p.user_id: self.slack.dm_channel(p.user_id) for p in seed.PEOPLE}
        snapshot = self.slack.snapshot()
        snapshot.update(version=self.page.version, instance=self.page.instance, dms=dms,
                        notices=list(self.page.notices), calls=list(self.page.calls),
                        people=seed.page_people(snapshot["users"]), commands=self.manifest.get("commands", []),
                        shortcuts=self.manifest.get("shortcuts", []), app=self.manifest.get("app", {}),
                        reactions=list(self.runtime.settings.kudos_reactions),
                        channels_order=list(seed.CHANNEL_ORDER), nudge=seed.nudge_label(self.runtime))
        return snapshot

    # ----------------------------------------------------------------------- plumbing

    def _handle(self, user_id: str) -> str:
        return self.person(user_id)["name"]

    def _view(self, user_id: str, view_id: str) -> dict[str, Any]:
        for view in [*self.slack.open_views(user_id), self.slack.home_view(user_id)]:
            if view and view["id"] == view_id:
                return view
        raise SandboxError("That view is not open any more.")

    def _message_or_ephemeral(self, user_id: str, channel_id: str, ts: str) -> tuple[dict[str, Any], bool]:
        message = self.slack.message(channel_id, ts)
        if message is not None:
            return message, False
        for ephemeral in self.slack.ephemerals(user_id):
            if ephemeral["ts"] == ts:
                return {**ephemeral, "type": "message", "user": self.slack.bot_user_id}, True
        raise SandboxError("That message is gone.")

    def _post(self, built: tuple[str, bytes], *, what: str, user_id: str,
              channel_id: str | None = None) -> Response | None:
        """POST a signed request to okrbot's /slack/events; a failure is shown the way Slack shows it."""
        try:
            answer = self.send.send(built)
        except OSError as error:
            log.warning("okrbot did not answer %s: %s", what, error)
            self.page.notice(user=user_id, channel=channel_id,
                             text=f"{what} failed: okrbot did not answer in time (`operation_timeout`).")
            return None
        if answer.status != 200:
            log.warning("okrbot answered %s with HTTP %s: %s", what, answer.status, answer.text[:200])
            self.page.notice(user=user_id, channel=channel_id,
                             text=f"{what} failed with the error \"dispatch_failed\" (HTTP {answer.status}).")
        return answer

    def _apply_immediate(self, answer: Response, channel_id: str, user_id: str) -> None:
        """A command's HTTP answer: Slack treats a body like a post to the response_url."""
        body = _json_body(answer)
        if body is None:
            text = answer.text.strip()
            if not text:
                return
            body = {"text": text}
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return
        body.setdefault("response_type", "ephemeral")
        url = self.slack.new_response_url(channel=channel_id, user=user_id)
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5):
                pass
        except OSError as error:
            log.warning("could not show the command's answer: %s", error)


def _build(builder: Callable[..., tuple[str, bytes]], *args: Any, **kwargs: Any) -> tuple[str, bytes]:
    """A payload builder's result; a value the view cannot hold (an unknown option) is the person's error."""
    try:
        return builder(*args, **kwargs)
    except ValueError as error:
        raise SandboxError(f"That form cannot hold this value: {error}") from error


def _json_body(answer: Response) -> Any:
    if "json" not in answer.headers.get("content-type", "") and not answer.text.lstrip().startswith("{"):
        return None
    try:
        return answer.json()
    except ValueError:
        return None


def _channel_type(channel: dict[str, Any]) -> str:
    if channel.get("is_im"):
        return "im"
    if channel.get("is_mpim"):
        return "mpim"
    return "group" if channel.get("is_private") else "channel"


def _channel_name(channel: dict[str, Any]) -> str:
    if channel.get("is_im"):
        return "directmessage"
    return channel.get("name") or channel["id"].lower()


def _interactive(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "input" and isinstance(block.get("element"), dict):
        return [block["element"]]
    if block.get("type") == "section" and isinstance(block.get("accessory"), dict):
        return [block["accessory"]]
    if block.get("type") == "actions":
        return [e for e in block.get("elements") or [] if isinstance(e, dict)]
    return []


def _element(blocks: Iterable[dict[str, Any]], action_id: str, block_id: str | None) -> dict[str, Any]:
    for block in blocks:
        if block_id and block.get("block_id") != block_id:
            continue
        for element in _interactive(block):
            if element.get("action_id") == action_id:
                return element
    raise SandboxError("That button is not there any more.")


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    for option in _options(element):
        if option.get("value") == value:
            return option
    raise SandboxError(f"{value!r} is not one of the choices.")


def _action(element: dict[str, Any], action_id: str, block_id: str | None, value: Any) -> dict[str, Any]:
    """The `actions[0]` Slack sends for this element and the person's choice."""
    kind = element.get("type")
    action: dict[str, Any] = {"action_id": action_id, "type": kind}
    if block_id:
        action["block_id"] = block_id
    if kind in ("static_select", "overflow", "radio_buttons", "external_select"):
        action["selected_option"] = _option(element, value) if kind != "external_select" else \
            {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    elif kind in ("multi_static_select", "checkboxes"):
        action["selected_options"] = [_option(element, v) for v in (value or [])]
    elif kind == "users_select":
        action["selected_user"] = value
    elif kind == "multi_users_select":
        action["selected_users"] = list(value or [])
    elif kind in ("conversations_select", "channels_select"):
        action["selected_conversation" if kind == "conversations_select" else "selected_channel"] = value
    elif kind == "datepicker":
        action["selected_date"] = value
    elif kind == "timepicker":
        action["selected_time"] = value
    elif kind in ("plain_text_input", "number_input"):
        action["value"] = value
    return action


def _known_values(view: dict[str, Any], values: dict[str, Any] | None) -> dict[str, Any]:
    """The page's form values keyed by block_id, keeping only inputs the view really has."""
    if not values:
        return {}
    if not isinstance(values, dict):
        raise SandboxError("Form values must be an object.")
    block_ids = {b.get("block_id") for b in view.get("blocks") or [] if _interactive(b)}
    return {key: value for key, value in values.items() if key in block_ids}


# --------------------------------------------------------------------------- the page's HTTP side


def page_app(sandbox_ref: Callable[[], Sandbox]) -> Callable[..., Iterable[bytes]]:
    """WSGI app for `/` (the page), `/sandbox/static/…` and `/sandbox/api/…`."""

    posts: dict[str, Callable[[Sandbox, dict[str, Any]], dict[str, Any]]] = {
        "command": lambda s, b: s.command(b.get("user"), b.get("channel"), _text(b, "text")),
        "message": lambda s, b: s.message(b.get("user"), b.get("channel"), _text(b, "text"), b.get("thread_ts")),
        "reaction": lambda s, b: s.react(b.get("user"), b.get("channel"), str(b.get("ts")), _text(b, "name"),
                                         add=bool(b.get("add", True))),
        "action": lambda s, b: s.click(b.get("user"), action_id=_text(b, "action_id"), block_id=b.get("block_id"),
                                       value=b.get("value"), channel_id=b.get("channel"), ts=b.get("ts"),
                                       view_id=b.get("view_id"), values=b.get("values")),
        "submit": lambda s, b: s.submit(b.get("user"), _text(b, "view_id"), b.get("values")),
        "close": lambda s, b: s.close(b.get("user"), _text(b, "view_id"), clear=bool(b.get("all"))),
        "open": lambda s, b: s.open_app(b.get("user"), _text(b, "tab")),
        "shortcut": lambda s, b: s.shortcut(b.get("user"), b.get("channel"), str(b.get("ts")),
                                            _text(b, "callback_id")),
        "nudge": lambda s, b: s.jump_to_nudge(),
    }

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        method = environ.get("REQUEST_METHOD", "GET")
        host = (environ.get("HTTP_HOST") or "").rsplit(":", 1)[0]
        if host and host not in LOOPBACK_HOSTS:
            # DNS rebinding: another site's name pointing at 127.0.0.1 must not drive the sandbox.
            return _reply(start_response, "403 Forbidden", {"ok": False, "error": "the sandbox answers on loopback"})
        if method == "GET" and path in ("/", "/index.html"):
            return _static(start_response, "index.html")
        if method == "GET" and path.startswith("/sandbox/static/"):
            return _static(start_response, path[len("/sandbox/static/"):])
        if path == "/sandbox/api/state" and method == "GET":
            sandbox = sandbox_ref()
            query = parse_qs(environ.get("QUERY_STRING", ""))
            since = _int(query.get("since", ["-1"])[0], -1)
            wait = min(_float(query.get("wait", ["0"])[0], 0.0), LONG_POLL_SECONDS)
            if since >= 0 and wait > 0:
                sandbox.page.wait(since, wait)
            return _reply(start_response, "200 OK", sandbox.state())
        if path.startswith("/sandbox/api/") and method == "POST":
            name = path[len("/sandbox/api/"):]
            handler = posts.get(name)
            if handler is None:
                return _reply(start_response, "404 Not Found", {"ok": False, "error": f"no such action {name!r}"})
            if not (environ.get("CONTENT_TYPE") or "").startswith("application/json"):
                # A JSON content type cannot be sent cross-site without a CORS preflight we never grant.
                return _reply(start_response, "415 Unsupported Media Type",
                              {"ok": False, "error": "send application/json"})
            length = _int(environ.get("CONTENT_LENGTH") or "0", 0)
            if length > MAX_API_BODY:
                return _reply(start_response, "413 Payload Too Large", {"ok": False, "error": "request too large"})
            try:
                body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            except ValueError:  # UnicodeDecodeError is one
                return _reply(start_response, "400 Bad Request", {"ok": False, "error": "invalid JSON"})
            try:
                if not isinstance(body, dict):
                    raise SandboxError("Send a JSON object.")
                return _reply(start_response, "200 OK", handler(sandbox_ref(), body))
            except SandboxError as error:
                return _reply(start_response, "400 Bad Request", {"ok": False, "error": str(error)})
        return _reply(start_response, "404 Not Found", {"ok": False, "error": "not found"})

    return application


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise SandboxError(f"`{key}` must be a string.")
    if len(value) > 40_000:
        raise SandboxError(f"`{key}` is too long.")
    return value


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def _float(value: str, default: float) -> float:
    try:
        return float(value)
    except ValueError:
        return default


def _reply(start_response: StartResponse, status: str, payload: dict[str, Any]) -> Iterable[bytes]:
    body = json.dumps(payload, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store")])
    return [body]


def _static(start_response: StartResponse, name: str) -> Iterable[bytes]:
    path = (STATIC / name).resolve()
    if STATIC not in path.parents or not path.is_file():
        return _reply(start_response, "404 Not Found", {"ok": False, "error": "not found"})
    body = path.read_bytes()
    kind = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body))),
                              ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff")])
    return [body]


# --------------------------------------------------------------------------- starting and stopping


def slack_state_path(db_path: Path) -> Path:
    """`okrbot-sandbox.db` → `okrbot-sandbox.slack.db`: the stand-in's conversations between runs."""
    return db_path.with_name(db_path.stem + ".slack.db")


def save_slack_state(path: Path, state: dict[str, Any]) -> None:
    """Store a FakeSlack snapshot (one row, replaced in one transaction: a crash leaves the previous one)."""
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE IF NOT EXISTS slack_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
                           "saved_at REAL NOT NULL, snapshot TEXT NOT NULL)")
        connection.execute("INSERT OR REPLACE INTO slack_state (id, saved_at, snapshot) VALUES (1, ?, ?)",
                           (time.time(), json.dumps(state)))


def load_slack_state(path: Path) -> dict[str, Any] | None:
    """The stored FakeSlack snapshot, or None when there is none (or it cannot be read)."""
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            row = connection.execute("SELECT snapshot FROM slack_state WHERE id = 1").fetchone()
        return json.loads(row[0]) if row else None
    except (sqlite3.Error, ValueError):
        log.warning("could not read %s; the conversations start empty", path)
        return None


def read_manifest() -> dict[str, Any]:
    """The app's commands and shortcuts from manifest.yml (for the composer's suggestions)."""
    import yaml

    try:
        data = yaml.safe_load(MANIFEST.read_text()) or {}
    except OSError:
        return {"commands": [], "shortcuts": [], "app": {"name": "okrbot"}}
    features = data.get("features") or {}
    display = data.get("display_information") or {}
    return {
        "commands": [{"command": c["command"], "description": c.get("description", ""),
                      "usage_hint": c.get("usage_hint", "")} for c in features.get("slash_commands") or []],
        "shortcuts": [{"name": s["name"], "callback_id": s["callback_id"], "type": s.get("type", "message"),
                       "description": s.get("description", "")} for s in features.get("shortcuts") or []],
        "app": {"name": display.get("name", "okrbot"), "description": display.get("description", "")},
    }


def start(db_path: str | Path = "okrbot-sandbox.db", *, port: int = 0, reset: bool = False,
          scheduler: bool = True, env: dict[str, str] | None = None, database_url: str | None = None) -> Sandbox:
    """Start the stand-in, okrbot and the page; seed the demo workspace when the database has none.

    `db_path` is the SQLite file (the stand-in's conversations go beside it); tests may give another
    `database_url` (PostgreSQL), which `reset` does not empty.
    """
    db_path = Path(db_path).resolve()
    if reset:
        for path in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm"),
                     slack_state_path(db_path)):
            path.unlink(missing_ok=True)
    token = "xoxb-sandbox-" + secrets.token_hex(12)
    signing_secret = secrets.token_hex(16)  # new every run: only this process can sign requests
    fake = FakeSlack(team_id=seed.TEAM_ID, team_name=seed.TEAM_NAME, bot_user_id=seed.BOT_USER_ID,
                     bot_token=token).start()
    try:
        seed.populate_slack(fake)
        values = {**seed.SETTINGS, **(env or {}), "SLACK_API_URL": fake.base_url, "SLACK_BOT_TOKEN": token,
                  "SLACK_SIGNING_SECRET": signing_secret, "DATABASE_URL": database_url or f"sqlite:///{db_path}"}
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        runtime = build_runtime(settings, migrate="auto", per_channel_interval=0.05, backoff=0.2, max_backoff=5.0,
                                idle_poll=0.2)
    except Exception:
        fake.stop()
        raise
    page = PageState()
    holder: list[Sandbox] = []
    try:
        # Bind the port before seeding, so a busy port fails at once with nothing seeded.
        server = LocalServer(create_wsgi_app(runtime, extra={"/": page_app(lambda: holder[0])}), port=port)
    except OSError as error:
        runtime.close()
        fake.stop()
        if error.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} is already in use: stop what runs there, or pass --port") from None
        raise
    except Exception:
        runtime.close()
        fake.stop()
        raise
    try:
        if seed.is_seeded(runtime):
            _restore_conversations(fake, slack_state_path(db_path))
        else:
            seed.seed_database(runtime, fake)
    except Exception:
        server.start().stop()  # LocalServer.stop() waits for a serving loop, so give it one to end
        runtime.close()
        fake.stop()
        raise
    sandbox = Sandbox(slack=fake, runtime=runtime, server=server,
                      send=SlackSender(server.url + "/slack/events", signing_secret), page=page, db_path=db_path,
                      manifest=read_manifest())
    holder.append(sandbox)
    sandbox._unsubscribe = fake.subscribe(page.changed)
    server.start()
    runtime.sender().start()
    if scheduler:
        from bot.scheduler import build_scheduler

        sandbox.scheduler = build_scheduler(runtime, blocking=False)
        sandbox.scheduler.start()
    sandbox._saver = threading.Thread(target=sandbox._autosave, name="sandbox-save", daemon=True)
    sandbox._saver.start()
    return sandbox


def _restore_conversations(fake: FakeSlack, path: Path) -> None:
    saved = load_slack_state(path)
    if saved is None:
        return
    try:
        fake.restore(saved)
    except (KeyError, TypeError, ValueError):
        log.warning("the saved conversations do not fit this version of the sandbox; they start empty")


def main(reset: bool = False, port: int | None = None, db_path: str = "okrbot-sandbox.db") -> None:
    """`okrbot sandbox`: run until Ctrl-C, then stop everything (the SQLite file keeps the data).

    The page listens on 127.0.0.1:`port` (default $PORT, else 3000).
    """
    import click

    if port is None:
        raw = os.environ.get("PORT") or "3000"
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise ConfigError(f"PORT is invalid: {raw!r} is not a port number.")
        port = int(raw)
    done = threading.Event()  # Ctrl-C from here on stops cleanly, even while still starting
    previous = {sig: signal.signal(sig, lambda *_: done.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sandbox = start(db_path, port=port, reset=reset)
    except BaseException:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        raise
    click.echo(f"okrbot sandbox: open {sandbox.url}  (demo workspace \"{seed.TEAM_NAME}\", data in "
               f"{sandbox.db_path.name}; `okrbot sandbox --reset` starts afresh; Ctrl-C stops)")
    try:
        while not done.wait(0.5):
            pass
    finally:
        click.echo("okrbot sandbox: stopping…")
        sandbox.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        click.echo(f"okrbot sandbox: stopped; everything is kept in {sandbox.db_path.name}")
