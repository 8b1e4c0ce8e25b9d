"""Block Kit primitives within Slack's limits (bot/blocks/limits.py). Pure: dicts in, dicts out; text escaped, cut."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.blocks.limits import (
    MAX_BUTTON_TEXT,
    MAX_CONTEXT_ELEMENTS,
    MAX_CONTEXT_TEXT,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_ID,
    MAX_LABEL,
    MAX_MODAL_TITLE,
    MAX_OPTION_TEXT,
    MAX_OPTION_VALUE,
    MAX_OPTIONS,
    MAX_PLACEHOLDER,
    MAX_PRIVATE_METADATA,
    MAX_SECTION_FIELDS,
    MAX_SECTION_TEXT,
    MAX_VIEW_BLOCKS,
)

Block = dict[str, Any]

STATUS_EMOJI = {"ahead": ":rocket:", "on_track": ":large_green_circle:", "off_track": ":red_circle:"}
STATUS_LABEL = {"ahead": "Ahead", "on_track": "On track", "off_track": "Off track"}


def escape(text: str) -> str:
    """Escape &, < and > so user text cannot forge mentions or links (Slack's mrkdwn rules)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending with … when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def plain(text: str, limit: int = MAX_SECTION_TEXT, *, emoji: bool = True) -> dict[str, Any]:
    """A plain_text object."""
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": emoji}


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    """A mrkdwn text object (the caller escapes user text with `escape`)."""
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def header(text: str) -> Block:
    """A header block (150 characters at most)."""
    return {"type": "header", "text": plain(text, MAX_HEADER_TEXT)}


def section(text: str, *, accessory: Block | None = None, fields: list[str] | None = None,
            block_id: str | None = None) -> Block:
    """A section with mrkdwn text, optional fields (10 at most) and accessory."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if fields:
        block["fields"] = [mrkdwn(f, MAX_FIELD_TEXT) for f in fields[:MAX_SECTION_FIELDS]]
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id[:MAX_ID]
    return block


def context(*texts: str) -> Block:
    """A context block of mrkdwn texts (10 elements at most)."""
    return {"type": "context", "elements": [mrkdwn(t, MAX_CONTEXT_TEXT) for t in texts[:MAX_CONTEXT_ELEMENTS]]}


def divider() -> Block:
    """A divider."""
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None, url: str | None = None,
           confirm: dict[str, Any] | None = None) -> Block:
    """A button element; `style` is primary or danger."""
    element: Block = {"type": "button", "text": plain(text, MAX_BUTTON_TEXT), "action_id": action_id[:MAX_ID]}
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    """An actions block (25 elements at most)."""
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id[:MAX_ID]
    return block


def option(text: str, value: str) -> dict[str, Any]:
    """An option for selects, checkboxes and radio buttons."""
    return {"text": plain(text, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def input_block(label: str, block_id: str, element: Block, *, optional: bool = False, hint: str | None = None,
                dispatch_action: bool = False) -> Block:
    """An input block for a modal."""
    block: Block = {"type": "input", "block_id": block_id[:MAX_ID], "label": plain(label, MAX_LABEL),
                    "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint, 2000)
    if dispatch_action:
        block["dispatch_action"] = True
    return block


def text_input(action_id: str, *, multiline: bool = False, initial: str | None = None, max_length: int = 2000,
               placeholder: str | None = None) -> Block:
    """A plain_text_input element."""
    element: Block = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline,
                      "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, MAX_PLACEHOLDER)
    return element


def static_select(action_id: str, options: list[dict[str, Any]], *, initial: str | None = None,
                  multi: bool = False, placeholder: str = "Choose…") -> Block:
    """A (multi) static select; `initial` is a value (or comma-free list of values for multi)."""
    element: Block = {"type": "multi_static_select" if multi else "static_select", "action_id": action_id,
                      "options": options[:MAX_OPTIONS], "placeholder": plain(placeholder, MAX_PLACEHOLDER)}
    chosen = [o for o in options if initial is not None and o["value"] in (initial if multi else [initial])]
    if chosen:
        element["initial_options" if multi else "initial_option"] = chosen if multi else chosen[0]
    return element


def modal(title: str, blocks: list[Block], *, callback_id: str, submit: str | None = "Save",
          close: str = "Cancel", private_metadata: str = "", external_id: str | None = None) -> Block:
    """A modal view (title, submit and close at most 24 characters; 100 blocks at most)."""
    view: Block = {"type": "modal", "callback_id": callback_id, "title": plain(title, MAX_MODAL_TITLE),
                   "close": plain(close, MAX_MODAL_TITLE), "blocks": blocks[:MAX_VIEW_BLOCKS]}
    if submit:
        view["submit"] = plain(submit, MAX_MODAL_TITLE)
    if private_metadata:
        if len(private_metadata) > MAX_PRIVATE_METADATA:
            raise ValueError("private_metadata over Slack's 3000 characters")
        view["private_metadata"] = private_metadata
    if external_id:
        view["external_id"] = external_id
    return view


def progress_bar(fraction: float, width: int = 10) -> str:
    """A text progress bar: ▓▓▓▓░░░░░░ for 0.4 (clamped to 0..1)."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "▓" * filled + "░" * (width - filled)


def slack_date(when: datetime, fmt: str = "{date_short_pretty} {time}", fallback: str | None = None) -> str:
    """A <!date^…> token Slack renders in each reader's own timezone."""
    return f"<!date^{int(when.timestamp())}^{fmt}|{fallback or when.strftime('%Y-%m-%d %H:%M UTC')}>"


def user(user_id: str) -> str:
    """A mention of a user."""
    return f"<@{user_id}>"


def within(blocks: list[Block], limit: int, more: Block | None = None) -> list[Block]:
    """`blocks` cut to `limit`, the last one replaced by `more` (e.g. a "show more" context) when cut."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], more] if more else blocks[:limit]
