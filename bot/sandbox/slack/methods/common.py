"""The Web API methods the fake Slack answers: required arguments, Slack errors, one handler per method.

`SlackMethods` is mixed into `bot.sandbox.slack.fake.FakeSlack`, which owns the workspace state
(`_users`, `_channels`, `_messages`, `_stacks`, `_homes`, ...), the lock, and the state helpers
(`_channel`, `_message`, `_store_message`, `_view_object`, ...) these handlers use; every handler runs
under FakeSlack's lock and answers the method's fields (FakeSlack adds `"ok": true`) or raises `_SlackError`.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import time
from typing import Any

from bot.blocks.limits import (
    MAX_MESSAGE_TEXT,
    MAX_MODAL_STACK,
    MAX_MPIM_USERS,
    MAX_VIEW_BYTES,
)
from bot.sandbox.slack.blockkit import (
    FALLBACK_ERROR,
    _too_long,
    block_errors,
    missing_fallback,
    view_errors,
)
from bot.sandbox.slack.payloads import fill_ids, is_trigger_id, slack_message, trigger_user

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
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
}



class _SlackError(Exception):
    def __init__(self, error: str, *, messages: list[str] | None = None, status: int = 200) -> None:
        super().__init__(error)
        self.error, self.messages, self.status = error, messages, status

    def body(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


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


class SlackMethods:
    """The per-method handlers and the checks only they use (a mixin: FakeSlack provides the state)."""

    # ----------------------------------------------------------------------- content checks

    def _check_content(self, args: dict, *, need_content: bool = True) -> None:
        blocks = args.get("blocks")
        if blocks is not None and (errors := block_errors(blocks)):
            raise _SlackError("invalid_blocks", messages=errors)
        if missing_fallback(args):
            # Slack only warns; the stand-in refuses, so no message reaches a notification as nothing.
            raise _SlackError("invalid_arguments", messages=[FALLBACK_ERROR])
        if need_content and not args.get("text") and not blocks and not args.get("attachments"):
            raise _SlackError("no_text")
        if _too_long(args.get("text"), MAX_MESSAGE_TEXT):
            raise _SlackError("msg_too_long")

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
            raise _SlackError("socket_mode_not_enabled")  # the fake's name for "no Socket Mode peer attached"
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

    # ---- files: Slack's external upload (getUploadURLExternal, POST the bytes, completeUploadExternal) ----
    def _files_get_upload_url_external(self, args: dict) -> dict:
        try:
            length = int(args["length"])
        except (TypeError, ValueError):
            raise _SlackError("invalid_arguments", messages=["[ERROR] `length` must be an integer"]) from None
        if length <= 0:
            raise _SlackError("invalid_arguments", messages=["[ERROR] `length` must be positive"])
        file_id = f"F{next(self._ids):08d}"
        self._uploads[file_id] = {"id": file_id, "name": str(args["filename"]), "length": length, "content": None,
                                  "title": str(args.get("alt_txt") or args["filename"]), "shared_in": []}
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, args: dict) -> dict:
        files = args["files"]
        if not isinstance(files, list) or not files:
            raise _SlackError("invalid_arguments", messages=["[ERROR] `files` must be a non-empty JSON array"])
        channel = self._channel(args["channel_id"]) if args.get("channel_id") else None
        done = []
        for item in files:
            upload = self._uploads.get(str((item or {}).get("id")))
            if upload is None:
                raise _SlackError("file_not_found")
            if upload["content"] is None:
                raise _SlackError("file_upload_incomplete")  # the bytes were never POSTed to the upload URL
            if item.get("title"):
                upload["title"] = str(item["title"])
            if channel is not None:
                upload["shared_in"].append(channel["id"])
                message = self._store_message(channel["id"], user=self.bot_user_id, text=args.get("initial_comment"),
                                              blocks=None, thread_ts=args.get("thread_ts"), bot=True)
                message["files"] = [{"id": upload["id"], "name": upload["name"], "title": upload["title"]}]
            done.append({"id": upload["id"], "title": upload["title"]})
        return {"files": done}
