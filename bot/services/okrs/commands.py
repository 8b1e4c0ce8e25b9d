"""What people type after /okr: `list`, `new`, `checkin`, `away until YYYY-MM-DD|off`, `review …`, `help`.

A pure parser, like /kudos's (bot/services/kudos/parsing.py): the handler routes on `kind`, the services do
the work. Subcommands are matched on their lower-cased first word, with the spellings people use.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.core.parsing import first_word, rest_after_first_word

SPELLINGS = {"": "list", "list": "list", "ls": "list", "new": "new", "create": "new", "add": "new",
             "checkin": "checkin", "check-in": "checkin", "ci": "checkin", "away": "away", "review": "review",
             "help": "help", "?": "help"}


@dataclass(frozen=True)
class OkrCommand:
    """One /okr invocation, understood.

    kind: `list`, `new`, `checkin`, `away` and `review` (with `rest`, what followed the subcommand), `help`,
    or `unknown` (`word` is the lower-cased subcommand that was not understood).
    """

    kind: str
    rest: str = ""
    word: str = ""


def parse_okr_command(text: str | None) -> OkrCommand:
    """Understand /okr text; never raises (a mistyped subcommand is `unknown`, with the word typed)."""
    word = first_word(text)
    kind = SPELLINGS.get(word, "unknown")
    return OkrCommand(kind, rest=rest_after_first_word(text), word=word)
