"""What reaches the model: only fields the acting person may read (storage/privacy.py), never a private string.

Every feature is run as each person who may use it, against the loopback stand-in; the test then reads what
the stand-in received. A private string seeded in every private place (tests/service/llm/conftest.py) must
never be there; the allowed facts must be.
"""

from __future__ import annotations

import pytest

from bot.services.core.errors import UserFacingError
from tests.service.llm.conftest import OWNER_DM_REPLY, SECRETS, Env


def run_every_feature(env: Env, ids: dict[str, int]) -> None:
    """Suggest (owner and manager, both key results), draft the summary (both), draft what to raise (Ravi)."""
    for actor in ("URAVI", "UMARIA"):
        env.service.suggest_steps(team_id=env.team, actor=actor, key_result_id=ids["kr"])
        env.service.suggest_steps(team_id=env.team, actor=actor, key_result_id=ids["dm_kr"])
        env.service.draft_summary(team_id=env.team, actor=actor, one_on_one_id=ids["pair"])
    env.service.draft_prepare(team_id=env.team, actor="URAVI")


def test_no_private_string_ever_reaches_the_model(env: Env) -> None:
    """Private notes, feedback, kudos, other pairs' 1-on-1s and other workspaces never appear in a prompt."""
    ids = env.world()
    run_every_feature(env, ids)
    sent = env.llm.sent_text()
    assert len(env.llm.requests) == 7
    assert [s for s in SECRETS if s in sent] == []


def test_the_allowed_facts_do_reach_the_model(env: Env) -> None:
    """The key result, its obstacle and age, check-ins, OKR thread, shared notes, tasks and 1-on-1 thread are sent."""
    ids = env.world()
    run_every_feature(env, ids)
    suggest, summary = env.llm.requests[0]["messages"][1]["content"], env.llm.requests[2]["messages"][1]["content"]
    for fact in ("Grow activation", "Activated teams", "6 of target 40", "Status: off track",
                 "Obstacle (4 days old): Still waiting on analytics & <tracking>", "next steps: Escalate to Maria",
                 "Ask data team for events", "lena: I can help with the tracking plan"):
        assert fact in suggest
    for fact in ("Activation plan", "We agreed to ship tracking first", "Draft the tracking plan",
                 "Let's revisit in two weeks"):
        assert fact in summary
    prepare = env.llm.requests[-1]["messages"][1]["content"]
    assert "Activated teams" in prepare and "Draft the tracking plan" in prepare


def test_an_owner_dm_thread_reaches_the_model_only_for_its_owner(env: Env) -> None:
    """Replies in an OKR thread in Ravi's DM are in Ravi's prompt, never in his manager's."""
    ids = env.world()
    env.service.suggest_steps(team_id=env.team, actor="URAVI", key_result_id=ids["dm_kr"])
    env.service.suggest_steps(team_id=env.team, actor="UMARIA", key_result_id=ids["dm_kr"])
    mine, managers = (r["messages"][1]["content"] for r in env.llm.requests)
    assert OWNER_DM_REPLY in mine
    assert OWNER_DM_REPLY not in managers


@pytest.mark.parametrize(("actor", "what"), [("ULENA", "kr"), ("UTOM", "pair"), ("URAVI", "lena_kr"),
                                             ("URAVI", "other_kr")])
def test_people_without_the_right_get_a_refusal_and_nothing_is_sent(env: Env, actor: str, what: str) -> None:
    """A peer, a stranger to the 1-on-1, or an id of another workspace: refused before any prompt is built."""
    ids = env.world()
    with pytest.raises(UserFacingError):
        if what == "pair":
            env.service.draft_summary(team_id=env.team, actor=actor, one_on_one_id=ids[what])
        else:
            env.service.suggest_steps(team_id=env.team, actor=actor, key_result_id=ids[what])
    assert env.llm.requests == []
