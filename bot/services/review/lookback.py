"""The leader's look back at a finished quarter, and the reviews export: fixed numbers of statements.

Everyone in the leader's reporting tree (storage.reporting's closure table) with objectives that quarter counts.
A "team" is one manager's direct reports. An objective counts by the outcome its owner gave it in a submitted
review; otherwise it is "not reviewed". The reasons are the obstacles people picked, grouped by their text
(case and spacing ignored), most objectives first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.views.review import LookBackView, ReasonCount, TeamCount
from storage.models import CheckIn, Objective, Person, ReportingLine
from storage.models_review import ObjectiveReview, QuarterReview

TOP_REASONS = 5


def look_back(session: Session, team_id: str, leader_id: str, quarter: str) -> LookBackView | None:
    """The look back of `leader_id` (None when nobody reports to them): at most four statements.

    The tree's objectives first: only their owners (and their managers' names) are read, not the whole tree.
    """
    tree = select(ReportingLine.descendant_id).where(ReportingLine.team_id == team_id,
                                                     ReportingLine.ancestor_id == leader_id)
    rows = session.execute(
        select(Objective.id, Objective.owner_id, QuarterReview.state, ObjectiveReview.outcome,
               ObjectiveReview.obstacles)
        .outerjoin(QuarterReview, (QuarterReview.team_id == team_id) & (QuarterReview.owner_id == Objective.owner_id)
                   & (QuarterReview.quarter == quarter))
        .outerjoin(ObjectiveReview, (ObjectiveReview.review_id == QuarterReview.id)
                   & (ObjectiveReview.objective_id == Objective.id))
        .where(Objective.team_id == team_id, Objective.quarter == quarter, Objective.owner_id.in_(tree))).all()
    if not rows:
        found = session.scalar(select(Person.user_id).where(Person.team_id == team_id, Person.user_id.in_(tree))
                               .limit(1))
        return None if found is None else LookBackView(leader_id, quarter, (), (), (), 0)
    owned = select(Objective.owner_id).where(Objective.team_id == team_id, Objective.quarter == quarter,
                                               Objective.owner_id.in_(tree))
    people = {row.user_id: row for row in session.execute(
        select(Person.user_id, Person.name, Person.manager_id).where(Person.team_id == team_id,
                                                                      Person.user_id.in_(owned)))}
    managers = {p.manager_id for p in people.values() if p.manager_id} | {leader_id}
    names = {row.user_id: row.name or row.user_id for row in session.execute(
        select(Person.user_id, Person.name).where(Person.team_id == team_id, Person.user_id.in_(managers)))}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    picked: list[tuple[str, int, int]] = []  # (owner, objective, check-in id)
    owners, reviewed = set(), set()
    for row in rows:
        owners.add(row.owner_id)
        manager = people[row.owner_id].manager_id or leader_id
        submitted = row.state == "submitted"
        if submitted:
            reviewed.add(row.owner_id)
        counts[manager][row.outcome if submitted and row.outcome else "not_reviewed"] += 1
        if submitted:
            picked += [(row.owner_id, row.id, i) for i in (row.obstacles or []) if isinstance(i, int)]
    texts = dict(session.execute(select(CheckIn.id, CheckIn.obstacles).where(
        CheckIn.id.in_({i for _, _, i in picked}))).all()) if picked else {}
    by_reason: dict[str, tuple[str, set[int], set[str]]] = {}
    for owner, objective_id, check_in_id in sorted(picked, key=lambda p: p[2]):  # shown as first written
        text = " ".join((texts.get(check_in_id) or "").split())
        if not text:
            continue
        shown, objectives, who = by_reason.setdefault(text.lower(), (text, set(), set()))
        objectives.add(objective_id)
        who.add(owner)
    reasons = sorted((ReasonCount(shown, len(objs), len(who)) for shown, objs, who in by_reason.values()),
                     key=lambda r: (-r.objectives, -r.people, r.text.lower()))[:TOP_REASONS]
    teams = tuple(sorted((TeamCount(m, names.get(m, m), c["met"], c["partly"], c["not_met"], c["not_reviewed"])
                          for m, c in counts.items()),
                         key=lambda t: (t.manager_id != leader_id, t.manager_name.lower())))
    missing = tuple(sorted(((u, people[u].name or u) for u in owners - reviewed), key=lambda p: p[1].lower()))
    return LookBackView(leader_id, quarter, teams, tuple(reasons), missing, len(owners))


def export_rows(session: Session, quarter: str) -> list[dict[str, Any]]:
    """One row per objective of `quarter` in every workspace: its review's grades and outcome (never the words)."""
    rows = session.execute(
        select(Objective.team_id, Objective.owner_id, Person.name, Person.manager_id, Objective.id, Objective.title,
               QuarterReview.state, QuarterReview.submitted_at, QuarterReview.manager_id.label("reviewer"),
               ObjectiveReview.grade, ObjectiveReview.outcome, ObjectiveReview.manager_grade,
               ObjectiveReview.obstacles, ObjectiveReview.carried_to_id)
        .outerjoin(Person, (Person.team_id == Objective.team_id) & (Person.user_id == Objective.owner_id))
        .outerjoin(QuarterReview, (QuarterReview.team_id == Objective.team_id)
                   & (QuarterReview.owner_id == Objective.owner_id) & (QuarterReview.quarter == quarter))
        .outerjoin(ObjectiveReview, (ObjectiveReview.review_id == QuarterReview.id)
                   & (ObjectiveReview.objective_id == Objective.id))
        .where(Objective.quarter == quarter)
        .order_by(Objective.team_id, Person.name, Objective.owner_id, Objective.title)).all()
    return [{"team_id": r.team_id, "quarter": quarter, "owner_id": r.owner_id, "owner_name": r.name or "",
             "manager_id": r.reviewer or r.manager_id or "", "objective_id": r.id, "objective": r.title,
             "review_state": r.state or "not started", "submitted_at": r.submitted_at,
             "grade": r.grade, "outcome": r.outcome or "", "manager_grade": r.manager_grade,
             "obstacles_picked": len(r.obstacles or []), "carried_to_objective_id": r.carried_to_id}
            for r in rows]
