"""The language-model services on SQLite and PostgreSQL, with the loopback Slack and the loopback model stand-in.

`world` seeds one workspace as people would have used it, plus a private string in every private place
(SECRETS): private notes (both authors), feedback and feedback requests, kudos, another pair's 1-on-1
(summaries, shared notes, tasks, thread), an OKR thread in the owner's DM, and another workspace's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.sandbox.fake_llm import FakeLlm
from storage.models import CheckIn, KeyResult, Objective, OkrComment, Person
from storage.models_feedback import Feedback, FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import ConversationMessage, Note, OneOnOne, Task
from tests.support.service_env import ServiceEnv, start_env

MID_NOVEMBER = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
OTHER_TEAM = "T9999"
SECRETS = (
    "SECRET-PRIVATE-NOTE-BY-RAVI", "SECRET-PRIVATE-NOTE-BY-MARIA", "SECRET-FEEDBACK-TO-RAVI",
    "SECRET-FEEDBACK-TO-MARIA", "SECRET-FEEDBACK-REQUEST", "SECRET-KUDOS-MESSAGE", "SECRET-OTHER-PAIR-SUMMARY-R",
    "SECRET-OTHER-PAIR-SUMMARY-M", "SECRET-OTHER-PAIR-NOTE", "SECRET-OTHER-PAIR-TASK", "SECRET-OTHER-PAIR-THREAD",
    "SECRET-OTHER-TEAM-OBJECTIVE", "SECRET-OTHER-TEAM-KR", "SECRET-OTHER-TEAM-NOTE", "SECRET-OTHER-TEAM-CHECKIN",
    "SECRET-OTHER-TEAM-REPLY", "SECRET-LENA-OBJECTIVE", "SECRET-THIS-PAIR-SUMMARY-EARLIER",
)
OWNER_DM_REPLY = "OWNER-ONLY-DM-REPLY"  # readable by Ravi (his DM), never sent when Maria asks


@dataclass
class Env(ServiceEnv):
    """Services with the model stand-in (`env.llm`) and the seeded ids."""

    llm: FakeLlm | None = None
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def service(self) -> Any:
        """The service under test."""
        return self.services.llm

    def world(self) -> dict[str, int]:
        """Seed the workspace (and another one) with allowed facts and a secret in every private place."""
        now, team = self.clock(), self.team
        earlier = now - timedelta(days=9)
        obj = Objective(team_id=team, owner_id="URAVI", quarter="2026-Q4", title="Grow activation",
                        channel_id="COKRS", message_ts="100.1", created_at=earlier, updated_at=earlier)
        obj.key_results = [KeyResult(team_id=team, title="Activated teams", position=0, start_value=0,
                                     target_value=40, current_value=6, status="off_track", updated_at=earlier)]
        dm_obj = Objective(team_id=team, owner_id="URAVI", quarter="2026-Q4", title="Write the funnel spec",
                           channel_id="DRAVI", message_ts="100.2", created_at=earlier, updated_at=earlier)
        dm_obj.key_results = [KeyResult(team_id=team, title="Spec reviewed", position=0, start_value=0,
                                        target_value=1, current_value=0, status="off_track", updated_at=earlier)]
        lena_obj = Objective(team_id=team, owner_id="ULENA", quarter="2026-Q4", title="SECRET-LENA-OBJECTIVE",
                             created_at=earlier, updated_at=earlier)
        lena_obj.key_results = [KeyResult(team_id=team, title="Lena KR", position=0, start_value=0, target_value=1,
                                          current_value=0, updated_at=earlier)]
        other_obj = Objective(team_id=OTHER_TEAM, owner_id="URAVI", quarter="2026-Q4",
                              title="SECRET-OTHER-TEAM-OBJECTIVE", channel_id="COKRS", message_ts="100.1",
                              created_at=earlier, updated_at=earlier)
        other_obj.key_results = [KeyResult(team_id=OTHER_TEAM, title="SECRET-OTHER-TEAM-KR", position=0,
                                           start_value=0, target_value=1, current_value=0, status="off_track",
                                           updated_at=earlier)]
        self.add(obj, dm_obj, lena_obj, other_obj,
                 Person(team_id=OTHER_TEAM, user_id="URAVI", name="Ravi elsewhere", manager_id="UMARIA"),
                 Person(team_id=OTHER_TEAM, user_id="UMARIA", name="Maria elsewhere"))
        kr, dm_kr, other_kr = obj.key_results[0], dm_obj.key_results[0], other_obj.key_results[0]
        self.add(
            CheckIn(team_id=team, key_result_id=kr.id, author_id="URAVI", value=4, status="off_track",
                    obstacles="Analytics events are missing", next_steps="Ask data team for events",
                    created_at=earlier),
            CheckIn(team_id=team, key_result_id=kr.id, author_id="URAVI", value=6, status="off_track",
                    obstacles="Still waiting on analytics & <tracking>", next_steps="Escalate to Maria",
                    created_at=now - timedelta(days=4)),
            CheckIn(team_id=OTHER_TEAM, key_result_id=other_kr.id, author_id="URAVI", value=0,
                    obstacles="SECRET-OTHER-TEAM-CHECKIN", created_at=earlier),
            OkrComment(team_id=team, objective_id=obj.id, kind="reply", user_id="ULENA", channel_id="COKRS",
                       message_ts="101.1", text="I can help with the tracking plan", created_at=earlier),
            OkrComment(team_id=team, objective_id=dm_obj.id, kind="reply", user_id="URAVI", channel_id="DRAVI",
                       message_ts="101.2", text=OWNER_DM_REPLY, created_at=earlier),
            OkrComment(team_id=OTHER_TEAM, objective_id=other_obj.id, kind="reply", user_id="URAVI",
                       channel_id="COKRS", message_ts="101.1", text="SECRET-OTHER-TEAM-REPLY", created_at=earlier),
        )
        pair = OneOnOne(team_id=team, requester_id="URAVI", manager_id="UMARIA", topic="Activation plan",
                        state="done", requested_at=earlier, done_at=now - timedelta(hours=1))
        earlier_pair = OneOnOne(team_id=team, requester_id="URAVI", manager_id="UMARIA", topic="October",
                                state="done", requested_at=earlier - timedelta(days=30), done_at=earlier,
                                requester_summary="SECRET-THIS-PAIR-SUMMARY-EARLIER")
        following = OneOnOne(team_id=team, requester_id="URAVI", manager_id="UMARIA", topic="December",
                             state="accepted", requested_at=now)
        other_pair = OneOnOne(team_id=team, requester_id="ULENA", manager_id="UMARIA", topic="Lena's growth",
                              state="done", requested_at=earlier, done_at=earlier,
                              requester_summary="SECRET-OTHER-PAIR-SUMMARY-R",
                              manager_summary="SECRET-OTHER-PAIR-SUMMARY-M")
        other_team_pair = OneOnOne(team_id=OTHER_TEAM, requester_id="URAVI", manager_id="UMARIA", topic="x",
                                   state="done", requested_at=earlier)
        self.add(pair, earlier_pair, following, other_pair, other_team_pair)
        self.add(
            Note(team_id=team, one_on_one_id=pair.id, author_id="URAVI", text="We agreed to ship tracking first",
                 private=False, created_at=now),
            Note(team_id=team, one_on_one_id=pair.id, author_id="URAVI", text="SECRET-PRIVATE-NOTE-BY-RAVI",
                 private=True, created_at=now),
            Note(team_id=team, one_on_one_id=pair.id, author_id="UMARIA", text="SECRET-PRIVATE-NOTE-BY-MARIA",
                 private=True, created_at=now),
            Note(team_id=team, one_on_one_id=other_pair.id, author_id="ULENA", text="SECRET-OTHER-PAIR-NOTE",
                 private=False, created_at=now),
            Note(team_id=OTHER_TEAM, one_on_one_id=other_team_pair.id, author_id="URAVI",
                 text="SECRET-OTHER-TEAM-NOTE", private=False, created_at=now),
            Task(team_id=team, one_on_one_id=pair.id, assignee_id="URAVI", author_id="UMARIA",
                 text="Draft the tracking plan", created_at=now),
            Task(team_id=team, one_on_one_id=other_pair.id, assignee_id="ULENA", author_id="UMARIA",
                 text="SECRET-OTHER-PAIR-TASK", created_at=now),
            ConversationMessage(team_id=team, one_on_one_id=pair.id, user_id="UMARIA", channel_id="DPAIR",
                                message_ts="200.1", text="Let's revisit in two weeks", created_at=now),
            ConversationMessage(team_id=team, one_on_one_id=other_pair.id, user_id="ULENA", channel_id="DLENA",
                                message_ts="200.2", text="SECRET-OTHER-PAIR-THREAD", created_at=now),
            Feedback(team_id=team, giver_id="ULENA", receiver_id="URAVI", text="SECRET-FEEDBACK-TO-RAVI",
                     visibility="private+manager", created_at=now),
            Feedback(team_id=team, giver_id="URAVI", receiver_id="UMARIA", text="SECRET-FEEDBACK-TO-MARIA",
                     created_at=now),
            FeedbackRequest(team_id=team, requester_id="UMARIA", giver_id="URAVI", about="SECRET-FEEDBACK-REQUEST",
                            created_at=now),
            Kudos(team_id=team, giver_id="ULENA", receiver_id="URAVI", message="SECRET-KUDOS-MESSAGE",
                  source="command", channel_id="CKUDOS", message_ts="300.1", giver_local_day=now.date(),
                  created_at=now),
        )
        self.ids = {"kr": kr.id, "dm_kr": dm_kr.id, "objective": obj.id, "pair": pair.id, "following": following.id,
                    "other_pair": other_pair.id, "other_kr": other_kr.id, "lena_kr": lena_obj.key_results[0].id}
        return self.ids


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """okrbot's services with the model stand-in configured; Ravi, Lena and Tom report to Maria."""
    fake = FakeLlm().start()
    running = start_env(Env, db_url, at=MID_NOVEMBER, OKRBOT_LLM_URL=fake.url, OKRBOT_LLM_MODEL="stub",
                        OKRBOT_LLM_API_KEY="sk-test-key", OKRBOT_LLM_TIMEOUT="1")
    running.llm = fake
    try:
        yield running
    finally:
        running.close()
        fake.stop()
