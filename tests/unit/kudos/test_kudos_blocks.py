"""Kudos Block Kit as golden JSON files (paste into Block Kit Builder); regenerate with UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import pytest

from bot.blocks import kudos as blocks
from bot.sandbox.slack.blockkit import block_errors, view_errors
from bot.views.kudos import (
    BoardRow,
    KudosForm,
    KudosHomeView,
    KudosLimit,
    KudosPostView,
    KudosSent,
    KudosUsage,
    KudosView,
    Leaderboard,
    ObjectiveChoice,
)
from tests.support.golden import check_golden as shared_check_golden

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
LINK = "https://acme.slack.com/archives/CGENERAL/p1763283600000100"
HOSTILE = "<!channel> & <https://evil.example|click> " + "ω" * 3000


def kudos(n: int, message: str = "for the launch", reaction: str = "") -> KudosView:
    return KudosView(id=n, giver_id=f"UG{n}", receiver_id="URAVI", message=message, source="command",
                     reaction=reaction, permalink=LINK if reaction else None, objective_title=None, created_at=NOW)


BOARD = Leaderboard(period="month", label="November 2026", start=date(2026, 11, 1),
                    received=tuple(BoardRow(f"U{n}", 10 - n) for n in range(10)),
                    given=(BoardRow("UMARIA", 4), BoardRow("ULENA", 2)), viewer_id="URAVI", viewer_received=3,
                    viewer_given=1)
MESSAGES = {
    "usage": blocks.usage(KudosUsage(reactions=("clap", "tada"), daily_limit=5, channel="CKUDOS")),
    "usage_problem": blocks.usage(KudosUsage(problem="`/kudos top` takes `month` or `quarter`.", reactions=("clap",),
                                             daily_limit=0)),
    "sent_two": blocks.sent(KudosSent(receivers=("URAVI", "ULENA"), new_receivers=("URAVI", "ULENA"),
                                      message="for shipping", objective_title="Hire <three> & more",
                                      posted_in="CKUDOS", left_today=3)),
    "sent_again": blocks.sent(KudosSent(receivers=("URAVI",), new_receivers=(), message="x", objective_title=None,
                                        posted_in=None, left_today=4)),
    "received_reaction": blocks.received_dm(kudos(1, "", "clap")),
    "received_hostile": blocks.received_dm(KudosView(id=2, giver_id="UMARIA", receiver_id="URAVI",
                                                     message="thanks <@ULENA> " + HOSTILE, source="command",
                                                     reaction="", permalink=None, objective_title="Q4 <b>",
                                                     created_at=NOW)),
    "limit_reaction": blocks.limit_reached(KudosLimit(limit=5, used=5, wanted=1,
                                                      resets_at=datetime(2026, 11, 16, 18, 30, tzinfo=UTC),
                                                      reaction="clap", permalink=LINK), NOW),
    "post_reactions": blocks.public_post(KudosPostView(receivers=("URAVI",), givers=("UMARIA", "ULENA", "UTOM"),
                                                       notes=(), reactions=("clap", "tada"), permalink=LINK,
                                                       objective_titles=(), count=3)),
    "post_command": blocks.public_post(KudosPostView(receivers=("URAVI", "ULENA"), givers=("UMARIA",),
                                                     notes=(("UMARIA", "for shipping the onboarding revamp"),),
                                                     reactions=(), permalink=None,
                                                     objective_titles=("Onboarding 2.0",), count=2)),
    "post_many": blocks.public_post(KudosPostView(receivers=tuple(f"UR{n}" for n in range(30)),
                                                  givers=tuple(f"UG{n}" for n in range(60)),
                                                  notes=tuple((f"UG{n}", HOSTILE) for n in range(60)),
                                                  reactions=("clap",), permalink=LINK, objective_titles=(),
                                                  count=60)),
    "post_taken_back": blocks.public_post(KudosPostView(receivers=(), givers=(), notes=(), reactions=(),
                                                        permalink=None, objective_titles=(), count=0)),
    "leaderboard": blocks.leaderboard(BOARD),
    "leaderboard_empty": blocks.leaderboard(Leaderboard(period="quarter", label="2026-Q4", start=date(2026, 10, 1),
                                                        received=(), given=())),
}
HOME = KudosHomeView(viewer_id="URAVI", month_label="November 2026",
                     received=(kudos(1, "", "clap"), kudos(2, HOSTILE), kudos(3)), received_count=12, given_count=2,
                     board=BOARD)
VIEWS = {
    "form_empty": blocks.give_modal(KudosForm(metadata='{"src":"command","ch":"CGENERAL","ts":"form:T1"}')),
    "form_shortcut": blocks.give_modal(KudosForm(
        receivers=("URAVI",), permalink=LINK, metadata='{"src":"shortcut"}',
        objectives=tuple(ObjectiveChoice(n, f"Objective {n} " + "x" * 100) for n in range(150)))),
    "form_bot_author": blocks.give_modal(KudosForm(notes=("That message wasn't written by an active colleague: "
                                                          "choose whom to thank.",), permalink=LINK)),
    "notice": blocks.notice("I couldn't tell which message this is; try the shortcut again."),
    "done": blocks.modal_done(KudosSent(receivers=("URAVI",), new_receivers=("URAVI",), message="x",
                                        objective_title=None, posted_in="CKUDOS", left_today=2)),
}


check_golden = partial(shared_check_golden, GOLDEN, sort_keys=True)


@pytest.mark.parametrize("name", MESSAGES)
def test_message_matches_golden(name: str) -> None:
    """Each kudos message is exactly the reviewed Block Kit JSON."""
    check_golden(name, {"blocks": MESSAGES[name]})


@pytest.mark.parametrize("name", MESSAGES)
def test_message_is_accepted_by_slack(name: str) -> None:
    """No kudos message breaks a Block Kit limit (50 blocks, text lengths, ids)."""
    assert block_errors(MESSAGES[name]) == []


@pytest.mark.parametrize("name", VIEWS)
def test_modal_matches_golden_and_is_accepted(name: str) -> None:
    """The Give kudos form (and its done view) are the reviewed JSON and within Slack's limits."""
    check_golden(name, VIEWS[name])
    assert view_errors(VIEWS[name], kind="modal") == []


@pytest.mark.parametrize("budget", [7, 3, 1])
def test_home_section_respects_its_block_budget(budget: int) -> None:
    """The Home section never uses more blocks than the Home tab gives it."""
    section = blocks.home_section(HOME, budget)
    assert 0 < len(section) <= budget and block_errors(section) == []


def test_home_section_matches_golden() -> None:
    """The Home section with 7 blocks is the reviewed JSON."""
    check_golden("home", {"blocks": blocks.home_section(HOME, 7)})


def test_user_text_cannot_broadcast_or_forge_links() -> None:
    """<!channel> and <url|label> in a message are escaped; <@U…> mentions are kept."""
    rendered = json.dumps(MESSAGES["received_hostile"])
    assert "<!channel>" not in rendered and "<https://evil" not in rendered and "<@ULENA>" in rendered


def test_a_limit_message_for_a_form_has_no_date_token() -> None:
    """Modal field errors are plain text: the reset time is said in words."""
    text = blocks.limit_text(KudosLimit(limit=5, used=5, wanted=1,
                                        resets_at=datetime(2026, 11, 16, 18, 30, tzinfo=UTC)), NOW, plain=True)
    assert text == "You've given your 5 kudos for today. Your allowance resets at midnight your time, in 9 h 30 min."


def test_tied_counts_share_a_medal() -> None:
    """Two people with 2 kudos both get the gold medal; the next one is third, as in any ranking."""
    board = Leaderboard(period="month", label="November 2026", start=date(2026, 11, 1),
                        received=(BoardRow("ULENA", 2), BoardRow("UTOM", 2), BoardRow("URAVI", 1)),
                        given=(BoardRow("UMARIA", 1),), viewer_id="URAVI", viewer_received=1, viewer_given=0)
    fields = blocks.leaderboard(board)[1]["fields"][0]["text"]
    assert fields.splitlines()[1:] == [":first_place_medal: <@ULENA> · 2", ":first_place_medal: <@UTOM> · 2",
                                       ":third_place_medal: <@URAVI> · 1"]
