"""Parsing /kudos text: examples, and properties over arbitrary text and mentions (hypothesis)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.core.parsing import first_word
from bot.services.kudos.parsing import kudos_message, parse_kudos_command

USER_IDS = st.from_regex(r"[UW][A-Z0-9]{2,12}", fullmatch=True)
LABELS = st.text(alphabet=st.characters(blacklist_characters=">"), max_size=15)
MENTIONS = st.builds(lambda uid, label, named: f"<@{uid}|{label}>" if named else f"<@{uid}>", USER_IDS, LABELS,
                     st.booleans())
NOISE = st.text(max_size=40).map(lambda t: t.replace("<@", "<"))  # free text that cannot hide a mention
SUBCOMMANDS = ("help", "?", "-h", "--help", "top", "leaderboard")
ESCAPED = re.compile(r"<@([UW][A-Z0-9]{1,30})(?:\|[^>]*)?>")


def test_mentions_then_message() -> None:
    """Everyone mentioned is a receiver; the message is what follows them."""
    parsed = parse_kudos_command("<@URAVI|ravi> <@ULENA|lena> for shipping the onboarding revamp")
    assert parsed.kind == "give" and parsed.receivers == ("URAVI", "ULENA")
    assert parsed.message == "for shipping the onboarding revamp"


def test_a_tag_after_the_mentions_is_the_objective_not_the_message() -> None:
    """`#hiring` right after the mentions names the objective."""
    parsed = parse_kudos_command("<@URAVI> #Hiring for closing three roles")
    assert parsed.tags == ("hiring",) and parsed.message == "for closing three roles"


def test_a_later_mention_stays_in_the_message_and_is_a_receiver_too() -> None:
    """`thanks @ravi for helping @lena`: both receive kudos; the sentence keeps its mentions."""
    parsed = parse_kudos_command("<@URAVI|ravi> for helping <@ULENA|lena> with the migration")
    assert parsed.receivers == ("URAVI", "ULENA") and parsed.message == "for helping <@ULENA> with the migration"


def test_escapes_other_than_people_become_plain_text() -> None:
    """Channels, @here, user groups and links are written back as text (no broadcast reaches the post)."""
    parsed = parse_kudos_command("<@URAVI> for <!here> in <#C1|general> with <!subteam^S1|@design> "
                                 "<https://x.example/a|the doc>")
    assert parsed.message == "for @here in #general with @design the doc (https://x.example/a)"


def test_a_group_alone_asks_for_people() -> None:
    """Kudos go to people, not user groups."""
    parsed = parse_kudos_command("<!subteam^S1|@design> for the redesign")
    assert parsed.kind == "usage" and "@design" in parsed.problem


def test_subcommands() -> None:
    """Nothing, help, top and top quarter; anything else after top is usage."""
    assert parse_kudos_command("  ").kind == "modal"
    assert parse_kudos_command("HELP").kind == "help"
    assert (parse_kudos_command("top").kind, parse_kudos_command("top").period) == ("top", "month")
    assert parse_kudos_command("top quarter").period == "quarter"
    assert parse_kudos_command("top year").kind == "usage"


def test_text_without_a_mention_is_usage() -> None:
    """An unescaped @name (someone Slack did not recognise) is not a receiver."""
    parsed = parse_kudos_command("@ravi thanks")
    assert parsed.kind == "usage" and "Mention at least one person" in parsed.problem


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_parsing_never_raises_on_arbitrary_text(text: str) -> None:
    """Any text whatsoever is understood as some command (never an exception)."""
    parsed = parse_kudos_command(text)
    assert parsed.kind in ("give", "modal", "top", "help", "usage")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(MENTIONS, NOISE), max_size=12))
def test_the_receivers_are_exactly_the_escaped_mentions(parts: list[str]) -> None:
    """Receivers are the escaped mentions in the text, in order, without repeats; nothing else."""
    text = " ".join(parts)
    parsed = parse_kudos_command(text)
    expected = tuple(dict.fromkeys(ESCAPED.findall(text)))
    if first_word(text) in SUBCOMMANDS:
        assert parsed.kind in ("help", "top", "usage") and parsed.receivers == ()
    else:
        assert parsed.receivers == expected and (parsed.kind == "give") == bool(expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(MENTIONS, min_size=1, max_size=5), NOISE)
def test_leading_mentions_never_leak_into_the_message(mentions: list[str], message: str) -> None:
    """Mentions before the message are dropped from it; the message never starts with a mention."""
    parsed = parse_kudos_command(" ".join(mentions) + " for " + message)
    assert parsed.kind == "give" and not kudos_message(" ".join(mentions)).startswith("<@")
    assert parsed.message.startswith("for")
