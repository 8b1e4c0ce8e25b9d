"""Reading a quarter review with everything its agenda shows, in a fixed number of statements.

Whatever the number of objectives, key results and check-ins: the parts (1), objectives with key results (1),
check-ins (1), kudos (1), feedback requests (1), the people and the 1-on-1 (1) — six statements after the
review row itself. Obstacles are episodes of a key result's check-ins: one starts when a check-in records an
obstacle different from the one before, and lasts until a check-in clears or changes it (else until the
quarter's end, or now if sooner).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from bot.services.okrs.status import next_quarter, progress, quarter_bounds
from bot.services.review.grading import prefill_grade, suggested_outcome
from bot.views.review import KeyResultLine, ObjectiveReviewView, ObstacleView, QuarterReviewView
from storage.models import CheckIn, KeyResult, Objective, Person
from storage.models_feedback import FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import OneOnOne
from storage.models_review import ObjectiveReview, QuarterReview

KUDOS_LINES = 3


def _norm(text: str) -> str:
    return " ".join((text or "").split()).lower()


def obstacle_episodes(check_ins: list[Any], kr_title: str, until: datetime) -> list[ObstacleView]:
    """The obstacles of one key result's check-ins (oldest first), each with how long it lasted."""
    episodes: list[ObstacleView] = []
    current: tuple[int, str, datetime] | None = None

    def close(at: datetime, still_open: bool) -> None:
        nonlocal current
        if current is not None:
            check_in_id, text, since = current
            days = max(0, round((max(at, since) - since).total_seconds() / 86_400))  # whole days, to the nearest
            episodes.append(ObstacleView(check_in_id, kr_title, text, since, days, still_open))
            current = None

    for row in check_ins:
        text = (row.obstacles or "").strip()
        if current is not None and _norm(text) == _norm(current[1]):
            continue
        close(row.created_at, False)
        if text:
            current = (row.id, text, row.created_at)
    close(until, True)
    return episodes


def sparkline(values: list[float]) -> str:
    """▁▂▃▄▅▆▇█ for progress values 0..1 (at most the last 12)."""
    bars = "▁▂▃▄▅▆▇█"
    return "".join(bars[min(7, max(0, int(v * 7 + 0.5)))] for v in values[-12:])


def load_review(session: Session, review: QuarterReview, now: datetime, *, details: bool = True) -> QuarterReviewView:
    """The whole view of `review` (see the module docstring for the statements it takes)."""
    parts = list(session.scalars(select(ObjectiveReview).where(ObjectiveReview.review_id == review.id)))
    objective_ids = [p.objective_id for p in parts]
    objectives: dict[int, Objective] = {}
    krs: dict[int, list[KeyResult]] = defaultdict(list)
    if objective_ids:
        for objective, kr in session.execute(
                select(Objective, KeyResult).outerjoin(KeyResult, KeyResult.objective_id == Objective.id)
                .where(Objective.id.in_(objective_ids)).order_by(Objective.id, KeyResult.position, KeyResult.id)):
            objectives[objective.id] = objective
            if kr is not None:
                krs[objective.id].append(kr)
    kr_ids = [kr.id for rows in krs.values() for kr in rows]
    check_ins: dict[int, list[Any]] = defaultdict(list)
    kudos: dict[int, list[str]] = defaultdict(list)
    feedback: dict[int, tuple[int, int]] = {}
    if details and kr_ids:
        for row in session.execute(select(CheckIn.id, CheckIn.key_result_id, CheckIn.value, CheckIn.obstacles,
                                          CheckIn.created_at).where(CheckIn.key_result_id.in_(kr_ids))
                                   .order_by(CheckIn.created_at, CheckIn.id)):
            check_ins[row.key_result_id].append(row)
    if details and objective_ids:
        for row in session.execute(select(Kudos.objective_id, Kudos.message).where(
                Kudos.team_id == review.team_id, Kudos.objective_id.in_(objective_ids))
                .order_by(Kudos.created_at.desc(), Kudos.id.desc())):
            kudos[row.objective_id].append(row.message or "")
        for row in session.execute(select(
                FeedbackRequest.objective_id, func.count(),
                func.sum(case((FeedbackRequest.state == "answered", 1), else_=0))).where(
                FeedbackRequest.team_id == review.team_id, FeedbackRequest.requester_id == review.owner_id,
                FeedbackRequest.objective_id.in_(objective_ids)).group_by(FeedbackRequest.objective_id)):
            feedback[row[0]] = (int(row[1] or 0), int(row[2] or 0))
    people = {review.owner_id, *([review.manager_id] if review.manager_id else [])}
    names: dict[str, str] = {}
    one_on_one_state = None
    boss = aliased(Person)
    stmt = select(Person.user_id, Person.name, OneOnOne.state, boss.user_id.label("boss_id"),
                  boss.name.label("boss_name")).select_from(Person).outerjoin(
        OneOnOne, OneOnOne.id == (review.one_on_one_id or -1)).outerjoin(
        boss, (boss.team_id == Person.team_id) & (boss.user_id == Person.manager_id)).where(
        Person.team_id == review.team_id, Person.user_id.in_(people))
    their_manager = ""
    for row in session.execute(stmt):
        names[row.user_id] = row.name or row.user_id
        one_on_one_state = row.state or one_on_one_state
        if row.user_id == review.owner_id and row.boss_id:
            their_manager = row.boss_name or row.boss_id
    _, end = quarter_bounds(review.quarter)
    quarter_end = datetime(end.year, end.month, end.day, tzinfo=UTC)
    until = min(now, quarter_end)
    views = []
    for part in sorted(parts, key=lambda p: (objectives[p.objective_id].title.lower(), p.id)
                       if p.objective_id in objectives else ("", p.id)):
        objective = objectives.get(part.objective_id)
        if objective is None:
            continue
        rows = krs[objective.id]
        lines = tuple(KeyResultLine(
            kr.title, progress(kr.start_value, kr.target_value, kr.current_value), kr.start_value, kr.target_value,
            kr.current_value, kr.unit, tuple(progress(kr.start_value, kr.target_value, c.value)
                                             for c in check_ins[kr.id])) for kr in rows)
        obstacles = sorted((episode for kr in rows for episode in obstacle_episodes(check_ins[kr.id], kr.title, until)),
                           key=lambda e: (e.since, e.check_in_id))
        asked, answered = feedback.get(objective.id, (0, 0))
        mean = sum(line.progress for line in lines) / len(lines) if lines else 0.0
        views.append(ObjectiveReviewView(
            id=part.id, objective_id=objective.id, title=objective.title, progress=mean,
            prefill=prefill_grade((kr.start_value, kr.target_value, kr.current_value) for kr in rows),
            grade=part.grade, outcome=part.outcome, helped=part.helped or "", in_the_way=part.in_the_way or "",
            carry=part.carry or "", picked=tuple(int(i) for i in (part.obstacles or []) if isinstance(i, int)),
            manager_grade=part.manager_grade, manager_comment=part.manager_comment or "",
            carried_to_id=part.carried_to_id, key_results=lines, obstacles=tuple(obstacles),
            kudos=len(kudos[objective.id]), kudos_lines=tuple(kudos[objective.id][:KUDOS_LINES]),
            feedback_asked=asked, feedback_answered=answered,
            suggested=suggested_outcome(part.grade if part.grade is not None else prefill_grade(
                (kr.start_value, kr.target_value, kr.current_value) for kr in rows))))
    return QuarterReviewView(
        id=review.id, team_id=review.team_id, owner_id=review.owner_id,
        owner_name=names.get(review.owner_id, review.owner_id), quarter=review.quarter, state=review.state,
        manager_id=review.manager_id, manager_name=names.get(review.manager_id or "", review.manager_id or ""),
        one_on_one_id=review.one_on_one_id, one_on_one_state=one_on_one_state, submitted_at=review.submitted_at,
        objectives=tuple(views), next_quarter=next_quarter(review.quarter), owners_manager=their_manager)
