"""End to end: the Home's Privacy section and reading log through signed HTTP and the loopback Slack; exports
logged under the operator's name; a person leaving the workspace offered to the admins for erasure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from storage.models_feedback import Feedback
from storage.models_privacy import ReadingLogEntry
from tests.e2e.home.test_home_e2e import open_home
from tests.support.cli import cli_variables, invoke
from tests.support.reading import eventually, rows, text_of
from tests.support.stack import TEAM, Stack, start_stack

MID_NOVEMBER = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
SHARED = "Lena's launch plan was thorough; she should delegate more"
PRIVATE_ONLY = "Lena, your review comments are too terse"


@pytest.fixture
def privacy_stack(db_url: str) -> Iterator[Stack]:
    """okrbot in mid-November 2026 with Ada as admin; Tom's feedback to Lena shared with Maria, Pat's not."""
    stack = start_stack(db_url, env={"OKRBOT_ADMINS": "UADMIN"})
    try:
        stack.clock.travel_to(MID_NOVEMBER)
        for report in ("URAVI", "ULENA", "UTOM"):
            stack.set_manager(report, "UMARIA")
        with stack.sessions.begin() as session:
            session.add_all([
                Feedback(team_id=TEAM, giver_id="UTOM", receiver_id="ULENA", text=SHARED,
                         visibility="private+manager", created_at=MID_NOVEMBER),
                Feedback(team_id=TEAM, giver_id="UPAT", receiver_id="ULENA", text=PRIVATE_ONLY,
                         visibility="private", created_at=MID_NOVEMBER)])
        yield stack
    finally:
        stack.close()


def test_every_home_says_who_can_read_what(privacy_stack: Stack) -> None:
    """Each person's Home has a Privacy section naming who reads private notes, shared notes, feedback, kudos."""
    text = text_of(open_home(privacy_stack, "URAVI"))
    assert "Privacy" in text and "*Private notes*: you" in text
    assert "*Feedback you receive*: you, and your manager when the person who wrote it chose so" in text
    assert "*Kudos*: everyone in the workspace" in text
    assert "Nobody else has read feedback or notes about you" in text


def test_a_managers_read_and_an_export_show_in_the_subjects_home_only(privacy_stack: Stack) -> None:
    """Maria reads Tom's feedback about Lena in her Home, an operator exports feedback texts: Lena's Home lists
    both; Maria's, Tom's and Pat's Homes list neither."""
    maria = text_of(open_home(privacy_stack, "UMARIA"))
    assert SHARED in maria and PRIVATE_ONLY not in maria
    result = invoke(cli_variables(privacy_stack.runtime), "export", "feedback", "--include-private-text",
                    "--format", "json", "--operator", "Jo <Ops>")
    assert result.exit_code == 0 and PRIVATE_ONLY in result.output
    lena = text_of(open_home(privacy_stack, "ULENA"))
    assert "<@UMARIA> read <@UTOM>'s feedback about you on Nov 16 (in their Home)" in lena
    # The export ran in its own process, on the real clock: its day is today's.
    assert "Jo &lt;Ops&gt; (an operator) exported <@UTOM>'s feedback about you on " in lena
    assert "Jo &lt;Ops&gt; (an operator) exported <@UPAT>'s feedback about you on " in lena
    assert lena.count("(in an export)") == 2
    for other in ("UMARIA", "UTOM", "UPAT"):
        assert "about you on" not in text_of(open_home(privacy_stack, other))


def test_reopening_the_home_logs_one_read_a_day(privacy_stack: Stack) -> None:
    """Maria opening her Home three times on one day is one entry; the next day adds one more."""
    for _ in range(3):
        open_home(privacy_stack, "UMARIA")
    assert len(rows(privacy_stack, ReadingLogEntry)) == 1
    privacy_stack.clock.travel_to(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    open_home(privacy_stack, "UMARIA")
    entries = rows(privacy_stack, ReadingLogEntry)
    assert [(e.reader_id, e.subject_id, e.author_id, e.via, str(e.read_on)) for e in entries] == [
        ("UMARIA", "ULENA", "UTOM", "home", "2026-11-16"), ("UMARIA", "ULENA", "UTOM", "home", "2026-11-17")]


def test_a_person_leaving_is_offered_to_the_admins_for_erasure(privacy_stack: Stack) -> None:
    """user_change with deleted=true: Ada (OKRBOT_ADMINS) gets one DM naming `okrbot people forget ULENA`."""
    open_home(privacy_stack, "ULENA")  # okrbot knows Lena
    event = {"type": "user_change", "user": {"id": "ULENA", "team_id": TEAM, "deleted": True, "name": "lena"}}
    for event_id in ("Ev1", "Ev2"):
        assert privacy_stack.send.event(TEAM, event, event_id=event_id).status == 200
    privacy_stack.deliver()

    def offers() -> list[str]:
        return [c.args.get("text", "") for c in privacy_stack.slack.calls_to("chat.postMessage")
                if "okrbot people forget ULENA" in c.args.get("text", "")]

    assert len(eventually(offers)) == 1
