"""The rows of one quarter review: found, made and locked; who may see or grade them; typed text checked;
an unmet objective copied into the next quarter. Plain functions on a session, for bot.services.review.service."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from bot.services.core.errors import NotFound, UserFacingError
from bot.services.okrs.status import QUARTER, next_quarter
from bot.views.privacy import ReadItem
from bot.views.review import QuarterReviewView
from storage.db import insert_ignore
from storage.models import KeyResult, Objective
from storage.models_one_on_ones import OneOnOne
from storage.models_review import ObjectiveReview, QuarterReview

if TYPE_CHECKING:
    from bot.services.privacy.service import PrivacyService

NOT_YOURS = "That review does not exist, or it is not yours to open."
ASKING = "~asking"  # manager_id while the review 1-on-1 is being requested (claims it against a double click)


def agenda_key(review_id: int) -> str:
    """Outbox key of the review agenda in the review 1-on-1's thread."""
    return f"review:{review_id}:agenda"


def checked_text(values: dict[str, Any], block: str, limit: int) -> str:
    """The text typed into `block`, stripped; a field error past `limit` characters."""
    text = str(values.get(block) or "").strip()
    if len(text) > limit:
        raise UserFacingError(f"Please keep this under {limit:,} characters (it is {len(text):,}).", field=block)
    return text


def typed_quarter(text: str | None) -> str | None:
    """"2026-Q4" from what a person typed (None when empty); a clear error for anything else."""
    raw = (text or "").strip().upper()
    if not raw:
        return None
    if not QUARTER.match(raw):
        raise UserFacingError(f"`{raw[:20]}` is not a quarter: type it like `2026-Q4`.")
    return raw


def ensure_review(session: Session, team_id: str, owner_id: str, quarter: str, now: datetime) -> QuarterReview | None:
    """The person's review of `quarter` with a part per objective (None when they had no objective)."""
    objective_ids = list(session.scalars(select(Objective.id).where(
        Objective.team_id == team_id, Objective.owner_id == owner_id, Objective.quarter == quarter)))
    review = session.scalar(select(QuarterReview).where(
        QuarterReview.team_id == team_id, QuarterReview.owner_id == owner_id, QuarterReview.quarter == quarter))
    if not objective_ids and review is None:
        return None
    if review is None:
        insert_ignore(session, QuarterReview, {"team_id": team_id, "owner_id": owner_id, "quarter": quarter,
                                               "state": "draft", "revision": 0, "created_at": now,
                                               "updated_at": now})
        review = session.scalars(select(QuarterReview).where(
            QuarterReview.team_id == team_id, QuarterReview.owner_id == owner_id,
            QuarterReview.quarter == quarter)).one()
    if objective_ids:
        insert_ignore(session, ObjectiveReview, [
            {"team_id": team_id, "review_id": review.id, "objective_id": i, "helped": "", "in_the_way": "",
             "carry": "", "obstacles": [], "manager_comment": "", "updated_at": now} for i in objective_ids])
    return review


def review_row(session: Session, team_id: str, review_id: int, *, lock: bool = False) -> QuarterReview:
    """One review of the team (locked for update when `lock`); NotFound otherwise."""
    stmt = select(QuarterReview).where(QuarterReview.team_id == team_id, QuarterReview.id == review_id)
    review = session.scalar(stmt.with_for_update() if lock else stmt)
    if review is None:
        raise NotFound(NOT_YOURS)
    return review


def part_row(session: Session, team_id: str, part_id: int, *, lock: bool = False
             ) -> tuple[ObjectiveReview, QuarterReview]:
    """One objective's part of a review (locked for update when `lock`) and its review; NotFound otherwise."""
    stmt = select(ObjectiveReview).where(ObjectiveReview.team_id == team_id, ObjectiveReview.id == part_id)
    part = session.scalar(stmt.with_for_update() if lock else stmt)
    if part is None:
        raise NotFound(NOT_YOURS)
    return part, review_row(session, team_id, part.review_id)


def may_see(review: QuarterReview, viewer: str) -> None:
    """Only the report and their reviewing manager see a review (NotFound for anyone else)."""
    if viewer not in (review.owner_id, review.manager_id):
        raise NotFound(NOT_YOURS)


def may_grade(review: QuarterReview, actor: str) -> None:
    """Only the manager asked for the review 1-on-1 grades (the report is told where their own grade is)."""
    if review.manager_id != actor:
        if actor == review.owner_id:
            raise UserFacingError("Your manager adds their grade here in the review 1-on-1; yours is in your "
                                  "own review.")
        raise NotFound(NOT_YOURS)


def is_closed(session: Session, review: QuarterReview) -> bool:
    """The review 1-on-1 is done: the review can no longer change."""
    return review.one_on_one_id is not None and bool(session.scalar(select(exists().where(
        OneOnOne.id == review.one_on_one_id, OneOnOne.state == "done"))))


def claim_asking(session: Session, review_id: int) -> bool:
    """Mark a submitted review without a 1-on-1 as being asked for one; False when it is not (a double click)."""
    return session.execute(update(QuarterReview).where(
        QuarterReview.id == review_id, QuarterReview.one_on_one_id.is_(None),
        QuarterReview.state == "submitted", QuarterReview.manager_id.is_distinct_from(ASKING))
        .values(manager_id=ASKING).execution_options(synchronize_session=False)).rowcount == 1


def release_asking(session: Session, review_id: int) -> None:
    """Undo `claim_asking` when the 1-on-1 request failed."""
    session.execute(update(QuarterReview).where(QuarterReview.id == review_id, QuarterReview.manager_id == ASKING)
                    .values(manager_id=None).execution_options(synchronize_session=False))


def carry_objective(session: Session, team_id: str, old: Objective, now: datetime) -> tuple[int | None, bool]:
    """Copy `old` into the next quarter, its key results starting where they ended; (new id, created now).

    The objective's natural key (team, owner, quarter, title) makes a second copy the first one.
    """
    quarter = next_quarter(old.quarter)
    created = bool(insert_ignore(session, Objective, {
        "team_id": team_id, "owner_id": old.owner_id, "quarter": quarter, "title": old.title,
        "tag": old.tag, "created_at": now, "updated_at": now}))
    new_id = session.scalar(select(Objective.id).where(
        Objective.team_id == team_id, Objective.owner_id == old.owner_id, Objective.quarter == quarter,
        Objective.title == old.title))
    if created:
        for kr in session.scalars(select(KeyResult).where(KeyResult.objective_id == old.id)
                                  .order_by(KeyResult.position, KeyResult.id)):
            session.add(KeyResult(team_id=team_id, objective_id=new_id, title=kr.title, position=kr.position,
                                  start_value=kr.current_value, target_value=kr.target_value,
                                  current_value=kr.current_value, unit=kr.unit, status=None,
                                  updated_at=now))
        session.flush()
    return new_id, created


def words_read(view: QuarterReviewView) -> list[ReadItem]:
    """The report's own words in a review as one reading-log item (none when they wrote none)."""
    if not any(p.helped or p.in_the_way or p.carry for p in view.objectives):
        return []
    return [ReadItem("review", view.id, view.owner_id, view.owner_id)]


def log_words_read(privacy: PrivacyService, view: QuarterReviewView, reader: str, via: str,
                   session: Session | None = None) -> None:
    """Someone other than the report (their manager) read the report's own words: a line in the report's reading
    log (in `session`'s transaction when given)."""
    if reader == view.owner_id:
        return
    if session is None:
        privacy.record_reads(team_id=view.team_id, via=via, reader_id=reader, items=words_read(view))
    else:
        privacy.record(session, team_id=view.team_id, via=via, reader_id=reader, items=words_read(view))
