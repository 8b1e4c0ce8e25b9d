"""The quarter review's part of the Home tab: the viewer's review due (or still in progress), and for leaders
the look back at the last finished quarter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.review.lookback import look_back
from bot.services.review.records import is_closed
from bot.services.review.window import finished_quarter, reviewing_quarter
from bot.views.review import ReviewHomeView
from storage.models import Objective, Person
from storage.models_review import QuarterReview


def review_home(session: Session, team_id: str, user_id: str, manager_id: str | None, now: datetime,
                zone: Any) -> ReviewHomeView | None:
    """The Home part of `user_id` (whose manager is `manager_id`, clock in `zone`); None when there is none."""
    quarter = reviewing_quarter(now, zone)
    review = None
    count = 0
    if quarter is None:  # out of the window: a review of the last quarter still in progress stays
        late = session.scalar(select(QuarterReview).where(
            QuarterReview.team_id == team_id, QuarterReview.owner_id == user_id,
            QuarterReview.quarter == finished_quarter(now, zone)))
        if late is not None and not is_closed(session, late) and late.one_on_one_id is None:
            quarter = late.quarter
    if quarter:
        review = session.scalar(select(QuarterReview).where(
            QuarterReview.team_id == team_id, QuarterReview.owner_id == user_id,
            QuarterReview.quarter == quarter))
        count = len(session.scalars(select(Objective.id).where(
            Objective.team_id == team_id, Objective.owner_id == user_id, Objective.quarter == quarter)).all())
        if not count:
            quarter = None
    back = look_back(session, team_id, user_id, finished_quarter(now, zone))
    if back is not None and not back.people:
        back = None  # nobody in the tree had objectives that quarter: nothing to look back at
    manager_name = ""
    if manager_id:
        manager = session.get(Person, (team_id, manager_id))
        manager_name = (manager.name if manager else "") or ""
    if quarter is None and back is None:
        return None
    return ReviewHomeView(quarter, review.state if review else None, count,
                          review.one_on_one_id if review else None, review.id if review else None,
                          manager_name, back)
