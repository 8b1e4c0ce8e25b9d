"""The quarter review's use-cases on SQLite and PostgreSQL: drafts, double submits, the review 1-on-1 and its
agenda, the manager's grade, carry-over (exactly one new objective), the prompt (once), privacy, the look back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.services import NotFound, UserFacingError
from bot.services.one_on_ones.rows import pair_key
from bot.services.review import agenda_key
from bot.views.review import ReviewBlock
from storage.models import KeyResult, Objective
from storage.models_delivery import OutboundMessage
from storage.models_one_on_ones import OneOnOne, TalkingPoint
from storage.models_review import ObjectiveReview, QuarterReview
from tests.service.review.conftest import Env
from tests.support.db import statements


def submitted(env: Env, owner: str = "URAVI", outcome: str = "partly") -> Any:
    """Ravi's review of 2026-Q4 with one objective, drafted and submitted."""
    env.objective(owner)
    review = env.review.open(team_id=env.team, user_id=owner, quarter="2026-Q4")
    env.save(review.objectives[0].id, user=owner, outcome=outcome)
    view, changed = env.review.submit(team_id=env.team, user_id=owner, review_id=review.id)
    assert changed
    return view


def test_a_draft_is_kept_encrypted_and_nobody_else_can_open_or_change_it(env: Env) -> None:
    objective = env.objective()
    env.check_in(objective, "A", days_ago=30, kr0={"value": "25", "obstacles": "Waiting for analytics"})
    env.check_in(objective, "B", days_ago=10, kr0={"value": "30", "obstacles": ""})
    review = env.review.open(team_id=env.team, user_id="URAVI", quarter="2026-Q4")
    part = review.objectives[0]
    assert review.state == "draft" and part.grade is None and part.prefill == 0.5
    assert [(o.text, o.days, o.open) for o in part.obstacles] == [("Waiting for analytics", 20, False)]

    saved = env.save(part.id, grade="0,6", obstacles=(part.obstacles[0].check_in_id, 999999),
                     in_the_way="The analytics team was busy")
    mine = saved.objectives[0]
    assert (mine.grade, mine.outcome, mine.helped, mine.picked) == (0.6, "partly", "Pairing with Lena",
                                                                   (part.obstacles[0].check_in_id,))
    assert saved.state == "draft"
    with env.sessions() as session:  # the words are encrypted at rest like notes and feedback
        raw = session.execute(text("SELECT helped, in_the_way FROM objective_reviews")).one()
    assert all(value.startswith("enc1:") for value in raw)
    with pytest.raises(NotFound):
        env.save(part.id, user="ULENA")
    with pytest.raises(NotFound):
        env.review.agenda(team_id=env.team, viewer="ULENA", review_id=review.id)


@pytest.mark.parametrize("typed", ["1,5", "abc", "2", "-1", "", "nan"])
def test_a_bad_grade_is_a_clear_message_on_the_grade_field(env: Env, typed: str) -> None:
    env.objective()
    review = env.review.open(team_id=env.team, user_id="URAVI", quarter="2026-Q4")
    with pytest.raises(UserFacingError) as raised:
        env.save(review.objectives[0].id, grade=typed)
    assert raised.value.field == ReviewBlock.GRADE
    assert "0.0 and 1.0" in raised.value.message
    assert env.rows(ObjectiveReview)[0].grade is None


def test_submitting_needs_every_objective_and_a_second_submit_changes_nothing(env: Env) -> None:
    env.objective()
    env.objective(title="Halve support tickets")
    review = env.review.open(team_id=env.team, user_id="URAVI", quarter="2026-Q4")
    env.save(review.objectives[0].id)
    with pytest.raises(UserFacingError, match="still need a grade"):
        env.review.submit(team_id=env.team, user_id="URAVI", review_id=review.id)
    env.save(review.objectives[1].id, grade="1", outcome="met")
    first, changed = env.review.submit(team_id=env.team, user_id="URAVI", review_id=review.id)
    submitted_at = env.rows(QuarterReview)[0].submitted_at
    env.clock.advance(minutes=5)
    again, changed_again = env.review.submit(team_id=env.team, user_id="URAVI", review_id=review.id)
    assert (changed, changed_again) == (True, False)
    assert first.state == again.state == "submitted"
    assert env.rows(QuarterReview)[0].submitted_at == submitted_at
    with pytest.raises(NotFound):
        env.review.submit(team_id=env.team, user_id="UTOM", review_id=review.id)


def test_the_review_one_on_one_carries_the_agenda_and_the_manager_grades_beside_the_report(env: Env) -> None:
    view = submitted(env)
    with pytest.raises(NotFound):  # not asked yet: nobody grades it
        env.review.grade_form(team_id=env.team, manager="UMARIA", part_id=view.objectives[0].id)
    asked = env.review.ask(team_id=env.team, user_id="URAVI", review_id=view.id)
    again = env.review.ask(team_id=env.team, user_id="URAVI", review_id=view.id)
    assert asked.one_on_one_id == again.one_on_one_id and asked.manager_id == "UMARIA"
    [meeting] = env.rows(OneOnOne)
    assert meeting.topic.startswith("Quarter review 2026-Q4:") and "0.6, partly met" in meeting.topic
    env.services.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=meeting.id, actor="UMARIA",
                                             day="2026-12-22", clock="10:00")
    points = [p.text for p in env.rows(TalkingPoint)]
    assert points and points[0].startswith("Quarter review 2026-Q4:")  # the agenda is in the 1-on-1 itself
    agenda = env.outbox(agenda_key(view.id))
    assert len(agenda) == 1 and agenda[0].payload["thread_of"] == pair_key(meeting.id)
    env.deliver()
    assert [m.status for m in env.outbox(agenda_key(view.id))] == ["sent"]

    part = view.objectives[0].id
    with pytest.raises(UserFacingError, match="Your manager adds their grade"):
        env.review.grade(team_id=env.team, manager="URAVI", part_id=part, values={ReviewBlock.MANAGER_GRADE: "1"})
    with pytest.raises(NotFound):
        env.review.grade(team_id=env.team, manager="ULENA", part_id=part, values={ReviewBlock.MANAGER_GRADE: "1"})
    with pytest.raises(UserFacingError) as raised:
        env.review.grade(team_id=env.team, manager="UMARIA", part_id=part,
                         values={ReviewBlock.MANAGER_GRADE: "abc"})
    assert raised.value.field == ReviewBlock.MANAGER_GRADE
    graded = env.review.grade(team_id=env.team, manager="UMARIA", part_id=part,
                              values={ReviewBlock.MANAGER_GRADE: "0.7", ReviewBlock.MANAGER_COMMENT: "Solid"})
    seen_by_report = env.review.agenda(team_id=env.team, viewer="URAVI", review_id=view.id)
    assert graded.objectives[0].manager_grade == seen_by_report.objectives[0].manager_grade == 0.7
    assert seen_by_report.objectives[0].manager_comment == "Solid"
    updates = [m for m in env.outbox(agenda_key(view.id)) if m.payload.get("update_of") == agenda_key(view.id)]
    assert len(updates) == 1  # the agenda in the thread is updated in place


def test_carry_over_makes_exactly_one_new_objective_starting_where_the_old_one_ended(env: Env) -> None:
    objective = env.objective(krs=(("Activation rate", 20, 40), ("Support tickets", 100, 50)))
    env.check_in(objective, "A", days_ago=5, kr0={"value": "30"}, kr1={"value": "80"})
    review = env.review.open(team_id=env.team, user_id="URAVI", quarter="2026-Q4")
    env.save(review.objectives[0].id, outcome="not_met", grade="0.4")
    env.review.submit(team_id=env.team, user_id="URAVI", review_id=review.id)
    part = review.objectives[0].id
    first, created = env.review.carry(team_id=env.team, actor="URAVI", part_id=part)
    second, created_again = env.review.carry(team_id=env.team, actor="URAVI", part_id=part)
    assert (created, created_again) == (True, False)
    with env.sessions() as session:
        new = session.scalars(select(Objective).where(Objective.quarter == "2027-Q1")).all()
        assert len(new) == 1
        krs = session.scalars(select(KeyResult).where(KeyResult.objective_id == new[0].id)
                              .order_by(KeyResult.position)).all()
    assert [(k.title, k.start_value, k.current_value, k.target_value) for k in krs] == [
        ("Activation rate", 30, 30, 40), ("Support tickets", 80, 80, 50)]
    assert first.objectives[0].carried_to_id == second.objectives[0].carried_to_id == new[0].id
    assert len(env.outbox(f"okr:{new[0].id}:message")) == 1  # its thread, as for any new objective
    with pytest.raises(NotFound):
        env.review.carry(team_id=env.team, actor="ULENA", part_id=part)


def test_a_met_objective_is_not_carried_over(env: Env) -> None:
    view = submitted(env, outcome="met")
    with pytest.raises(UserFacingError, match="nothing to carry"):
        env.review.carry(team_id=env.team, actor="URAVI", part_id=view.objectives[0].id)


def test_the_agenda_is_built_in_a_fixed_number_of_statements(env: Env) -> None:
    small = submitted(env)
    for n in range(4):
        objective = env.objective("ULENA", title=f"Objective {n}", krs=(("A", 0, 10), ("B", 10, 0)))
        for day in range(3):
            env.check_in(objective, f"{n}-{day}", days_ago=20 - day * 5,
                         kr0={"value": str(day * 3), "obstacles": f"Obstacle {day}"}, kr1={"value": str(9 - day)})
    big = env.review.open(team_id=env.team, user_id="ULENA", quarter="2026-Q4")
    with statements(env.runtime.engine) as few:
        env.review.agenda(team_id=env.team, viewer="URAVI", review_id=small.id)
    with statements(env.runtime.engine) as many:
        env.review.agenda(team_id=env.team, viewer="ULENA", review_id=big.id)
    queries = [s for s in many if s.lstrip().upper().startswith("SELECT")]
    assert len(few) == len(many) and len(queries) <= 8
    assert sum(len(p.obstacles) for p in env.review.agenda(team_id=env.team, viewer="ULENA",
                                                           review_id=big.id).objectives) == 12


def test_the_prompt_goes_out_once_at_each_persons_nudge_hour_to_people_with_objectives(env: Env) -> None:
    env.objective("URAVI")  # Asia/Kolkata
    env.objective("ULENA")  # America/New_York
    env.clock.travel_to(datetime(2026, 12, 18, 4, 0, tzinfo=UTC))  # 09:30 in Kolkata, 23:00 (17th) in New York
    assert env.review.scan().sent == ()
    env.clock.travel_to(datetime(2026, 12, 18, 4, 40, tzinfo=UTC))  # 10:10 in Kolkata
    assert [s[1:] for s in env.review.scan().sent] == [("URAVI", "2026-Q4")]
    assert env.review.scan().sent == ()
    env.clock.travel_to(datetime(2026, 12, 18, 15, 5, tzinfo=UTC))  # 10:05 in New York
    assert [s[1:] for s in env.review.scan().sent] == [("ULENA", "2026-Q4")]
    env.clock.travel_to(datetime(2027, 1, 4, 15, 5, tzinfo=UTC))
    assert env.review.scan().sent == ()
    prompts = [m.dedupe_key for m in env.outbox("review:")]
    assert prompts == ["review:2026-Q4:URAVI:prompt", "review:2026-Q4:ULENA:prompt"]
    env.deliver()
    assert all(m.status == "sent" for m in env.outbox("review:"))


def test_forgetting_a_person_erases_their_reviews_and_their_comments_on_others(env: Env) -> None:
    view = submitted(env)
    env.review.ask(team_id=env.team, user_id="URAVI", review_id=view.id)
    env.review.grade(team_id=env.team, manager="UMARIA", part_id=view.objectives[0].id,
                     values={ReviewBlock.MANAGER_GRADE: "0.8", ReviewBlock.MANAGER_COMMENT: "Good call on scope"})
    exported = env.services.person_data.export(env.team, "URAVI", operator="test", dry_run=True)
    assert exported["quarter_reviews"][0]["objectives"][0]["helped"] == "Pairing with Lena"
    assert env.services.person_data.export(env.team, "UMARIA", operator="t", dry_run=True)["reviews_graded"][0][
        "manager_comment"] == "Good call on scope"
    env.services.person_data.forget(env.team, "UMARIA")
    [part] = env.rows(ObjectiveReview)
    assert part.manager_comment == "" and part.manager_grade == 0.8
    assert env.rows(QuarterReview)[0].manager_id not in ("UMARIA", None)
    env.services.person_data.forget(env.team, env.rows(Objective)[0].owner_id)
    assert env.rows(QuarterReview) == [] and env.rows(ObjectiveReview) == []


def test_the_leaders_look_back_counts_outcomes_reasons_and_who_has_not_reviewed(env: Env) -> None:
    ravi = env.objective("URAVI")
    env.check_in(ravi, "A", days_ago=20, kr0={"obstacles": "Blocked on analytics"})
    lena = env.objective("ULENA")
    env.check_in(lena, "B", days_ago=15, kr0={"obstacles": "blocked on  analytics"})
    env.objective("UTOM")
    for owner in ("URAVI", "ULENA"):
        review = env.review.open(team_id=env.team, user_id=owner, quarter="2026-Q4")
        part = review.objectives[0]
        env.save(part.id, user=owner, outcome="not_met" if owner == "URAVI" else "met", grade="0.3",
                 obstacles=tuple(o.check_in_id for o in part.obstacles))
        env.review.submit(team_id=env.team, user_id=owner, review_id=review.id)
    back = env.review.look_back(team_id=env.team, leader="UMARIA", quarter="2026-Q4")
    assert back.totals == (1, 0, 1, 1)
    assert [(r.text, r.objectives, r.people) for r in back.reasons] == [("Blocked on analytics", 2, 2)]
    assert [u for u, _ in back.not_reviewed] == ["UTOM"]
    with pytest.raises(UserFacingError, match="Nobody reports to you"):
        env.review.look_back(team_id=env.team, leader="URAVI")
    rows = env.review.export(quarter="2026-Q4")
    assert sorted((r["owner_id"], r["outcome"], r["review_state"]) for r in rows) == [
        ("ULENA", "met", "submitted"), ("URAVI", "not_met", "submitted"), ("UTOM", "", "not started")]
    assert not any("Pairing" in str(v) for r in rows for v in r.values())  # never the words


def test_the_review_closes_when_its_one_on_one_is_done(env: Env) -> None:
    view = submitted(env)
    asked = env.review.ask(team_id=env.team, user_id="URAVI", review_id=view.id)
    with env.sessions.begin() as session:
        session.get(OneOnOne, asked.one_on_one_id).state = "done"  # type: ignore[union-attr]
    with pytest.raises(UserFacingError, match="closed"):
        env.save(view.objectives[0].id)
    assert not env.review.agenda(team_id=env.team, viewer="UMARIA", review_id=view.id).editable
    assert env.rows(OutboundMessage)  # the request went out


def test_review_this_objective_ends_a_project_early_for_its_owner_only(env: Env) -> None:
    env.clock.travel_to(datetime(2026, 11, 10, 12, 0, tzinfo=UTC))  # mid-quarter, outside any window
    objective = env.objective()
    form = env.review.objective_form(team_id=env.team, user_id="URAVI", objective_id=objective.id)
    assert (form.quarter, form.part.objective_id, form.part.grade) == ("2026-Q4", objective.id, None)
    with pytest.raises(NotFound):
        env.review.objective_form(team_id=env.team, user_id="ULENA", objective_id=objective.id)
    with pytest.raises(UserFacingError, match="nothing to review"):
        env.review.open(team_id=env.team, user_id="ULENA")
    with pytest.raises(UserFacingError, match="not a quarter"):
        env.review.open(team_id=env.team, user_id="URAVI", quarter="Q5-2026")


def reads_of(env: Env, subject: str) -> list[tuple[str, str, str]]:
    """(reader, kind, via) of each reading-log line `subject` sees in their Home."""
    view = env.services.privacy.for_home(env.team, subject, limit=50)
    return sorted((e.reader_id, e.kind, e.via) for e in view.entries)


def test_the_managers_reads_of_the_reports_words_go_in_the_reports_reading_log(env: Env) -> None:
    view = submitted(env)
    env.review.agenda(team_id=env.team, viewer="URAVI", review_id=view.id)  # their own words: not logged
    assert reads_of(env, "URAVI") == []
    env.review.ask(team_id=env.team, user_id="URAVI", review_id=view.id)
    [meeting] = env.rows(OneOnOne)
    env.services.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=meeting.id, actor="UMARIA",
                                             day="2026-12-22", clock="10:00")
    assert reads_of(env, "URAVI") == [("UMARIA", "review", "review-1on1")]  # the agenda shows them to Maria
    env.review.agenda(team_id=env.team, viewer="UMARIA", review_id=view.id)
    env.review.grade_form(team_id=env.team, manager="UMARIA", part_id=view.objectives[0].id)
    env.review.agenda(team_id=env.team, viewer="UMARIA", review_id=view.id)  # again the same day: one line
    assert reads_of(env, "URAVI") == [("UMARIA", "review", "review"), ("UMARIA", "review", "review-1on1")]
    assert reads_of(env, "UMARIA") == []  # Ravi reading Maria's comment on his own review is not a read about Maria


def test_a_review_without_words_logs_no_read(env: Env) -> None:
    env.objective("URAVI")
    review = env.review.open(team_id=env.team, user_id="URAVI", quarter="2026-Q4")
    env.save(review.objectives[0].id, helped="")
    env.review.submit(team_id=env.team, user_id="URAVI", review_id=review.id)
    env.review.ask(team_id=env.team, user_id="URAVI", review_id=review.id)
    env.review.agenda(team_id=env.team, viewer="UMARIA", review_id=review.id)
    assert reads_of(env, "URAVI") == []
