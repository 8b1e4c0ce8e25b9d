"""Block Kit of 1-on-1s: golden JSON (paste into Block Kit Builder), Slack's limits, escaping, no stale buttons.

Regenerate the golden files with `UPDATE_GOLDEN=1 pytest tests/unit/one_on_ones`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import pytest

from bot.blocks import one_on_ones as blocks
from bot.sandbox.slack.blockkit import block_errors, view_errors
from bot.views.one_on_ones import (
    HomeView,
    KeyResultLine,
    NoteView,
    ObjectiveLine,
    ObjectiveOption,
    OneOnOneAction,
    OneOnOneView,
    RequestForm,
    ScheduleForm,
    TaskView,
)
from tests.support.golden import check_golden

GOLDEN = Path(__file__).parent / "golden"
AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)

OBJECTIVE = ObjectiveLine(7, "Hire a strong platform team", "2026-Q4", "off_track", (
    KeyResultLine("Engineers hired", "off_track", 0.25, 1, 4, "people"),
    KeyResultLine("Onboarding guide written", "ahead", 1.0, 1, 1, ""),
))
TASKS = (
    TaskView(1, 5, "Draft the hiring plan", "URAVI", "UMARIA", date(2026, 11, 30), False, 1, "URAVI", "UMARIA"),
    TaskView(2, 5, "Book the offsite", "UMARIA", "UMARIA", None, True, 0, "URAVI", "UMARIA"),
)
REQUEST = OneOnOneView(
    id=5, team_id="T0001", requester_id="URAVI", requester_name="ravi", manager_id="UMARIA", manager_name="maria",
    topic="Q4 hiring plan", urgency="this_week", state="requested", requested_at=datetime(2026, 11, 16, 9, tzinfo=UTC),
    proposed_at=AT, agreed_at=None, answered_at=None, done_at=None, objectives=(OBJECTIVE,),
    requester_tz="Asia/Kolkata", manager_tz="Europe/Berlin")
ACCEPTED = replace(REQUEST, state="accepted", agreed_at=AT, answered_at=datetime(2026, 11, 16, 10, tzinfo=UTC),
                   tasks=TASKS, notes=(NoteView(1, 5, "UMARIA", "Budget approved for two roles", False, AT),))


golden = partial(check_golden, GOLDEN)


def ids(message: list[dict]) -> set[str]:
    found = set()
    for block in message:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if isinstance(element, dict) and "action_id" in element:
                found.add(element["action_id"])
    return found


MESSAGES = {
    "request_message": lambda: blocks.request_message(REQUEST),
    "request_message_accepted": lambda: blocks.request_message(ACCEPTED),
    "request_sent": lambda: blocks.request_sent(replace(REQUEST, manager_away_until=date(2026, 11, 20))),
    "answer_rescheduled": lambda: blocks.answer_message(replace(REQUEST, state="rescheduled",
                                                               answer_note="I'm travelling that week")),
    "answer_declined": lambda: blocks.answer_message(replace(REQUEST, state="declined", answer_note="On leave")),
    "reminder": lambda: blocks.reminder_message(REQUEST, 3),
    "pair_message": lambda: blocks.pair_message(ACCEPTED),
    "summary_request": lambda: blocks.summary_request(ACCEPTED, "URAVI"),
    "usage": blocks.usage,
}
MODALS = {
    "request_modal": lambda: blocks.request_modal(RequestForm("UPAT", None, True, (ObjectiveOption(7, "Hire"),),
                                                              "Europe/London", "2026-Q4", "Budget")),
    "schedule_modal": lambda: blocks.schedule_modal(ScheduleForm("UMARIA", "URAVI", "ravi", "Europe/Berlin", ())),
    "reschedule_modal": lambda: blocks.reschedule_modal(REQUEST),
    "decline_modal": lambda: blocks.decline_modal(REQUEST),
    "note_modal": lambda: blocks.note_modal(ACCEPTED, "URAVI"),
    "task_modal": lambda: blocks.task_modal(ACCEPTED),
    "summary_modal": lambda: blocks.summary_modal(replace(ACCEPTED, state="done"), "URAVI"),
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_matches_golden_and_slacks_rules(name: str) -> None:
    """Each message is what the golden file shows, and Slack would accept it."""
    message = MESSAGES[name]()
    assert block_errors(message) == []
    golden(name, {"blocks": message})


@pytest.mark.parametrize("name", sorted(MODALS))
def test_modal_matches_golden_and_slacks_rules(name: str) -> None:
    """Each modal is what the golden file shows, and Slack would accept it."""
    view = MODALS[name]()
    assert view_errors(view, kind="modal") == []
    golden(name, view)


def test_home_section_matches_golden() -> None:
    """The Home section: an answer due, an upcoming 1-on-1 with notes (private marked), open tasks."""
    home = HomeView("UMARIA", awaiting_answer=(replace(REQUEST, id=6, requester_id="ULENA"),), upcoming=(replace(
        ACCEPTED, notes=(*ACCEPTED.notes, NoteView(2, 5, "UMARIA", "Ask about the move", True, AT))),),
        open_tasks=(TASKS[0],), manager_id=None)
    section = blocks.home_section(home, 16)
    assert len(section) <= 16 and block_errors(section, limit=100) == []
    golden("home_section", {"blocks": section})


def test_answered_requests_have_no_buttons() -> None:
    """Once answered, the manager's DM shows the outcome and no Accept/Decline to click into a contradiction."""
    for state in ("accepted", "declined", "rescheduled", "cancelled", "done"):
        assert not ids(blocks.request_message(replace(REQUEST, state=state))) & {
            OneOnOneAction.ACCEPT, OneOnOneAction.DECLINE, OneOnOneAction.RESCHEDULE}


def test_user_text_is_escaped() -> None:
    """A topic trying to ping the channel or forge a link is shown as text."""
    text = json.dumps(blocks.request_message(replace(REQUEST, topic="<!channel> <https://evil|click>")))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_notification_fallbacks_are_escaped() -> None:
    """The top-level `text` of the request DM, the answer and the pair's message carry no control sequences."""
    from bot.blocks.one_on_ones_module import pair_text

    tricky = replace(REQUEST, topic="R&D <!channel> budget > 5k", requester_name="A<b>", manager_name="M&M")
    texts = [blocks.request_text(tricky), blocks.answer_text(tricky), pair_text(tricky)]
    assert all("<" not in t and ">" not in t for t in texts), texts
    assert "R&amp;D &lt;!channel&gt; budget &gt; 5k" in texts[0]
    assert "M&amp;M" in texts[1] and "A&lt;b&gt; &amp; M&amp;M" in texts[2]


def test_a_huge_one_on_one_stays_within_50_blocks() -> None:
    """100 tasks and many notes: the pair message keeps under Slack's 50 blocks, buttons included."""
    many = tuple(replace(TASKS[0], id=i, text=f"Task {i}") for i in range(100))
    notes = tuple(NoteView(i, 5, "URAVI", "n" * 2000, False, AT) for i in range(30))
    message = blocks.pair_message(replace(ACCEPTED, tasks=many, notes=notes, topic="t" * 2000))
    assert len(message) <= 50 and block_errors(message) == []
    assert OneOnOneAction.MARK_DONE in ids(message)


def test_home_section_respects_its_budget_and_keeps_the_request_button() -> None:
    """Ten requests to answer in 8 blocks: cut, with the 'Request a 1-on-1' button still last."""
    home = HomeView("UMARIA", awaiting_answer=tuple(replace(REQUEST, id=i) for i in range(10)))
    section = blocks.home_section(home, 8)
    assert len(section) == 8 and section[-1]["elements"][0]["action_id"] == "1on1.request.open"


def test_a_done_pair_message_has_no_buttons_but_the_summaries() -> None:
    """Done: no Add note/Add task/Mark done; each summary is shown with its author."""
    message = blocks.pair_message(replace(ACCEPTED, state="done", done_at=AT, requester_summary="Two roles"))
    assert not ids(message) & {OneOnOneAction.ADD_NOTE, OneOnOneAction.ADD_TASK, OneOnOneAction.MARK_DONE}
    assert "<@URAVI>: _Two roles_" in json.dumps(message)


def test_the_top_of_the_tree_is_not_offered_a_request() -> None:
    """Someone with reports and no manager has nobody to ask: no "Request a 1-on-1" button in their Home."""
    top = blocks.home_section(HomeView("UMARIA", manager_id=None, has_reports=True), 8)
    report = blocks.home_section(HomeView("URAVI", manager_id="UMARIA"), 8)
    assert "1on1.request.open" not in json.dumps(top) and "report to you" not in json.dumps(report)
    assert "1on1.request.open" in json.dumps(report)


def test_summaries_of_done_one_on_ones_show_in_the_home() -> None:
    """A done 1-on-1's summaries are in both people's Home, with their authors."""
    done = replace(ACCEPTED, state="done", done_at=AT, requester_summary="Two roles", manager_summary="Hire in Q1")
    text = json.dumps(blocks.home_section(HomeView("URAVI", recent=(done,), manager_id="UMARIA"), 16),
                      ensure_ascii=False)
    assert "Summary · <@URAVI>: Two roles" in text and "Summary · <@UMARIA>: Hire in Q1" in text
