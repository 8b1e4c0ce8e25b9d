"""Agendas as golden Block Kit JSON (paste into Block Kit Builder); regenerate with UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import pytest

from bot.blocks.agenda import agenda_blocks, agenda_modal
from bot.blocks.limits import MAX_SECTION_TEXT
from bot.blocks.nudges import manager_messages, report_message, snoozed
from bot.sandbox.slack.blockkit import block_errors, view_errors
from bot.views.nudges import (
    Agenda,
    CommentLine,
    FeedbackAsk,
    KeyResultLine,
    KudosLine,
    ManagerDigest,
    ReportDigest,
    SkippedReport,
    TaskLine,
)
from tests.support.golden import check_golden as shared_check_golden

GOLDEN = Path(__file__).parent / "golden"
CHECKED = datetime(2026, 12, 10, 9, tzinfo=UTC)


def kr(n: int, status: str = "on_track", *, title: str | None = None, objective: str = "Grow the community",
       obstacle: str = "", age: int | None = None, next_steps: str = "", checked: bool = True,
       objective_id: int = 1) -> KeyResultLine:
    return KeyResultLine(id=n, objective_id=objective_id, objective=objective, title=title or f"Key result {n}",
                         status=status, progress={"ahead": 0.9, "on_track": 0.6, "off_track": 0.2}[status],
                         current={"ahead": 90, "on_track": 60, "off_track": 20}[status], target=100, unit="users",
                         last_check_in=CHECKED if checked else None, checked_in_this_month=checked,
                         obstacle=obstacle, obstacle_age_days=age, next_steps=next_steps)


def agenda(**changes: object) -> Agenda:
    base = Agenda(team_id="T0001", manager_id="UMARIA", manager_name="maria", report_id="URAVI",
                  report_name="ravi", period="2026-12", quarter="2026-Q4", last_one_on_one=date(2026, 11, 12),
                  nudge_id=42)
    return replace(base, **changes)


CASES: dict[str, Agenda] = {
    "no_okrs": agenda(last_one_on_one=None),
    "all_on_track": agenda(
        key_results=(kr(1, next_steps="Run the December meetup"), kr(2, "ahead"), kr(3, objective_id=2,
                                                                                      objective="Ship v2")),
        tasks=(TaskLine("Draft the meetup invite", "URAVI", date(2026, 12, 20), 0),),
        kudos_count=2, kudos=(KudosLine("ULENA", "Great demo!"), KudosLine("UTOM", ""))),
    "off_track_with_obstacles": agenda(
        key_results=(kr(1), kr(2, "off_track", obstacle="Waiting on legal review of the contract", age=12,
                                next_steps="Escalate to the VP"),
                     kr(3, "off_track", obstacle="Two people out sick", age=3),
                     kr(4, "off_track")),
        tasks=(TaskLine("Book a room", "UMARIA", None, 2),
               TaskLine("Send the numbers", "URAVI", date(2026, 12, 18), 1)),
        feedback_count=2, feedback=(FeedbackAsk("UPAT", 9), FeedbackAsk("ULENA", 2)),
        comment_count=3, comments=(CommentLine("UPAT", "Can we cut scope?", "Ship v2",
                                               "https://acme.slack.com/archives/COKRS/p1765360000000100"),)),
    "thirty_key_results": agenda(
        key_results=tuple(kr(n, ("ahead", "on_track", "off_track")[n % 3], obstacle="Blocked" if n % 3 == 2 else "",
                             age=n if n % 3 == 2 else None, next_steps=f"Step {n}" if n % 4 == 0 else "",
                             objective_id=n // 10, objective=f"Objective {n // 10}") for n in range(30)),
        tasks=tuple(TaskLine(f"Task {n}", "URAVI", None, 0) for n in range(8))),
    "unicode_and_long_text": agenda(
        report_name="Zoë 🚀 Łukasz-Ngô",
        key_results=(kr(1, "off_track", title="Réduire la latence p99 — 東京 & <São Paulo> " + "très " * 80,
                        objective="Objective with <@U123> & <!channel> " + "ω" * 400,
                        obstacle="Ünïcödé obstacle 😅 <b>not html</b> & more\nsecond line " + "x" * 5000, age=40,
                        next_steps="Next: 🧪 " + "step " * 900),
                     *(kr(n, "on_track", title="&" * 500) for n in range(2, 12))),
        tasks=(TaskLine("タスク " * 300, "URAVI", None, 5),),
        kudos_count=1, kudos=(KudosLine("ULENA", "Merci ❤️ " * 100),),
        comment_count=1, comments=(CommentLine("UPAT", "<https://evil.example|click> " * 50, "Objectif ✨", None),)),
}


check_golden = partial(shared_check_golden, GOLDEN, sort_keys=True)


@pytest.mark.parametrize("name", CASES)
def test_dm_agenda_matches_golden(name: str) -> None:
    """The agenda of one report in the manager's DM is exactly the reviewed Block Kit JSON."""
    check_golden(f"{name}.message", {"blocks": agenda_blocks(CASES[name])})


@pytest.mark.parametrize("name", CASES)
def test_modal_agenda_matches_golden(name: str) -> None:
    """The full agenda modal is exactly the reviewed Block Kit JSON."""
    check_golden(f"{name}.modal", agenda_modal(CASES[name]))


@pytest.mark.parametrize("name", CASES)
def test_agendas_pass_slacks_block_kit_checks(name: str) -> None:
    """Slack would accept the DM agenda and the modal: limits, text lengths, unique ids."""
    assert block_errors(agenda_blocks(CASES[name])) == []
    assert view_errors(agenda_modal(CASES[name]), kind="modal") == []


def test_dm_agenda_shows_eight_key_results_and_counts_the_rest() -> None:
    """30 key results: 8 lines in the DM, then '…and 22 more key results'."""
    blocks = agenda_blocks(CASES["thirty_key_results"])
    where = blocks[1]["text"]["text"]
    assert where.count(":rocket:") + where.count(":large_green_circle:") + where.count(":red_circle:") == 8
    assert "…and 22 more key results" in where


def test_modal_lists_all_thirty_key_results() -> None:
    """The modal shows every one of 30 key results."""
    text = json.dumps(agenda_modal(CASES["thirty_key_results"]))
    assert all(f"Key result {n}*" in text for n in range(30))


def test_user_text_cannot_forge_mentions_or_links() -> None:
    """<@U123>, <!channel> and <url|text> typed by people are escaped, never rendered as mentions or links."""
    text = json.dumps([agenda_blocks(CASES["unicode_and_long_text"]), agenda_modal(CASES["unicode_and_long_text"])],
                      ensure_ascii=False)
    assert "<@U123>" not in text and "<!channel>" not in text and "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in text


def test_sections_stay_under_slacks_limit_with_text_that_grows_when_escaped() -> None:
    """Titles made of '&' (5 characters once escaped) still give sections under 3000 characters, cut by lines."""
    blocks = agenda_blocks(CASES["unicode_and_long_text"])
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert max(len(t) for t in texts) <= MAX_SECTION_TEXT
    assert any("…and" in t for t in texts)


def test_a_manager_with_five_reports_gets_one_message() -> None:
    """Five ordinary agendas fit in one message of at most 50 blocks."""
    digest = ManagerDigest("T0001", "UMARIA", "maria", "2026-12",
                           agendas=tuple(replace(CASES["all_on_track"], report_id=f"U{n}", nudge_id=n)
                                         for n in range(5)))
    [message] = manager_messages(digest)
    assert message.part is None and len(message.blocks) <= 50
    assert block_errors(message.blocks) == []


def test_a_manager_with_many_reports_gets_a_summary_and_one_message_each() -> None:
    """Twelve reports: a summary message plus one message per report, each within 50 blocks."""
    agendas = tuple(replace(CASES["off_track_with_obstacles"], report_id=f"U{n:02d}", report_name=f"r{n}", nudge_id=n)
                    for n in range(12))
    skipped = (SkippedReport("ULENA", "lena", "away", date(2026, 12, 20)),)
    messages = manager_messages(ManagerDigest("T0001", "UMARIA", "maria", "2026-12", agendas, skipped))
    assert [m.part for m in messages] == [None, *(a.report_id for a in agendas)]
    assert all(block_errors(m.blocks) == [] for m in messages)
    assert "away until Dec 20" in json.dumps(messages[0].blocks)


def test_skipped_reports_are_listed_with_their_reason() -> None:
    """The manager's DM says who was skipped and why: 1-on-1 done (with the day) or away (until when)."""
    digest = ManagerDigest("T0001", "UMARIA", "maria", "2026-12", agendas=(CASES["all_on_track"],),
                           skipped=(SkippedReport("ULENA", "lena", "done", date(2026, 12, 3)),
                                    SkippedReport("UTOM", "tom", "away", date(2026, 12, 31))))
    check_golden("manager_with_skipped.message", {"blocks": manager_messages(digest)[0].blocks})


def test_report_prepare_message_matches_golden() -> None:
    """The report's DM: manager, key results without a check-in this month, their tasks, the two buttons."""
    base = CASES["off_track_with_obstacles"]
    stale = replace(base, key_results=(kr(1, checked=False), kr(2, "off_track"), kr(3, checked=False)))
    message = report_message(ReportDigest("T0001", "URAVI", "UMARIA", "maria", "2026-12", stale))
    check_golden("report_prepare.message", {"blocks": message.blocks})
    assert "Key result 2" not in json.dumps(message.blocks)


def test_report_without_okrs_is_told_how_to_add_them() -> None:
    """A report with no key results is pointed at /okr new."""
    message = report_message(ReportDigest("T0001", "URAVI", "UMARIA", "maria", "2026-12", CASES["no_okrs"]))
    assert "/okr new" in json.dumps(message.blocks)


def test_snoozing_replaces_only_that_agendas_buttons() -> None:
    """After a snooze the pair's buttons become 'Snoozed until …'; other reports' buttons stay."""
    digest = ManagerDigest("T0001", "UMARIA", "maria", "2026-12",
                           agendas=(CASES["all_on_track"], replace(CASES["no_okrs"], report_id="ULENA", nudge_id=43)))
    blocks = manager_messages(digest)[0].blocks
    after = snoozed(blocks, "nudge.actions.42", datetime(2026, 12, 23, 9, tzinfo=UTC))
    ids = [b.get("block_id") for b in after if b["type"] == "actions"]
    assert ids == ["nudge.actions.43"]
    assert "Snoozed until <!date^1798016400^" in json.dumps(after)


def test_key_result_lines_say_their_status_and_read_lower_is_better_naturally() -> None:
    """Each line names its status in words beside the dot; a key result going down reads "value, target"."""
    from dataclasses import replace

    from bot.blocks.agenda import kr_line

    latency = replace(kr(1, "off_track", title="p99 latency"), start=3000, current=2400, target=1200, unit="ms")
    line = kr_line(latency, with_objective=False)
    assert line.startswith(":red_circle: Off track: *p99 latency*")
    assert line.endswith("2,400 ms, target 1,200 ms")
def test_an_agenda_attaches_to_the_pairs_next_one_on_one_instead_of_offering_schedule() -> None:
    """With an accepted next 1-on-1: its time and 'Add talking point' for it, no Schedule; without: Schedule."""
    from bot.ids import SharedAction

    def action_ids(blocks: list[dict]) -> list[str]:
        return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]

    attached = agenda_blocks(agenda(next_one_on_one_id=42, next_one_on_one_at=datetime(2026, 12, 17, 9, tzinfo=UTC)))
    assert SharedAction.SCHEDULE_ONE_ON_ONE not in action_ids(attached)
    assert SharedAction.ADD_TALKING_POINT in action_ids(attached)
    assert "next 1-on-1 <!date^" in json.dumps(attached)
    alone = agenda_blocks(agenda())
    assert SharedAction.SCHEDULE_ONE_ON_ONE in action_ids(alone)
    assert SharedAction.ADD_TALKING_POINT not in action_ids(alone)
