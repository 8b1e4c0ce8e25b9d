"""End to end: Suggest next steps → pick, through signed HTTP, the loopback Slack and the loopback model stand-in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.sandbox.fake_llm import LABEL, FakeLlm
from bot.views.llm import LlmAction, LlmView
from bot.views.okrs import OkrView, checkin_field
from storage.models import CheckIn, KeyResult
from storage.models_one_on_ones import OneOnOne, Task
from tests.e2e.home.test_home_e2e import open_home
from tests.e2e.okrs.flow import create, okr
from tests.support.reading import eventually, listeners_done, modal, rows, submit, text_of
from tests.support.stack import TEAM, Stack, start_stack

MID_NOVEMBER = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def llm_stack(with_model: Stack) -> Stack:
    """okrbot with the stand-in model configured; Ravi reports to Maria, has an off-track key result and an
    accepted 1-on-1 with her."""
    with_model.clock.travel_to(MID_NOVEMBER)
    arrange(with_model)
    return with_model


def arrange(stack: Stack) -> None:
    """Reporting line, one off-track key result with an obstacle, an accepted 1-on-1."""
    for report in ("URAVI", "ULENA", "UTOM"):
        stack.set_manager(report, "UMARIA")
    objective = create(stack, "URAVI", "Grow activation", krs=(("Activated teams", 0, 40),))
    kr = objective.key_results[0]
    stack.services.okrs.check_in(team_id=TEAM, user_id="URAVI", objective_id=objective.id, batch_id="B1", values={
        checkin_field(kr.id, "value"): "4", checkin_field(kr.id, "status"): "off_track",
        checkin_field(kr.id, "obstacles"): "Analytics events are missing", checkin_field(kr.id, "next_steps"): ""})
    with stack.sessions.begin() as session:
        session.add(OneOnOne(team_id=TEAM, requester_id="URAVI", manager_id="UMARIA", topic="Activation",
                             state="accepted", requested_at=MID_NOVEMBER))
    stack.deliver()


def kr_id(stack: Stack) -> int:
    """The one key result."""
    return rows(stack, KeyResult)[0].id


def click_in_view(stack: Stack, user: str, view: dict[str, Any], action_id: str, value: str) -> None:
    """`user` clicks a button of `view` (Home tab or modal)."""
    assert stack.send.action(TEAM, user, [{"action_id": action_id, "value": value}], view=view).status == 200


def steps_view(stack: Stack, user: str) -> dict[str, Any]:
    """The suggested-steps modal once the model's answer replaced the thinking modal."""
    return modal(stack, user, LlmView.STEPS)


def test_a_manager_picks_a_suggested_step_as_a_task_from_the_leader_view(llm_stack: Stack,
                                                                         fake_llm: FakeLlm) -> None:
    """Home → Suggest next steps → three escaped steps, nothing stored → Use it → one task for Ravi."""
    home = open_home(llm_stack, "UMARIA")
    assert LlmAction.SUGGEST in str(home) and "Privacy: language model" in text_of(home)
    assert "127.0.0.1" in text_of(home)
    click_in_view(llm_stack, "UMARIA", home, LlmAction.SUGGEST, str(kr_id(llm_stack)))
    view = steps_view(llm_stack, "UMARIA")
    opened = [str(c.args.get("view")) for c in llm_stack.slack.calls_to("views.open")]
    assert any("Asking the language model" in v for v in opened)  # shown at once, replaced by views.update
    shown = text_of(view)
    assert shown.count(LABEL) >= 3 and "&amp;" in shown and " & " not in shown.split("Pick one")[0]
    assert "Analytics events are missing" in fake_llm.requests[-1]["messages"][1]["content"]
    assert rows(llm_stack, Task) == []
    submit(llm_stack, "UMARIA", view, {"llm.step": "1", "llm.destination": "task"})
    tasks = eventually(lambda: rows(llm_stack, Task) or None)
    assert [(t.text, t.assignee_id) for t in tasks] == [(fake_llm_steps()[1], "URAVI")]
    assert "Added as a task" in text_of(llm_stack.slack.open_views("UMARIA")[-1])


def fake_llm_steps() -> list[str]:
    """The stand-in's canned steps."""
    from bot.sandbox.fake_llm import CANNED

    return CANNED["next_steps"]["steps"]


def test_the_owner_puts_a_step_into_the_check_in_and_it_is_saved_only_with_the_check_in(llm_stack: Stack) -> None:
    """/okr checkin → Suggest (pushed) → Use it for my check-in → the form is pre-filled; the check-in stores it."""
    okr(llm_stack, "URAVI", "checkin")
    form = modal(llm_stack, "URAVI", OkrView.CHECKIN)
    click_in_view(llm_stack, "URAVI", form, LlmAction.SUGGEST, str(kr_id(llm_stack)))
    view = steps_view(llm_stack, "URAVI")
    before = len(rows(llm_stack, CheckIn))
    submit(llm_stack, "URAVI", view, {"llm.step": "0", "llm.destination": "checkin"})
    prefilled = llm_stack.slack.open_views("URAVI")[-1]
    assert prefilled["callback_id"] == OkrView.CHECKIN
    assert fake_llm_steps()[0] in str(prefilled)
    assert len(rows(llm_stack, CheckIn)) == before
    kr = kr_id(llm_stack)
    submit(llm_stack, "URAVI", prefilled, {checkin_field(kr, "value"): "6", checkin_field(kr, "status"): "off_track",
                                           checkin_field(kr, "next_steps"): fake_llm_steps()[0]})
    stored = eventually(lambda: rows(llm_stack, CheckIn)[before:] or None)
    assert [c.next_steps for c in stored] == [fake_llm_steps()[0]]


def test_a_slow_model_gives_the_clear_message_and_what_was_sent(llm_stack: Stack, fake_llm: FakeLlm) -> None:
    """A model slower than OKRBOT_LLM_TIMEOUT: the modal says so; What was sent shows the exact prompt."""
    fake_llm.mode, fake_llm.delay = "slow", 3.0
    home = open_home(llm_stack, "UMARIA")
    click_in_view(llm_stack, "UMARIA", home, LlmAction.SUGGEST, str(kr_id(llm_stack)))
    failed = eventually(lambda: next((v for v in llm_stack.slack.open_views("UMARIA")
                                      if "did not answer within 1 s" in text_of(v)), None), timeout=10)
    sent_button = next(e for b in failed["blocks"] if b["type"] == "actions" for e in b["elements"])
    click_in_view(llm_stack, "UMARIA", failed, LlmAction.WHAT_WAS_SENT, sent_button["value"])
    shown = eventually(lambda: next((v for v in llm_stack.slack.open_views("UMARIA")
                                     if v["title"]["text"] == "What was sent"), None))
    assert "Analytics events are missing" in text_of(shown) and "sk-e2e" not in text_of(shown)
    assert rows(llm_stack, Task) == []


def test_without_a_model_no_button_is_shown(stack: Stack) -> None:
    """No OKRBOT_LLM_URL: neither the leader view nor the check-in form offers a suggestion or a privacy part."""
    stack.clock.travel_to(MID_NOVEMBER)
    arrange(stack)
    home = open_home(stack, "UMARIA")
    okr(stack, "URAVI", "checkin")
    form = modal(stack, "URAVI", OkrView.CHECKIN)
    assert "llm." not in str(home) + str(form)
    assert "language model" not in text_of(home)


def test_slow_model_calls_never_hold_up_bolts_listeners(db_url: str, fake_llm: FakeLlm) -> None:
    """More clicks than Bolt has listener threads, on a model that takes 5 s: Bolt's pool stays free."""
    fake_llm.mode, fake_llm.delay = "slow", 5.0
    stack = start_stack(db_url, env={"OKRBOT_LLM_URL": fake_llm.url, "OKRBOT_LLM_MODEL": "stub",
                                     "OKRBOT_LLM_TIMEOUT": "30"})
    try:
        stack.clock.travel_to(MID_NOVEMBER)
        arrange(stack)
        home = open_home(stack, "UMARIA")
        for _ in range(6):
            click_in_view(stack, "UMARIA", home, LlmAction.SUGGEST, str(kr_id(stack)))
        eventually(lambda: len(fake_llm.requests) >= 4)  # four model calls are running right now
        listeners_done(stack, timeout=2.0)  # yet every Bolt listener has finished
        assert rows(stack, Task) == []
    finally:
        stack.close()
