"""What people type after /okr, understood without a database (bot/services/okrs/commands.py)."""

from __future__ import annotations

import pytest

from bot.services.okrs.commands import OkrCommand, parse_okr_command


@pytest.mark.parametrize(("typed", "kind"), [("", "list"), (None, "list"), ("   ", "list"), ("list", "list"),
                                             ("LS", "list"), ("new", "new"), ("Create", "new"), ("add", "new"),
                                             ("checkin", "checkin"), ("check-in", "checkin"), ("CI", "checkin"),
                                             ("help", "help"), ("?", "help")])
def test_each_subcommand_and_its_spellings(typed: str | None, kind: str) -> None:
    """Every spelling people use reaches its subcommand, whatever the case; nothing at all lists OKRs."""
    assert parse_okr_command(typed).kind == kind


def test_away_and_review_keep_what_follows() -> None:
    """`away` and `review` carry the rest of the text, as typed, to their services."""
    assert parse_okr_command("away until 2026-12-24") == OkrCommand("away", rest="until 2026-12-24", word="away")
    assert parse_okr_command("  Review team 2026-Q3 ") == OkrCommand("review", rest="team 2026-Q3", word="review")


@pytest.mark.parametrize(("typed", "word"), [("lsit", "lsit"), ("chekin now", "chekin"), ("NEWW", "neww"),
                                             ("check in", "check"), ("<@U123|ravi>", "<@u123|ravi>"),
                                             ("x" * 5000, "x" * 5000), ("`rm`", "`rm`")])
def test_mistyped_subcommands_are_unknown_never_an_error(typed: str, word: str) -> None:
    """A typo, a mention or a very long word is `unknown` with the lower-cased word (the reply escapes and cuts it)."""
    parsed = parse_okr_command(typed)
    assert parsed.kind == "unknown" and parsed.word == word
