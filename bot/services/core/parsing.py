"""Parsing what people type after a slash command: mentions, channels, tags, dates."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Slack escapes mentions in command text when the command has `should_escape: true`: <@U123|ravi>
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]{1,30})(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"<#([CGD][A-Z0-9]{1,30})(?:\|[^>]*)?>")
TAG = re.compile(r"(?<![\w<&])#([a-z0-9][a-z0-9_-]{0,63})\b", re.IGNORECASE)
MAX_TEXT = 2000


@dataclass(frozen=True)
class Parsed:
    """Mentioned user ids in order (without repeats), #tags, and the remaining text."""

    users: tuple[str, ...]
    tags: tuple[str, ...]
    text: str


def parse_command_text(text: str | None) -> Parsed:
    """Split command text into mentions, #tags and free text; never raises."""
    text = text or ""
    users: list[str] = []
    for user_id in USER_MENTION.findall(text):
        if user_id not in users:
            users.append(user_id)
    rest = USER_MENTION.sub(" ", text)
    tags = tuple(dict.fromkeys(tag.lower() for tag in TAG.findall(rest)))
    rest = TAG.sub(" ", rest)
    return Parsed(users=tuple(users), tags=tags, text=" ".join(rest.split()))


def first_word(text: str | None) -> str:
    """The lower-cased first word of `text` (a subcommand such as `help`), or ''."""
    parts = (text or "").strip().split(maxsplit=1)
    return parts[0].lower() if parts else ""


def rest_after_first_word(text: str | None) -> str:
    """Everything after the first word, stripped."""
    parts = (text or "").strip().split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


MAX_ID = 2**31 - 1  # row ids are INTEGER columns: PostgreSQL's int4 bound, well inside SQLite's


def parse_id(value: object) -> int | None:
    """A row id (1 … MAX_ID) from a payload value (`"42"` or 42); None for anything else.

    The one place a database id is read from what Slack sends back (button values, private_metadata, option
    values): `99999999999999999999999`, `1e400`, `-1`, `4.0`, `true`, `abc` or a JSON object are all None.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and 0 < len(value) <= 10 and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None
