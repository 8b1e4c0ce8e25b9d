"""What people do on the sandbox page, turned into what Slack sends okrbot.

Each method takes the acting person's user id and plain values from the page, builds the Slack payload
with bot/sandbox/slack/payloads.py, POSTs it signed to okrbot's own /slack/events, and applies okrbot's
answer as Slack would (a command's immediate reply, a view submission's `response_action`).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Callable
from typing import Any

from bot.sandbox.page import PageState, SandboxError
from bot.sandbox.slack.actions import (
    action_of,
    channel_name_of,
    channel_type_of,
    element_by_id,
    known_values,
)
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.payloads import (
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
from bot.sandbox.slack.sender import Response, SlackSender

log = logging.getLogger("okrbot.sandbox")
ACK_DEADLINE = 3.0  # seconds Slack waits for the HTTP answer to a command, click or submission


class Acting:
    """The Slack side of the sandbox (mixed into `Sandbox`, which provides the attributes below)."""

    slack: FakeSlack
    send: SlackSender
    page: PageState
    manifest: dict[str, Any]

    @property
    def team_id(self) -> str:
        """The demo workspace's team id."""
        return self.slack.team_id

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
                              channel_name=channel_name_of(channel))
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
                              channel_type=channel_type_of(channel))
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
            element = element_by_id(view.get("blocks") or [], action_id, block_id)
            built = _build(block_actions, self.team_id, user_id, [action_of(element, action_id, block_id, value)],
                           view=view, values=known_values(view, values), trigger_id=trigger,
                           user_name=self._handle(user_id))
            self._post(built, what="click", user_id=user_id)
            return {"ok": True}
        if not channel_id or not ts:
            raise SandboxError("A click needs the message (channel and ts) or the view it is in.")
        channel = self._channel(channel_id, user_id)
        message, ephemeral = self._message_or_ephemeral(user_id, channel["id"], ts)
        element = element_by_id(message.get("blocks") or [], action_id, block_id)
        response_url = self.slack.new_response_url(channel=channel["id"], user=user_id, message_ts=ts)
        built = _build(block_actions, self.team_id, user_id, [action_of(element, action_id, block_id, value)],
                       channel_id=channel["id"], message=message, response_url=response_url,
                       trigger_id=trigger, ephemeral=ephemeral, user_name=self._handle(user_id),
                       channel_name=channel_name_of(channel))
        self._post(built, what="click", user_id=user_id, channel_id=channel["id"])
        return {"ok": True}

    def submit(self, user_id: str, view_id: str, values: dict[str, Any] | None) -> dict[str, Any]:
        """Submit the person's top modal: a `view_submission`; the app's `response_action` is applied."""
        self.person(user_id)
        stack = self.slack.open_views(user_id)
        if not stack or stack[-1]["id"] != view_id:
            raise SandboxError("That modal is not open any more.")
        view = stack[-1]
        built = _build(view_submission, self.team_id, user_id, view, known_values(view, values),
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
        clear = clear or bool(stack[-1].get("clear_on_close"))  # Slack: closing such a view closes the stack
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
                                 channel_name=channel_name_of(channel))
        self._post(built, what="shortcut", user_id=user_id, channel_id=channel["id"])
        return {"ok": True}

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
        elif answer.elapsed > ACK_DEADLINE:
            # Slack gives up after 3 s; the sandbox still applies the answer, but says what Slack would have done.
            log.warning("okrbot took %.1f s to answer %s", answer.elapsed, what)
            self.page.notice(user=user_id, channel=channel_id,
                             text=f"okrbot took {answer.elapsed:.1f} s to answer {what}: Slack waits 3 s, then "
                                  f"shows `operation_timeout` instead.")
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
