"""The language-model use-cases: failures give a clear message, nothing changes until the person confirms,
"What was sent" is exactly the prompt and only its person's."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.sandbox.fake_llm import LABEL
from bot.services.core.errors import UserFacingError
from bot.services.llm.service import LlmFailed
from storage.models import CheckIn, KeyResult
from storage.models_llm import LlmExchange
from storage.models_one_on_ones import Note, OneOnOne, Task
from tests.service.llm.conftest import Env


def counts(env: Env) -> dict[str, int]:
    """How many rows of each kind a confirmation could change."""
    with env.sessions() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (CheckIn, Task, Note)} | {
            "summaries": session.scalar(select(func.count()).select_from(OneOnOne).where(
                (OneOnOne.requester_summary != "") | (OneOnOne.manager_summary != ""))),
            "values": int(sum(session.scalars(select(KeyResult.current_value))))}


def test_suggestions_are_three_labelled_steps_and_change_nothing(env: Env) -> None:
    """Suggest next steps returns the three steps and where they may go; no OKR, check-in or task changes."""
    ids = env.world()
    before = counts(env)
    suggestions = env.service.suggest_steps(team_id=env.team, actor="URAVI", key_result_id=ids["kr"])
    assert len(suggestions.steps) == 3 and all(s.startswith(LABEL) for s in suggestions.steps)
    assert suggestions.can_check_in and suggestions.one_on_one_id == ids["following"]
    assert counts(env) == before


@pytest.mark.parametrize(("mode", "kind", "words"), [
    ("slow", "timeout", "did not answer within 1 s"),
    ("fail", "unavailable", "could not be reached"),
    ("rate_limited", "rate_limited", "busy right now"),
    ("malformed", "bad_answer", "not in the expected form"),
])
def test_a_bad_endpoint_gives_the_clear_message_and_records_the_outcome(env: Env, mode: str, kind: str,
                                                                        words: str) -> None:
    """Slow, failing, rate-limited or malformed: LlmFailed with a readable message; the prompt is still viewable."""
    ids = env.world()
    env.llm.mode, env.llm.delay = mode, 3.0
    before = counts(env)
    with pytest.raises(LlmFailed) as caught:
        env.service.suggest_steps(team_id=env.team, actor="URAVI", key_result_id=ids["kr"])
    assert caught.value.kind == kind and words in caught.value.message
    assert counts(env) == before
    recorded = env.service.exchange(team_id=env.team, actor="URAVI", exchange_id=caught.value.exchange_id)
    assert recorded.outcome == kind


def test_what_was_sent_is_exactly_the_prompt_and_only_for_its_person(env: Env) -> None:
    """The recorded prompt equals what the stand-in received; nobody else may open it."""
    ids = env.world()
    suggestions = env.service.suggest_steps(team_id=env.team, actor="UMARIA", key_result_id=ids["kr"])
    recorded = env.service.exchange(team_id=env.team, actor="UMARIA", exchange_id=suggestions.exchange_id)
    sent = env.llm.requests[-1]["messages"]
    assert recorded.prompt == "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in sent)
    for stranger in ("URAVI", "ULENA"):
        with pytest.raises(UserFacingError):
            env.service.exchange(team_id=env.team, actor=stranger, exchange_id=suggestions.exchange_id)
    with pytest.raises(UserFacingError):
        env.service.exchange(team_id="T9999", actor="UMARIA", exchange_id=suggestions.exchange_id)


def test_picking_a_step_as_a_task_adds_it_to_the_pairs_open_one_on_one(env: Env) -> None:
    """The manager confirms a step as a task: one task for the owner in their open 1-on-1, nothing else."""
    ids = env.world()
    suggestions = env.service.suggest_steps(team_id=env.team, actor="UMARIA", key_result_id=ids["kr"])
    env.service.use_step(team_id=env.team, actor="UMARIA", key_result_id=ids["kr"], step=suggestions.steps[1],
                         destination="task", one_on_one_id=suggestions.one_on_one_id)
    tasks = [t for t in env.rows(Task) if t.one_on_one_id == ids["following"]]
    assert [(t.text, t.assignee_id, t.author_id) for t in tasks] == [(suggestions.steps[1], "URAVI", "UMARIA")]


def test_picking_a_step_for_the_check_in_stores_nothing_until_the_check_in(env: Env) -> None:
    """The owner picks a step for the check-in: the objective's form comes back, no check-in is stored."""
    ids = env.world()
    before = counts(env)
    choice = env.service.use_step(team_id=env.team, actor="URAVI", key_result_id=ids["kr"], step="Call the data team",
                                  destination="checkin", one_on_one_id=None)
    assert [o.id for o in choice.objectives] == [ids["objective"]]
    assert counts(env) == before


def test_only_the_owner_may_put_a_step_in_a_check_in(env: Env) -> None:
    """The manager cannot check in on the report's key result."""
    ids = env.world()
    with pytest.raises(UserFacingError):
        env.service.use_step(team_id=env.team, actor="UMARIA", key_result_id=ids["kr"], step="x",
                             destination="checkin", one_on_one_id=None)


def test_a_summary_draft_is_saved_only_as_edited(env: Env) -> None:
    """Draft changes nothing; saving stores the edited summary and one task per kept item; saving again adds none."""
    ids = env.world()
    before = counts(env)
    draft = env.service.draft_summary(team_id=env.team, actor="UMARIA", one_on_one_id=ids["pair"])
    assert draft.summary.startswith(LABEL) and len(draft.action_items) == 2
    assert counts(env) == before
    added = env.service.save_summary(team_id=env.team, actor="UMARIA", one_on_one_id=ids["pair"],
                                     summary="Tracking first, then the funnel", action_items=["Ship events", "  "],
                                     assignee="URAVI")
    assert added == 1
    with env.sessions() as session:
        pair = session.get(OneOnOne, ids["pair"])
        assert pair.manager_summary == "Tracking first, then the funnel" and pair.requester_summary == ""
    assert [t.text for t in env.rows(Task) if t.one_on_one_id == ids["pair"]] == ["Draft the tracking plan",
                                                                                   "Ship events"]
    again = env.service.save_summary(team_id=env.team, actor="UMARIA", one_on_one_id=ids["pair"],
                                     summary="Tracking first, then the funnel", action_items=["Ship events"],
                                     assignee="URAVI")
    assert again == 0 and len([t for t in env.rows(Task) if t.one_on_one_id == ids["pair"]]) == 2


def test_prepare_draft_lists_points_and_records_one_exchange(env: Env) -> None:
    """Draft what to raise: labelled points from one's own status; one recorded exchange."""
    env.world()
    draft = env.service.draft_prepare(team_id=env.team, actor="URAVI")
    assert draft.manager_id == "UMARIA" and draft.points and all(p.startswith(LABEL) for p in draft.points)
    assert [(e.user_id, e.task, e.outcome) for e in env.rows(LlmExchange)] == [("URAVI", "prepare", "ok")]


def test_without_a_model_every_feature_is_refused(env: Env) -> None:
    """No OKRBOT_LLM_URL: the service says so and sends nothing (the buttons are never shown either)."""
    ids = env.world()
    object.__setattr__(env.services.ctx.settings, "llm_url", None)
    assert not env.service.enabled and env.service.notice() is None
    with pytest.raises(UserFacingError, match="No language model"):
        env.service.suggest_steps(team_id=env.team, actor="URAVI", key_result_id=ids["kr"])
    assert env.llm.requests == []


def test_prompts_are_kept_thirty_days_then_purged(env: Env) -> None:
    """The purge job drops prompts older than 30 days; What was sent then says it no longer exists."""
    ids = env.world()
    old = env.service.suggest_steps(team_id=env.team, actor="URAVI", key_result_id=ids["kr"])
    env.clock.advance(days=20)
    recent = env.service.suggest_steps(team_id=env.team, actor="URAVI", key_result_id=ids["kr"])
    env.clock.advance(days=11)
    assert env.service.purge_exchanges() == 1
    assert env.service.exchange(team_id=env.team, actor="URAVI", exchange_id=recent.exchange_id).outcome == "ok"
    with pytest.raises(UserFacingError, match="no longer exists"):
        env.service.exchange(team_id=env.team, actor="URAVI", exchange_id=old.exchange_id)
