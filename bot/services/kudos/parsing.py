"""What people type after /kudos: `@ravi @lena [#tag] message`, `top [month|quarter]`, `help`, or nothing.

Slack escapes the command text (`should_escape: true`): people arrive as `<@U123|ravi>`, channels as
`<#C123|general>`, user groups as `<!subteam^S123|@design>`, broadcasts as `<!here>`, links as
`<https://…|label>`. Every person mentioned receives kudos; the message is what follows the leading
mentions and tags, with later mentions kept (as `<@U123>`) and other escapes turned back into text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.core.errors import UserFacingError
from bot.services.core.parsing import MAX_TEXT, TAG, USER_MENTION, first_word, rest_after_first_word
from bot.views.kudos import MAX_RECEIVERS, BlockId

PERIODS = ("month", "quarter")
SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
CHANNEL = re.compile(r"<#[CGD][A-Z0-9]+(?:\|([^>]*))?>")
LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")
LEADING = re.compile(r"^\s*(?:(?:<@[UW][A-Z0-9]{1,30}(?:\|[^>]*)?>|(?<![\w<&])#[a-z0-9][a-z0-9_-]{0,63}\b)[\s,;:]*)+",
                     re.IGNORECASE)


@dataclass(frozen=True)
class KudosCommand:
    """One /kudos invocation, understood.

    kind: `give` (receivers and message), `modal` (no text: open the form), `top` (leaderboard of
    `period`), `help`, or `usage` (not understood; `problem` says why).
    """

    kind: str
    receivers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    message: str = ""
    period: str = "month"
    problem: str = ""


def parse_kudos_command(text: str | None) -> KudosCommand:
    """Understand /kudos text; never raises (anything unclear is a `usage` command with its problem)."""
    text = (text or "").strip()
    if not text:
        return KudosCommand("modal")
    word = first_word(text)
    if word in ("help", "?", "-h", "--help"):
        return KudosCommand("help")
    if word in ("top", "leaderboard"):
        period = first_word(rest_after_first_word(text)) or "month"
        if period not in PERIODS or len(rest_after_first_word(text).split()) > 1:
            return KudosCommand("usage", problem="`/kudos top` takes `month` or `quarter`.")
        return KudosCommand("top", period=period)
    receivers = tuple(dict.fromkeys(USER_MENTION.findall(text)))
    groups = [label or "that group" for label in SUBTEAM.findall(text)]
    if groups and not receivers:
        return KudosCommand("usage", problem=f"Kudos go to people: mention each person rather than {groups[0]}.")
    if not receivers:
        return KudosCommand("usage", problem="Mention at least one person with @, e.g. "
                                             "`/kudos @ravi for shipping the onboarding revamp`.")
    tags = tuple(dict.fromkeys(tag.lower() for tag in TAG.findall(USER_MENTION.sub(" ", text))))
    return KudosCommand("give", receivers=receivers, tags=tags, message=kudos_message(text))


def kudos_message(text: str) -> str:
    """The message of a kudos: leading mentions and tags dropped, later mentions kept as `<@U…>`."""
    rest = LEADING.sub("", text, count=1)
    rest = USER_MENTION.sub(lambda m: f"<@{m.group(1)}>", rest)
    rest = SUBTEAM.sub(lambda m: m.group(1) or "@group", rest)
    rest = SPECIAL.sub(lambda m: "@" + m.group(1), rest)
    rest = CHANNEL.sub(lambda m: "#" + (m.group(1) or "channel"), rest)
    rest = LINK.sub(lambda m: m.group(1) if not m.group(2) or m.group(2) == m.group(1)
                    else f"{m.group(2)} ({m.group(1)})", rest)
    return rest.strip(" \t,;:")


def too_long(message: str) -> bool:
    """Whether a kudos or feedback text is over the 2,000 characters okrbot stores."""
    return len(message) > MAX_TEXT


def check_kudos(giver_id: str, receivers: Sequence[str], message: str, permalink: str | None) -> None:
    """The rules a kudos keeps however it is given (command, form, shortcut); field errors name the form's inputs."""
    if not receivers:
        raise UserFacingError("Choose at least one person to thank.", field=BlockId.RECEIVERS)
    if len(receivers) > MAX_RECEIVERS:
        raise UserFacingError(f"You can thank up to {MAX_RECEIVERS} people at once.", field=BlockId.RECEIVERS)
    if giver_id in receivers:
        raise UserFacingError("Kudos are for others: you can't give kudos to yourself.", field=BlockId.RECEIVERS)
    if too_long(message):
        raise UserFacingError(f"That message is {len(message):,} characters; kudos messages are limited to "
                              f"{MAX_TEXT:,}. Nothing was sent.", field=BlockId.MESSAGE)
    if not message and not permalink:
        raise UserFacingError("Say what the kudos are for, e.g. `/kudos @ravi for shipping the onboarding "
                              "revamp`.", field=BlockId.MESSAGE)


__all__ = ["MAX_TEXT", "PERIODS", "KudosCommand", "check_kudos", "kudos_message", "parse_kudos_command",
           "too_long"]
