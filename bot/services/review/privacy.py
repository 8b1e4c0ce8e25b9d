"""The quarter review in a person's data export and erasure (bot/services/person_data.py).

Export: the person's own reviews with every word (theirs and the manager's comments on them), and the grades and
comments they gave as a reviewing manager. Erasure: their own reviews go (their words with them); on reviews they
graded as a manager, their comment is erased and they are replaced by the erasure's anonymous id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models_review import ObjectiveReview, QuarterReview


def export_reviews(session: Session, team_id: str, user_id: str) -> dict[str, list[dict[str, Any]]]:
    """{"quarter_reviews": own reviews with their parts, "reviews_graded": what they gave as a manager}."""
    own = []
    for review in session.scalars(select(QuarterReview).where(
            QuarterReview.team_id == team_id, QuarterReview.owner_id == user_id).order_by(QuarterReview.id)):
        parts = [{"objective_id": p.objective_id, "grade": p.grade, "outcome": p.outcome, "helped": p.helped,
                  "in_the_way": p.in_the_way, "carry": p.carry, "obstacles_picked": list(p.obstacles or []),
                  "manager_grade": p.manager_grade, "manager_comment": p.manager_comment,
                  "carried_to_id": p.carried_to_id}
                 for p in session.scalars(select(ObjectiveReview).where(ObjectiveReview.review_id == review.id)
                                          .order_by(ObjectiveReview.id))]
        own.append({"id": review.id, "quarter": review.quarter, "state": review.state,
                    "manager_id": review.manager_id, "submitted_at": review.submitted_at,
                    "one_on_one_id": review.one_on_one_id, "objectives": parts})
    graded = [{"review_id": p.review_id, "objective_id": p.objective_id, "manager_grade": p.manager_grade,
               "manager_comment": p.manager_comment}
              for p in session.scalars(select(ObjectiveReview).join(QuarterReview, QuarterReview.id ==
                                                                    ObjectiveReview.review_id)
                                       .where(QuarterReview.team_id == team_id, QuarterReview.manager_id == user_id)
                                       .order_by(ObjectiveReview.id))]
    return {"quarter_reviews": own, "reviews_graded": graded}


def forget_reviews(session: Session, team_id: str, user_id: str, anonymous: str,
                   run: Callable[[str, Any], None]) -> None:
    """Erase the person's reviews; anonymise them on reviews they graded (their comment erased)."""
    graded = select(QuarterReview.id).where(QuarterReview.team_id == team_id, QuarterReview.manager_id == user_id)
    run("review comments they wrote erased", update(ObjectiveReview).where(
        ObjectiveReview.review_id.in_(graded), ObjectiveReview.manager_comment != "").values(manager_comment=""))
    run("own quarter-review parts deleted", delete(ObjectiveReview).where(ObjectiveReview.review_id.in_(
        select(QuarterReview.id).where(QuarterReview.team_id == team_id, QuarterReview.owner_id == user_id))))
    run("own quarter reviews deleted", delete(QuarterReview).where(
        QuarterReview.team_id == team_id, QuarterReview.owner_id == user_id))
    run("quarter_reviews.manager_id anonymised", update(QuarterReview).where(
        QuarterReview.team_id == team_id, QuarterReview.manager_id == user_id).values(manager_id=anonymous))
