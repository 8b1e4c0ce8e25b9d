"""End to end: Draft summary after a 1-on-1 and Draft what to raise on the prepare DM, through signed HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.sandbox.fake_llm import CANNED, FakeLlm
from bot.views.llm import LlmAction, LlmView
from bot.views.one_on_ones import OneOnOneAction
from storage.models import CheckIn, KeyResult, Objective
from storage.models_one_on_ones import OneOnOne, Task
from tests.e2e.one_on_ones.flow import request_and_accept
from tests.support.reading import action_ids, click, dm, dms, eventually, messages_with, modal, rows, submit, text_of
from tests.support.stack import REPORTS_OF_MARIA, TEAM, Stack


def test_draft_summary_is_edited_then_saved_with_its_action_items(with_model: Stack, fake_llm: FakeLlm) -> None:
    """Mark done → Draft summary → a draft without private notes → edited and saved: summary + 2 tasks."""
    stack = with_model
    stack.set_manager("URAVI", "UMARIA")  # a request to one's own manager goes out at once
    one_on_one_id, group, ts = request_and_accept(stack)
    notes = stack.services.one_on_ones.module
    notes.add_note(team_id=TEAM, one_on_one_id=one_on_one_id, actor="URAVI", text="Hiring two roles", private=False)
    notes.add_note(team_id=TEAM, one_on_one_id=one_on_one_id, actor="UMARIA", text="PRIVATE-DOUBTS", private=True)
    stack.deliver()
    click(stack, "UMARIA", group, stack.slack.message(group, ts), OneOnOneAction.MARK_DONE)
    stack.deliver()
    ask = eventually(lambda: next(iter(messages_with(stack, dm(stack, "UMARIA"), LlmAction.DRAFT_SUMMARY)), None))
    assert OneOnOneAction.WRITE_SUMMARY in action_ids(ask)
    before = len(rows(stack, Task))
    click(stack, "UMARIA", dm(stack, "UMARIA"), ask, LlmAction.DRAFT_SUMMARY)
    draft = modal(stack, "UMARIA", LlmView.SUMMARY)
    sent = fake_llm.requests[-1]["messages"][1]["content"]
    assert "Hiring two roles" in sent and "PRIVATE-DOUBTS" not in sent
    assert CANNED["summary"]["summary"] in str(draft)
    assert len(rows(stack, Task)) == before and rows(stack, OneOnOne)[0].manager_summary == ""
    submit(stack, "UMARIA", draft, {"summary": "Two roles approved", "action_items": "Post both roles\nBrief HR",
                                    "assignee": "URAVI"})
    eventually(lambda: rows(stack, OneOnOne)[0].manager_summary == "Two roles approved")
    added = [(t.text, t.assignee_id) for t in rows(stack, Task)[before:]]
    assert added == [("Post both roles", "URAVI"), ("Brief HR", "URAVI")]


def test_draft_what_to_raise_from_the_prepare_dm(with_model: Stack, fake_llm: FakeLlm) -> None:
    """The report's prepare DM has Draft what to raise; clicking it shows points from their own OKR status."""
    stack = with_model
    stack.clock.travel_to(datetime(2026, 12, 14, 12, tzinfo=UTC))
    for report in REPORTS_OF_MARIA:
        stack.set_manager(report, "UMARIA")
    at = datetime(2026, 10, 1, tzinfo=UTC)
    with stack.sessions.begin() as session:
        objective = Objective(team_id=TEAM, owner_id="URAVI", quarter="2026-Q4", title="Grow the community",
                              created_at=at, updated_at=at)
        session.add(objective)
        session.flush()
        kr = KeyResult(team_id=TEAM, objective_id=objective.id, title="Meetup attendees", start_value=0,
                       target_value=100, current_value=10, status="off_track", updated_at=at)
        session.add(kr)
        session.flush()
        session.add(CheckIn(team_id=TEAM, key_result_id=kr.id, author_id="URAVI", value=10, status="off_track",
                            obstacles="No venue yet", created_at=datetime(2026, 12, 5, tzinfo=UTC)))
    stack.clock.travel_to(datetime(2026, 12, 15, 9, tzinfo=UTC))
    stack.services.nudges.scan()
    stack.deliver(30)
    assert fake_llm.requests == []  # the scan never calls the model
    [prepare] = dms(stack, "URAVI")
    assert LlmAction.DRAFT_PREPARE in action_ids(prepare)
    click(stack, "URAVI", dm(stack, "URAVI"), prepare, LlmAction.DRAFT_PREPARE)
    shown = eventually(lambda: next((v for v in stack.slack.open_views("URAVI")
                                     if v["title"]["text"] == "Draft what to raise"
                                     and "What you could raise" in text_of(v)), None))
    assert CANNED["prepare"]["points"][0].split("&")[0] in text_of(shown)
    assert "Meetup attendees" in fake_llm.requests[-1]["messages"][1]["content"]
