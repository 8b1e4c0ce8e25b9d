"""Slack's Block Kit and view limits, checked like Slack checks them: pure functions, no state.

The limits themselves are the product's (bot/blocks/limits.py), defined once.
`block_errors(blocks)` and `view_errors(view, kind=)` answer Slack-style `[ERROR] ... [json-pointer:...]`
messages for what Slack would reject ([] if fine); the fake Slack runs them on every message and view, and
block tests call them on builders' output.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.blocks.limits import (
    MAX_ACTIONS_ELEMENTS,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_CHOICE_OPTIONS,
    MAX_CONTEXT_ELEMENTS,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_ID,
    MAX_LABEL,
    MAX_MESSAGE_BLOCKS,
    MAX_MODAL_TITLE,
    MAX_OPTION_TEXT,
    MAX_OPTION_VALUE,
    MAX_OPTIONS,
    MAX_PLACEHOLDER,
    MAX_PRIVATE_METADATA,
    MAX_SECTION_FIELDS,
    MAX_SECTION_TEXT,
    MAX_URL,
    MAX_VIEW_BLOCKS,
    OVERFLOW_OPTIONS,
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

BLOCK_TYPES = frozenset({
    "section", "divider", "image", "actions", "context", "input", "header", "file", "rich_text", "video",
    "markdown", "table",
})
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})



def _error(pointer: str, message: str) -> str:
    return f"[ERROR] {message} [json-pointer:{pointer}]"


def too_long(value: Any, limit: int) -> bool:
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
    if not obj["text"].strip():
        errors.append(_error(f"{pointer}/text", "must not be empty or only whitespace"))


def _check_options(options: Any, pointer: str, errors: list[str]) -> None:
    if not isinstance(options, list):
        errors.append(_error(pointer, "must be an array"))
        return
    if len(options) > MAX_OPTIONS:
        errors.append(_error(pointer, f"must have at most {MAX_OPTIONS} items"))
    for index, option in enumerate(options):
        _check_text(option.get("text") if isinstance(option, dict) else None, f"{pointer}/{index}/text",
                    MAX_OPTION_TEXT, errors)
        if isinstance(option, dict) and too_long(option.get("value"), MAX_OPTION_VALUE):
            errors.append(_error(f"{pointer}/{index}/value", f"must be at most {MAX_OPTION_VALUE} characters"))


def _check_element(element: Any, pointer: str, action_ids: set[str], errors: list[str]) -> None:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        errors.append(_error(pointer, "must be an element object with a `type`"))
        return
    action_id = element.get("action_id")
    if too_long(action_id, MAX_ID):
        errors.append(_error(f"{pointer}/action_id", f"must be at most {MAX_ID} characters"))
    if action_id is not None:
        if action_id in action_ids:
            errors.append(_error(f"{pointer}/action_id", f"duplicate action_id `{action_id}`"))
        action_ids.add(action_id)
    if element["type"] == "button":
        _check_text(element.get("text"), f"{pointer}/text", MAX_BUTTON_TEXT, errors, plain_only=True)
        if too_long(element.get("value"), MAX_BUTTON_VALUE):
            errors.append(_error(f"{pointer}/value", f"must be at most {MAX_BUTTON_VALUE} characters"))
        if too_long(element.get("url"), MAX_URL):
            errors.append(_error(f"{pointer}/url", f"must be at most {MAX_URL} characters"))
    if "placeholder" in element:
        _check_text(element["placeholder"], f"{pointer}/placeholder", MAX_PLACEHOLDER, errors, plain_only=True)
    if "options" in element:
        _check_options(element["options"], f"{pointer}/options", errors)
        _check_choices(element, pointer, errors)
    if "initial_date" in element and not (isinstance(element["initial_date"], str)
                                          and _DATE.match(element["initial_date"])):
        errors.append(_error(f"{pointer}/initial_date", "must be a date written YYYY-MM-DD"))


def _all_options(element: dict) -> list[Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            options.extend(group.get("options") or [])
    return options


def _check_choices(element: dict, pointer: str, errors: list[str]) -> None:
    """Per-element option counts, and initial options that must be exactly one of the options."""
    options = element.get("options")
    if not isinstance(options, list):
        return
    kind = element["type"]
    low, high = OVERFLOW_OPTIONS
    if kind == "overflow" and not low <= len(options) <= high:
        errors.append(_error(f"{pointer}/options", f"an overflow menu must have {low} to {high} options"))
    if kind in ("checkboxes", "radio_buttons") and len(options) > MAX_CHOICE_OPTIONS:
        errors.append(_error(f"{pointer}/options", f"must have at most {MAX_CHOICE_OPTIONS} items"))
    everything = _all_options(element)
    if "initial_option" in element and element["initial_option"] not in everything:
        errors.append(_error(f"{pointer}/initial_option", "must exactly match one of the options"))
    for index, option in enumerate(element.get("initial_options") or []):
        if option not in everything:
            errors.append(_error(f"{pointer}/initial_options/{index}", "must exactly match one of the options"))


def _sdk_errors(check: Any, pointer: str) -> list[str]:
    """slack_sdk's own model checks (a second opinion written by Slack, not by us)."""
    try:
        check()
    except (SlackObjectFormationError, TypeError, KeyError, ValueError, AttributeError) as error:
        return [_error(pointer, f"slack_sdk: {error}")]
    return []


def _sdk_block(block: dict) -> None:
    parsed = Block.parse(block)
    if parsed is not None:
        parsed.validate_json()


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
        if too_long(block_id, MAX_ID):
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
        if isinstance(block, dict) and block.get("type") in BLOCK_TYPES:
            errors.extend(_sdk_errors(lambda block=block: _sdk_block(block), f"{pointer}/{index}"))
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
    if too_long(view.get("private_metadata"), MAX_PRIVATE_METADATA):
        errors.append(_error("/view/private_metadata", f"must be at most {MAX_PRIVATE_METADATA} characters"))
    for key in ("callback_id", "external_id"):
        if too_long(view.get(key), MAX_ID):
            errors.append(_error(f"/view/{key}", f"must be at most {MAX_ID} characters"))
    if not errors:
        errors.extend(_sdk_errors(lambda: View(**view).validate_json(), "/view"))
    return errors


FALLBACK_ERROR = ("[ERROR] a message with blocks needs a top-level `text` fallback (notifications and screen "
                  "readers show it) [json-pointer:/text]")


def missing_fallback(args: dict) -> bool:
    """A message with blocks but no top-level `text`: notifications and screen readers would get nothing."""
    text = args.get("text")
    return bool(args.get("blocks")) and not (isinstance(text, str) and text.strip())
