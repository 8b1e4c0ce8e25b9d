"""views.open, views.push, views.update, views.publish: modal stacks, Home tabs, triggers and external ids.

A mixin of FakeSlack (bot/sandbox/slack/fake.py), which owns the workspace state, the lock and the state
helpers; every handler runs under the lock and answers the method's fields or raises SlackError.
"""

from __future__ import annotations

import copy
import json

from bot.blocks.limits import (
    MAX_MODAL_STACK,
    MAX_VIEW_BYTES,
)
from bot.sandbox.slack.blockkit import view_errors
from bot.sandbox.slack.methods.common import SlackError
from bot.sandbox.slack.shapes import is_trigger_id, trigger_user


class ViewMethods:
    """The views methods (a FakeSlack mixin)."""

    def _checked_view(self, args: dict, kind: str) -> dict:
        view = args["view"]
        errors = view_errors(view, kind=kind)
        if errors:
            raise SlackError("invalid_arguments", messages=errors)
        if len(json.dumps(view)) > MAX_VIEW_BYTES:
            raise SlackError("view_too_large")
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
            raise SlackError("duplicate_external_id")

    def _exchange_trigger(self, args: dict) -> str | None:
        trigger = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger:
            raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
        if not is_trigger_id(str(trigger)):
            raise SlackError("invalid_trigger_id")
        # Slack lets a trigger open exactly one view; reusing one is a real bug worth failing on.
        if trigger in self._used_triggers:
            raise SlackError("exchanged_trigger_id")
        self._used_triggers.add(trigger)
        return trigger_user(str(trigger))

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
            raise SlackError("push_limit_reached")
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
            raise SlackError("invalid_arguments", messages=["[ERROR] view_id or external_id is required"])
        found = next(((user, stack, v) for user, stack, v in self._live_views()
                      if (view_id and v["id"] == view_id) or (not view_id and v["external_id"] == external_id)),
                     None)
        if found is None:
            raise SlackError("not_found")
        user, stack, current = found
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
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
            raise SlackError("user_not_found")
        view = self._checked_view(args, "home")
        current = self._homes.get(user)
        if args.get("hash") and current is not None and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self._check_external_id(view, replacing=current["id"] if current else None)
        shaped = self._view_object(view, view_id=current["id"] if current else None)
        self._homes[user] = shaped
        self._emit("home", {"user": user, "view": copy.deepcopy(shaped)})
        return {"view": copy.deepcopy(shaped)}
